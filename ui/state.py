"""The session's RunConfig (the draft), kept on disk, and the widget-binding tricks that keep choices.

Streamlit forgets a widget's value when its page is left, and all of `st.session_state` when the
tab reloads. The RunConfig in `st.session_state` is the single source of truth for the pages: each
widget's key is seeded from it when absent (`bind`), and each page writes what the widgets return
back into it. The RunConfig comes from the draft on disk when a session starts (`get_cfg`) and goes
back there after every script run that changed it (`keep_draft`, around `page.run()` in app.py),
so a reload finds the same settings (see workbench/studio/drafts.py for why one shared draft).

Widgets that are not part of the config (a sentence typed to try the models) use `sticky`: their
value is copied to a plain key that Streamlit does not drop when the page changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import streamlit as st

from ui.wording import plain_problem
from workbench.config import RunConfig, dump_config, preset
from workbench.core import WorkbenchError
from workbench.studio import load_draft, save_draft

CFG_KEY = "wb_cfg"
OPEN_RUN_KEY = "wb_open_run"
SAVED_KEY = "wb_draft_saved"  # the YAML last read from / written to the draft
KEPT_PREFIX = "wb_kept_"


def default_config() -> RunConfig:
    """The UI starts from the `first-run` preset: a teacher worth showing, and all three runs of
    the guided first run in minutes on a laptop."""
    cfg = preset("first-run")
    cfg.name = "demo"
    return cfg


def get_cfg() -> RunConfig:
    """This session's config: the saved draft the first time, the defaults when there is none."""
    if CFG_KEY not in st.session_state:
        try:
            cfg = load_draft()
        except WorkbenchError as exc:
            st.toast(f"Starting from the default settings: {exc}.", icon=":material/warning:")
            cfg = None
        cfg = cfg or default_config()
        st.session_state[CFG_KEY] = cfg
        st.session_state[SAVED_KEY] = dump_config(cfg)
    return st.session_state[CFG_KEY]


def save_cfg() -> None:
    """Write the session's config to the draft when it differs from what was last read or written."""
    cfg = st.session_state.get(CFG_KEY)
    if cfg is None or dump_config(cfg) == st.session_state.get(SAVED_KEY):
        return
    try:
        st.session_state[SAVED_KEY] = save_draft(cfg)
    except WorkbenchError as exc:
        st.toast(f"Your settings could not be saved for the next visit: {exc}.", icon=":material/warning:")


@contextlib.contextmanager
def keep_draft() -> Iterator[None]:
    """Around `page.run()`: save the draft however the run ends (normally, `st.stop`, `st.rerun`)."""
    try:
        yield
    finally:
        save_cfg()


def bind(key: str, value: Any) -> str:
    """Seed widget `key` with `value` (from the config) unless the widget already holds one."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def sticky(key: str, default: Any = "") -> str:
    """Widget key whose value survives a page change although it is in no config.

    At the start of a run the widget's state of the previous run is still there: copy it to a plain
    key. When the page was left, Streamlit has dropped the widget's key: seed it from the copy.
    """
    kept = KEPT_PREFIX + key
    if key in st.session_state:
        st.session_state[kept] = st.session_state[key]
    else:
        st.session_state[key] = st.session_state.get(kept, default)
    return key


def config_problem(cfg: RunConfig) -> str | None:
    """Why `cfg` cannot start, in plain words (None when it can): the engine's `validate_values`."""
    from workbench.config import validate_values

    try:
        validate_values(cfg)
    except WorkbenchError as exc:
        return plain_problem(exc)
    return None

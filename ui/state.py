"""The session's RunConfig and the widget-binding trick that keeps choices across pages.

Streamlit forgets a widget's value when its page is left. The RunConfig in `st.session_state` is
the single source of truth: each widget's key is seeded from it when absent (`bind`), and each
page writes what the widgets return back into it. Anything that must survive a browser reload
(runs, uploads) is on disk, not here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.config import RunConfig, preset

CFG_KEY = "wb_cfg"
OPEN_RUN_KEY = "wb_open_run"


def default_config() -> RunConfig:
    """The UI starts from the `first-run` preset: a teacher worth showing, and all three runs of
    the guided first run in minutes on a laptop."""
    cfg = preset("first-run")
    cfg.name = "demo"
    return cfg


def get_cfg() -> RunConfig:
    if CFG_KEY not in st.session_state:
        st.session_state[CFG_KEY] = default_config()
    return st.session_state[CFG_KEY]


def bind(key: str, value: Any) -> str:
    """Seed widget `key` with `value` (from the config) unless the widget already holds one."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key

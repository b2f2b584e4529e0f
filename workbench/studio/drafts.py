"""The settings a person is still choosing in the UI (the draft RunConfig), kept on disk.

`st.session_state` dies with the browser tab, so a reload used to reset T, alpha, epochs and every
Setup choice to the defaults. The draft lives in `RUNS_ROOT/.drafts/draft.yaml`, written with the
same `dump_config` as a run folder's config.yaml, so it is also a config the CLI accepts.

One shared draft, not one per browser: this is a single-user tool on localhost (the server listens
on localhost only), and a person who opens the app in a new tab, or after a restart, expects the
settings they made last, not the defaults. A per-browser id in the URL would lose them exactly
there (a new tab has no id). The price: two tabs editing settings at the same time each keep their
own until a reload, which then shows the last change made in either.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.config import RunConfig, dump_config, from_dict
from workbench.core import WorkbenchError, write_text_atomic
from workbench.runs import runs_root

DRAFTS_FOLDER = ".drafts"  # a dot folder: list_runs skips it


def draft_path(root: Path | None = None) -> Path:
    return (root or runs_root()) / DRAFTS_FOLDER / "draft.yaml"


def save_draft(cfg: RunConfig, root: Path | None = None) -> str:
    """Write the draft atomically (a reader never sees half of it); returns the YAML written."""
    path = draft_path(root)
    text = dump_config(cfg)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError as exc:
        raise WorkbenchError(f"cannot save the settings to {path}: {exc.strerror}") from None
    return text


def load_draft(root: Path | None = None) -> RunConfig | None:
    """The saved draft, or None when there is none; a one-line error when it cannot be read.

    Values are not range-checked here: a draft may be half-finished (an upload not chosen yet), and
    the pages say what is missing before anything starts.
    """
    path = draft_path(root)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise WorkbenchError(f"the saved settings in {path} could not be read") from None
    return from_dict(RunConfig, data)

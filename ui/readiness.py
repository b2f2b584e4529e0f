"""Whether the current settings can start a run: one answer for every start button.

The engine decides: the config's own validation (`validate_values`) and then loading the data exactly
as a run will (`load_data`: columns, labels, carving, `check_data`'s per-class minimum). The UI keeps
no rule of its own, so Setup cannot promise what a run then refuses (or the reverse).
"""

from __future__ import annotations

from ui import cached
from ui.state import config_problem
from ui.wording import plain_problem
from workbench.config import RunConfig
from workbench.core import WorkbenchError


def start_problem(cfg: RunConfig) -> str | None:
    """Why `cfg` cannot start a run, as one plain sentence (None when it can)."""
    problem = config_problem(cfg)
    if problem:
        return problem
    try:
        cached.data_for(cfg)
    except WorkbenchError as exc:
        return plain_problem(exc)
    return None

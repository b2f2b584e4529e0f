"""The no-distillation baseline: the same student, data, steps and seed, trained on the labels alone.

"Would the small model be as good without the teacher?" is the first question about any distilled
student. Its answer is a second run whose config equals the distilled run's except what carries the
teacher's signal (`without_teacher`: alpha 0, no intermediate losses, no transfer set, no extra
teachers; the temperature has no effect then) and its name. This module finds such a run among the
finished ones, or builds its config; it knows run folders and configs, nothing about training.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, TransferConfig, load_config, to_dict
from workbench.core import WorkbenchError
from workbench.runs.store import read_status

BASELINE_SUFFIX = "-no-teacher"


TEACHER_ONLY = ("alpha", "temperature", "hidden_weight", "attention_weight", "layer_map", "ensemble")


def without_teacher(cfg: RunConfig) -> RunConfig:
    """A copy of `cfg` that learns from the labels alone: alpha 0, no intermediate losses, no transfer
    set (its texts have no labels) and no extra teachers. The sweep's alpha = 0 reference is this too."""
    out = copy.deepcopy(cfg)
    out.distill.alpha = 0.0
    out.distill.hidden_weight = out.distill.attention_weight = 0.0
    out.transfer = TransferConfig()
    out.extra_teachers = []
    return out


def baseline_config(cfg: RunConfig) -> RunConfig:
    """`cfg` learning from the labels alone (`without_teacher`) and a name that says so; all else equal."""
    out = without_teacher(cfg)
    if not out.name.endswith(BASELINE_SUFFIX):
        out.name = f"{out.name}{BASELINE_SUFFIX}"
    return out


def _comparable(cfg: RunConfig) -> dict[str, Any]:
    """The config as a dict without what a baseline may differ in: name, what only the teacher's
    signals use (alpha, temperature, intermediate losses, transfer set, extra teachers), and the
    bookkeeping of a guided run (its group, role, and the run it waited for)."""
    d = to_dict(cfg)
    for key in ("name", "after", "group", "role", "transfer", "extra_teachers"):
        d.pop(key, None)
    d["distill"] = {k: v for k, v in d["distill"].items() if k not in TEACHER_ONLY}
    return d


def _config(run_dir: Path) -> RunConfig | None:
    try:
        return load_config(run_dir / "config.yaml")
    except WorkbenchError:
        return None


def find_baseline(run_dir: Path, root: Path | None = None, *, states: tuple[str, ...] = ("finished",)) -> Path | None:
    """The baseline run of distillation run `run_dir`, or None.

    A distill run in `root` (default: the folder `run_dir` is in) whose status is one of `states`,
    with alpha 0 and otherwise the same config apart from what `_comparable` sets aside (name, the
    teacher's other signals, a guided run's bookkeeping). Among several, one
    whose status.json has the same `group` as this run's and `role: baseline` comes first (the guided
    first run launches its baseline so), then the newest. A run trained with alpha 0 has no baseline.
    """
    run_dir = Path(run_dir).resolve()
    root = Path(root).resolve() if root else run_dir.parent
    cfg = _config(run_dir)
    if cfg is None or cfg.distill.alpha == 0 or not root.is_dir():
        return None
    want = _comparable(cfg)
    group = read_status(run_dir).get("group")
    found: list[tuple[bool, str, Path]] = []
    for d in root.iterdir():
        if d == run_dir or not d.is_dir() or d.name.startswith("."):
            continue
        status = read_status(d)
        if status.get("kind") != "distill" or status.get("state") not in states:
            continue
        other = _config(d)
        if other is None or other.distill.alpha != 0 or _comparable(other) != want:
            continue
        same_group = group is not None and status.get("group") == group and status.get("role") == "baseline"
        found.append((same_group, d.name, d))
    if not found:
        return None
    return max(found, key=lambda f: (f[0], f[1]))[2]  # run folder names start with a timestamp: newest last

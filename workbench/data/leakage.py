"""Did the teacher see the evaluation texts? Overlap between a teacher run's training data and ours.

A teacher fine-tuned by this workbench keeps its config (with its `data:` section) in its run
folder. If a later distillation evaluates on texts that teacher was fine-tuned on (another seed
carves other splits; the bundled Rotten Tomatoes snippets and the hub's `rotten_tomatoes` share
Pang & Lee sentences), the teacher's validation and test accuracy are inflated, and the student's
share of it is measured against an inflated bar. Nothing is dropped here: the distillation data
stays as configured, and the report says how many texts the teacher had trained on, so a reader
can judge. Only the teacher's *train* split counts as seen (its validation split picked the best
checkpoint, which leaks far less).

Texts are compared normalised (`data.textdata.normalise_text`) through a hash set, so the check costs one
pass over each split. A teacher that is not a workbench run (bundled, hub, a plain folder) or whose
run folder has no config is skipped: the result says why, and no error is raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.config import ModelConfig, load_config
from workbench.core import WorkbenchError
from workbench.data.loading import load_data
from workbench.data.textdata import TextData, normalise_text

EVAL_SPLITS = ("validation", "test")


def teacher_run_folder(teacher: ModelConfig) -> Path | None:
    """The run folder of a teacher fine-tuned here (`source: run`, the folder or its `model/`), else None."""
    if teacher.source not in ("run", "local") or not teacher.name:
        return None
    folder = Path(teacher.name).expanduser()
    for candidate in (folder, folder.parent):
        if (candidate / "config.yaml").is_file() and (candidate / "model").is_dir():
            return candidate
    return None


def teacher_training_overlap(teacher_run_dir: str | Path | None, data: TextData) -> dict[str, Any]:
    """How many of `data`'s validation and test texts were in the teacher run's training split.

    -> {"checked": True, "validation": n, "test": n, "sizes": {...}, "teacher_train_size": n}, or
    {"checked": False, "reason": ...} when there is nothing to compare with.
    """
    if teacher_run_dir is None:
        return {"checked": False, "reason": "the teacher was not fine-tuned by this workbench"}
    config = Path(teacher_run_dir) / "config.yaml"
    if not config.is_file():
        return {"checked": False, "reason": f"the teacher's run folder has no config.yaml: {teacher_run_dir}"}
    try:
        teacher_data = load_data(load_config(config).data)
    except WorkbenchError as exc:  # the teacher's data file moved, the hub is offline, ...
        return {"checked": False, "reason": f"the teacher's training data could not be reloaded: {exc}"}
    seen = {normalise_text(t) for t in teacher_data.train.texts}
    out: dict[str, Any] = {"checked": True, "teacher_train_size": len(teacher_data.train)}
    for name in EVAL_SPLITS:
        out[name] = sum(normalise_text(t) in seen for t in data.split(name).texts)
    out["sizes"] = {name: len(data.split(name)) for name in EVAL_SPLITS}
    return out


def overlap_notes(overlap: dict[str, Any]) -> list[str]:
    """The report notes for a non-zero overlap (or for a check that could not run on a run teacher)."""
    if not overlap.get("checked"):
        reason = overlap.get("reason", "")
        return [f"teacher overlap not checked: {reason}"] if "could not be reloaded" in reason else []
    return [
        f"the teacher was fine-tuned on {overlap[name]:,} of the {overlap['sizes'][name]:,} {name} texts: "
        f"its {name} accuracy is inflated"
        for name in EVAL_SPLITS
        if overlap[name]
    ]

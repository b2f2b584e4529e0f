"""report.json's one writer: every step that records something about a run's model goes through here.

Several steps add to one report: training writes it first, re-evaluation (`workbench evaluate`, the UI's
Measure again) measures the same model again, export adds the model's `onnx` block. Each used to read,
change and write the file on its own, and each dropped what the others had added (re-measuring lost
`student.onnx`; group and role were patched in afterwards). Here a write either starts the report anew
(training: the model was just saved in place of any earlier one, so nothing recorded about that one
holds, and `model/model.onnx` went with it) or merges into it, keeping every field it does not set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.config import RunConfig
from workbench.core import read_json, write_json_atomic

REPORT_FILE = "report.json"
MODEL_BLOCKS = ("teacher", "student")  # merged one level deeper: a re-measured block keeps e.g. its `onnx`


def write_report(run_dir: Path, fields: dict[str, Any], *, fresh: bool = False) -> dict[str, Any]:
    """Write `fields` into the run's report.json (atomic) and return the whole report.

    `fresh`: start from nothing (a newly trained model). Otherwise merge into the report on disk: a
    top-level field in `fields` replaces the old one, except the model blocks (`teacher`, `student`),
    whose own fields are replaced one by one so that fields only other steps write survive.
    """
    path = Path(run_dir) / REPORT_FILE
    old = {} if fresh else read_json(path, default=None)
    old = old if isinstance(old, dict) else {}
    report = {**old, **fields}
    for block in MODEL_BLOCKS:
        if isinstance(old.get(block), dict) and isinstance(fields.get(block), dict):
            report[block] = {**old[block], **fields[block]}
    write_json_atomic(path, report)
    return report


def run_tags(cfg: RunConfig) -> dict[str, Any]:
    """The report's `group` and `role` (a guided run's bookkeeping, set in its config from the start), or
    nothing for a run that has neither."""
    return {"group": cfg.group, "role": cfg.role} if (cfg.group or cfg.role) else {}

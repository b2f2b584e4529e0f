"""Questions about the runs so far: which finished teachers can be reused, the guided group, how long the first run took."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.config import DataConfig, load_config, to_dict
from workbench.core import WorkbenchError
from workbench.runs.store import RunInfo, list_runs


def finished_teacher_runs(root: Path | None = None) -> list[dict[str, Any]]:
    """Teacher fine-tuning runs that saved a model, newest first, with their test and validation accuracy."""
    out = []
    for info in list_runs(root):
        if info.kind != "teacher" or info.state not in ("finished", "stopped"):
            continue
        if not (info.run_dir / "model" / "config.json").is_file():
            continue
        teacher = (info.report or {}).get("teacher") or {}
        acc = (teacher.get("test") or {}).get("accuracy")
        val = (teacher.get("validation") or {}).get("accuracy")
        out.append({"run_dir": str(info.run_dir), "id": info.id, "accuracy": acc, "validation_accuracy": val})
    return out


def _data_of(run_dir: Path) -> dict[str, Any] | None:
    try:
        return to_dict(load_config(run_dir / "config.yaml")).get("data")
    except WorkbenchError:
        return None


def best_teacher_run(data_cfg: DataConfig, root: Path | None = None) -> dict[str, Any] | None:
    """The finished teacher run with the best validation accuracy among those trained on `data_cfg`.

    Not the newest: the newest may be a 3-example smoke test at chance, and a picker that defaults
    to it hands a useless teacher to the next step. Validation, not test, so that choosing the
    teacher does not peek at the test split. None when no teacher was fine-tuned on this data.
    """
    want = to_dict(data_cfg)
    same = [r for r in finished_teacher_runs(root) if _data_of(Path(r["run_dir"])) == want]
    scored = [r for r in same if r["validation_accuracy"] is not None]
    if not scored:
        return same[0] if same else None
    return max(scored, key=lambda r: (r["validation_accuracy"], r["id"]))


def guided_group(root: Path | None = None) -> dict[str, RunInfo]:
    """The newest guided first run: {role: RunInfo} for its teacher, distilled and baseline runs."""
    groups: dict[str, dict[str, RunInfo]] = {}
    for info in list_runs(root):  # newest first
        group, role = info.status.get("group"), info.status.get("role")
        if group and role:
            groups.setdefault(group, {}).setdefault(role, info)
    if not groups:
        return {}
    newest = max(groups, key=lambda g: max(i.id for i in groups[g].values()))
    return groups[newest]


def first_run_wall_seconds(root: Path | None = None) -> tuple[float, int] | None:
    """(seconds from the teacher's start to the last run's end, training examples) of the newest
    guided first run whose three runs finished on this machine; None when there is none."""
    finished: list[tuple[str, float, int]] = []
    groups: dict[str, dict[str, RunInfo]] = {}
    for info in list_runs(root):
        group, role = info.status.get("group"), info.status.get("role")
        if group and role and info.state == "finished":
            groups.setdefault(group, {})[role] = info
    for runs in groups.values():
        if set(runs) != {"teacher", "distilled", "baseline"}:
            continue
        starts = [r.status.get("started") for r in runs.values()]
        ends = [r.status.get("ended") for r in runs.values()]
        if None in starts or None in ends:
            continue
        n = ((runs["teacher"].report or {}).get("data") or {}).get("sizes", {}).get("train")
        if n:
            finished.append((runs["teacher"].id, max(ends) - min(starts), int(n)))
    if not finished:
        return None
    _, seconds, n = max(finished)
    return seconds, n

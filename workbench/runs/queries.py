"""Questions about the runs so far: which finished teachers can be reused, the guided group, how long the first run
took, and which run trains now and which wait for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.config import DataConfig, load_config, to_dict
from workbench.core import WorkbenchError
from workbench.runs.label_curve import GROUP_PREFIX as CURVE_PREFIX
from workbench.runs.store import RunInfo, list_runs, read_status


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
        if group and role and not group.startswith(CURVE_PREFIX):  # a label curve is no first run
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
        if group and role and info.state == "finished" and not group.startswith(CURVE_PREFIX):
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


@dataclass(frozen=True)
class InLine:
    """One queued or running run, with what it waits for: the facts the Train page's "Current run" shows."""

    run_dir: Path
    status: dict[str, Any]
    role: str | None  # its role in a guided first run (teacher / distilled / baseline), else None
    after: Path | None  # the unfinished run it is chained `after:`; None when it waits for the training slot only


def _chain_facts(run_dir: Path, status: dict[str, Any]) -> tuple[str | None, str | None]:
    """(after, role) of a run, from its config.yaml: its status holds them only once its process has
    started (`chain.mark_group`, `chain.wait_for_prerequisite`), seconds to a minute after the launch."""
    try:
        config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        config = None
    config = config if isinstance(config, dict) else {}
    after = config.get("after") or status.get("waiting_for")
    role = status.get("role") or config.get("role")
    return (str(after) if after else None), (str(role) if role else None)


def training_line(root: Path | None = None) -> list[InLine]:
    """The queued and running runs in the order they will train; the first is the current run.

    Running first; then the queued runs by how many unfinished runs they are chained after, and by
    when they were queued. Not newest first: the three runs of a guided first run are launched in
    one go, and before the teacher's process has started all three read `queued`, so the newest
    (the baseline, which waits for both others) would be taken for the run under way.
    """
    from workbench.runs.jobs import active_runs

    active = active_runs(root)
    statuses = {d.resolve(): read_status(d) for d in active}
    facts = {d: _chain_facts(d, s) for d, s in statuses.items()}
    pending = {d: Path(a).resolve() for d, (a, _) in facts.items() if a and Path(a).resolve() in statuses}

    def depth(d: Path) -> int:
        n, seen = 0, {d}
        while d in pending and pending[d] not in seen:  # a cycle in hand-written configs ends here
            d = pending[d]
            seen.add(d)
            n += 1
        return n

    def order(d: Path) -> tuple[int, int, float, str]:
        s = statuses[d]
        queued_at = s.get("created") or s.get("queued_since") or s.get("resumed") or s.get("started") or 0.0
        return (0 if s.get("state") == "running" else 1, depth(d), float(queued_at), d.name)

    return [InLine(d, statuses[d], facts[d][1], pending.get(d)) for d in sorted(statuses, key=order)]

"""The label-efficiency curve: teacher and distilled student accuracy against labels per class.

"How many labels do we need?" is answered by measuring it: for each budget (16, 32, 64, 256 labels per
class, or every label) and seed, a teacher learns from that many labels (`config.apply_few_labels`: the
rest of train becomes the unlabelled pool, the teacher learns with SetFit-style pairs) and a student
distils from it over the labelled few plus the pool the teacher labelled. The pairs are chained runs,
like the guided first run (`guided.py`): each student waits `after:` its teacher, and every run carries
the curve's `group` id ("label-curve-...") and a `role`, so the curve is read back from the run folders
alone, by any page or process; one driver process (`drive`, `python -m workbench label-curve`) starts
them in turn. The Experiments page launches it; `benchmarks/few_labels.py` builds the
same configs with `curve_configs`, so its numbers are the page's.

A seed moves the data split and the labelled sample together (`data.seed`), so the spread over seeds
includes both.
"""

from __future__ import annotations

import copy
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, apply_few_labels
from workbench.core import read_json, write_json_atomic
from workbench.runs.store import list_runs, read_status, write_status

GROUP_PREFIX = "label-curve-"
BUDGETS: tuple[int | None, ...] = (16, 32, 64, 256, None)  # None: every label


def budget_name(budget: int | None) -> str:
    return "all" if budget is None else str(budget)


def parse_budget(name: str) -> int | None:
    """A budget as spelt on the command line: "all" -> None, "64" -> 64."""
    return None if name == "all" else int(name)


def new_curve_id() -> str:
    return f"{GROUP_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def curve_configs(
    base_cfg: RunConfig, budget: int | None, seed: int, group: str | None = None, teacher_dir: str | Path | None = None
) -> tuple[RunConfig, RunConfig]:
    """(teacher, student) configs of one point of the curve, from the base config the page holds.

    The base config's teacher model, student and distillation settings are kept; the budget sets the
    label recipe (`apply_few_labels`), the seed sets the run's and the data's seed. The student takes
    its teacher from `teacher_dir` and waits for it. A weak teacher is allowed: the curve wants a
    number at every budget, a poor one included (that is what the curve is for).
    """
    group = group or new_curve_id()
    stem = f"{base_cfg.name or 'curve'}-{budget_name(budget)}-s{seed}"
    teacher = copy.deepcopy(base_cfg)
    if teacher.teacher.source == "run":  # a curve trains its own teachers, from the model that run started from
        teacher.teacher = _origin_model(Path(teacher.teacher.name))
    apply_few_labels(teacher, budget)
    teacher.seed = teacher.data.seed = seed
    teacher.group, teacher.role, teacher.after, teacher.allow_weak_teacher = group, "teacher", None, True
    teacher.name = f"{stem}-teacher"
    student = copy.deepcopy(teacher)
    student.name, student.role = f"{stem}-student", "distilled"
    if teacher_dir is not None:
        student.teacher.source, student.teacher.name = "run", str(teacher_dir)
        student.after = str(teacher_dir)
    return teacher, student


def _origin_model(run_dir: Path) -> Any:
    """The teacher model a finished teacher run was fine-tuned from (the bundled model when unreadable)."""
    from workbench.config import ModelConfig, load_config
    from workbench.core import WorkbenchError

    try:
        model = load_config(run_dir / "config.yaml").teacher
    except WorkbenchError:
        return ModelConfig()
    return model if model.source != "run" else ModelConfig()


def launch_curve(base_cfg: RunConfig, budgets: list[int | None], seeds: int, root: Path | None = None) -> str:
    """Prepare the curve's runs (`prepare_curve`) and start one driver process that runs them in turn
    (`drive`, as `python -m workbench label-curve --plan PLAN`); returns the curve's id at once.

    One driver rather than a process per run: a waiting CLI process holds ~440 MB (torch and
    transformers imported), so a 5-budget x 3-seed curve would park 30 of them, 13 GB, on a 24 GB machine.
    """
    from workbench.runs.processes import spawn_cli

    plan = prepare_curve(base_cfg, budgets, seeds, root)
    args = [sys.executable, "-m", "workbench", "label-curve", "--plan", str(plan)]
    note_driver(plan, spawn_cli(args, plan.with_suffix(".log"), plan.parent.parent))
    return read_json(plan)["group"]


def prepare_curve(base_cfg: RunConfig, budgets: list[int | None], seeds: int, root: Path | None = None) -> Path:
    """Prepare every (budget, seed) pair's teacher and student run folders, queued, and write the plan
    that lists them in order; -> the plan's path. The smallest budget goes first, so the cheap end of
    the curve shows up first."""
    from workbench.runs.jobs import prepare
    from workbench.runs.store import runs_root

    if not budgets or seeds < 1:
        raise ValueError("a curve needs at least one budget and one seed")
    root = (root or runs_root()).resolve()
    group = new_curve_id()
    runs: list[dict[str, str]] = []
    for budget in sorted(budgets, key=lambda b: float("inf") if b is None else b):
        for k in range(seeds):
            teacher_cfg, _ = curve_configs(base_cfg, budget, base_cfg.seed + k, group)
            teacher_dir = prepare(teacher_cfg, "teacher", root)
            _, student_cfg = curve_configs(base_cfg, budget, base_cfg.seed + k, group, teacher_dir)
            student_dir = prepare(student_cfg, "distill", root)
            for run_dir in (teacher_dir, student_dir):  # waiting for its turn, not a process getting ready
                write_status(run_dir, queued_since=time.time())
            runs += [{"kind": "teacher", "run_dir": str(teacher_dir)}, {"kind": "distill", "run_dir": str(student_dir)}]
    plan = plan_path(group, root)
    plan.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(plan, {"group": group, "runs": runs})
    return plan


def note_driver(plan: Path, pid: int) -> None:
    """Record which process drives the curve, so runs left waiting for a dead one can be ended."""
    from workbench.runs.processes import process_identity

    write_json_atomic(plan, {**read_json(plan), "driver": process_identity(pid)})


def plan_path(group: str, root: Path) -> Path:
    """Where a curve's plan lives: the runs in order, and its driver's process."""
    return root / ".curves" / f"{group}.json"


def drive(plan: Path, echo: Callable[[str], None] = lambda line: None) -> int:
    """Run a curve's prepared runs in turn, each in its own process, waiting for each to end.

    A run asked to stop before its turn (its STOP file) ends `stopped` without starting; a student
    whose teacher did not finish starts and fails at once with the chain's one-line reason. Returns
    the number of runs that did not finish.
    """
    from workbench.runs.jobs import start
    from workbench.runs.processes import children, refresh

    not_finished = 0
    for entry in read_json(plan, default={}).get("runs", []):
        run_dir = Path(entry["run_dir"])
        status = read_status(run_dir)
        if status.get("state") != "queued" or status.get("pid"):
            continue  # ended already, or started by someone else
        if (run_dir / "STOP").exists():
            write_status(run_dir, state="stopped", error=None, ended=time.time())
            not_finished += 1
            continue
        echo(f"{entry['kind']}: {run_dir.name}")
        children[start(entry["kind"], run_dir)].wait()
        state = refresh(run_dir).get("state")
        not_finished += state != "finished"
        echo(f"{entry['kind']}: {run_dir.name} {state}")
    return not_finished


def orphaned(group: str, root: Path | None = None) -> int:
    """Runs of a curve that wait for a driver that is gone (killed, machine restarted) end `failed`
    with a one-line reason instead of waiting forever; -> how many."""
    from workbench.runs.processes import process_alive
    from workbench.runs.store import runs_root

    root = (root or runs_root()).resolve()
    plan = read_json(plan_path(group, root), default=None)
    if not plan or "driver" not in plan or process_alive(plan["driver"]):
        return 0
    n = 0
    for entry in plan["runs"]:
        run_dir = Path(entry["run_dir"])
        status = read_status(run_dir)
        if status.get("state") == "queued" and not status.get("pid"):
            reason = "the label curve's process ended before this run's turn"
            write_status(run_dir, state="failed", error=reason, ended=time.time())
            n += 1
    return n


def stop_curve(group: str, root: Path | None = None) -> None:
    """Stop the run in progress and every run still to come (each gets its STOP file)."""
    from workbench.runs.jobs import stop
    from workbench.runs.store import ACTIVE_STATES

    for info in list_runs(root):
        if info.status.get("group") == group and info.state in ACTIVE_STATES:
            stop(info.run_dir)


def _accuracy(report: dict | None, who: str) -> float | None:
    return (((report or {}).get(who) or {}).get("test") or {}).get("accuracy")


def curve_rows(group: str, root: Path | None = None) -> list[dict[str, Any]]:
    """One row per (budget, seed) of curve `group`, read from its run folders: states and test accuracies.

    -> [{budget, seed, teacher_state, student_state, teacher_test, student_test, student_kept, teacher_model}],
    budgets ascending ("all" last), seeds ascending.
    """
    from workbench.config import load_config
    from workbench.core import WorkbenchError
    from workbench.evaluation import model_name

    points: dict[tuple[str, int], dict[str, Any]] = {}
    for info in list_runs(root):
        if info.status.get("group") != group or info.status.get("role") not in ("teacher", "distilled"):
            continue
        try:
            cfg = load_config(info.run_dir / "config.yaml")
        except WorkbenchError:
            continue
        key = (budget_name(cfg.data.labels_per_class), cfg.seed)
        row = points.setdefault(key, {"budget": key[0], "seed": key[1]})
        who = "teacher" if info.status["role"] == "teacher" else "student"
        row[f"{who}_state"] = info.state
        row[f"{who}_test"] = _accuracy(info.report, who) if info.state == "finished" else None
        row[f"{who}_run"] = info.run_dir.name
        if who == "teacher":  # few labels and every label may use different teachers (`apply_few_labels`)
            row["teacher_model"] = model_name(cfg.teacher.source, cfg.teacher.name)
    for row in points.values():
        t, s = row.get("teacher_test"), row.get("student_test")
        row["student_kept"] = s / t if t and s is not None else None
    order = lambda r: (float("inf") if r["budget"] == "all" else int(r["budget"]), r["seed"])  # noqa: E731
    return sorted(points.values(), key=order)


def curve_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and spread over the seeds that finished, per budget -> [{budget, seeds, teacher_test, _sd, ...}]."""
    out = []
    for budget in dict.fromkeys(r["budget"] for r in rows):
        done = [r for r in rows if r["budget"] == budget and r.get("student_kept") is not None]
        if not done:
            continue
        point: dict[str, Any] = {"budget": budget, "seeds": len(done)}
        for key in ("teacher_test", "student_test", "student_kept"):
            vals = [r[key] for r in done]
            point[key] = statistics.mean(vals)
            point[key + "_sd"] = statistics.stdev(vals) if len(vals) > 1 else 0.0
        out.append(point)
    return out


def list_curves(root: Path | None = None) -> list[dict[str, Any]]:
    """Every label curve in the run folder, newest first: {group, runs, active}."""
    from workbench.runs.store import ACTIVE_STATES

    infos = list_runs(root)  # newest first; read again only when a dead driver's runs were just ended
    groups = {g for info in infos if (g := info.status.get("group") or "").startswith(GROUP_PREFIX)}
    if sum(orphaned(group, root) for group in groups):
        infos = list_runs(root)
    curves: dict[str, dict[str, Any]] = {}
    for info in infos:
        group = info.status.get("group") or ""
        if not group.startswith(GROUP_PREFIX):
            continue
        c = curves.setdefault(group, {"group": group, "runs": 0, "active": 0})
        c["runs"] += 1
        c["active"] += info.state in ACTIVE_STATES
    return list(curves.values())

"""The guided first run: fine-tune the teacher, distil a student, train the same student without it.

Three runs tell the whole story, and the third is what makes the second convincing: the baseline
shares the distilled run's data, student, steps and seed and learns from the labels alone (alpha 0,
and none of the teacher's other signals, see `baseline.without_teacher`), so the gap between the two
is what the teacher bought. The runs carry one `group` id and a
`role` (teacher / distilled / baseline), which is how Compare finds a distilled run's baseline.

`launch_first_run` starts all three at once in the background (what the UI calls): the students
are chained `after:` the run before them, so they wait, queued, and fail with a one-line reason
if it fails. `run_first_run` does the same in the foreground for `python -m workbench first-run`.
"""

from __future__ import annotations

import copy
import secrets
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from workbench.config import RunConfig, apply_family_defaults, load_config
from workbench.core import read_json
from workbench.runs.baseline import without_teacher
from workbench.runs.store import distinct_name, read_status

ROLES = ("teacher", "distilled", "baseline")
KIND_OF = {"teacher": "teacher", "distilled": "distill", "baseline": "distill"}


def new_group_id() -> str:
    return f"first-run-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def first_run_configs(
    base_cfg: RunConfig, teacher_dir: str | Path | None = None, group: str | None = None, student: str | None = None
) -> tuple[RunConfig, RunConfig, RunConfig]:
    """(teacher, distilled, baseline) configs from one base config.

    `student`: the story's student family (None: the base config's). A family other than the base
    config's brings its own training defaults (`apply_family_defaults`: a BiLSTM needs a higher rate
    and more passes than a student cut from the teacher) to the distilled run and so to its baseline;
    values the base config holds by hand are kept. The teacher's settings never change.

    The students take their teacher from `teacher_dir` (the teacher run's folder; empty until it
    is known) and wait for it; the baseline is the distilled config without the teacher
    (`baseline.without_teacher`: alpha 0, no intermediate losses, transfer set or extra teachers, and
    the distilled run's planned optimizer steps as `training.max_steps`) and nothing else changed, chained after the distilled run by `launch_first_run` so the two train in order.
    """
    group = group or new_group_id()
    stem = base_cfg.name or "first-run"
    teacher = copy.deepcopy(base_cfg)
    teacher.name, teacher.group, teacher.role, teacher.after = f"{stem}-teacher", group, "teacher", None
    distilled = copy.deepcopy(base_cfg)
    distilled.name, distilled.group, distilled.role = f"{stem}-distilled", group, "distilled"
    if student is not None:
        apply_family_defaults(distilled, student, previous=base_cfg.student.kind)
    if teacher_dir is not None:
        distilled.teacher.source, distilled.teacher.name = "run", str(teacher_dir)
        distilled.after = str(teacher_dir)
    baseline = without_teacher(distilled)
    baseline.name, baseline.role = f"{stem}-baseline", "baseline"
    return teacher, distilled, baseline


def _distinct_stem(base_cfg: RunConfig, root: Path | None) -> RunConfig:
    """A copy of `base_cfg` named so that none of its three runs' names is taken ("demo-2": demo-2-teacher, ...)."""
    out = copy.deepcopy(base_cfg)
    out.name = distinct_name(base_cfg.name or "first-run", root, tuple(f"-{role}" for role in ROLES))
    return out


def launch_first_run(base_cfg: RunConfig, root: Path | None = None, student: str | None = None) -> dict[str, Path]:
    """Start the three runs in the background; returns {role: run folder} at once.

    Teacher first; the distilled student waits for the teacher, the baseline for the distilled
    run (so they train in that order, one at a time, and a failure upstream fails the rest).
    """
    from workbench.runs.jobs import launch

    base_cfg = _distinct_stem(base_cfg, root)
    teacher_cfg, _, _ = first_run_configs(base_cfg)
    teacher_dir = launch(teacher_cfg, "teacher", root)
    _, distilled_cfg, baseline_cfg = first_run_configs(base_cfg, teacher_dir, group=teacher_cfg.group, student=student)
    distilled_dir = launch(distilled_cfg, "distill", root)
    baseline_cfg.after = str(distilled_dir)
    baseline_dir = launch(baseline_cfg, "distill", root)
    return {"teacher": teacher_dir, "distilled": distilled_dir, "baseline": baseline_dir}


def run_first_run(
    base_cfg: RunConfig, root: Path | None = None, echo: Callable[[str], None] = print, poll_s: float = 2.0
) -> tuple[int, dict[str, Path]]:
    """The same three runs in this process, one after another, printing progress lines.

    Returns (exit code, {role: run folder}); stops at the first run that does not finish.
    """
    from workbench.runs.runner import execute, prepare_run_dir
    from workbench.runs.store import new_run_dir, runs_root

    root = (root or runs_root()).resolve()
    base_cfg = _distinct_stem(base_cfg, root)
    dirs: dict[str, Path] = {}
    group = new_group_id()
    for i, role in enumerate(ROLES, 1):
        teacher_cfg, distilled_cfg, baseline_cfg = first_run_configs(base_cfg, dirs.get("teacher"), group)
        cfg = {"teacher": teacher_cfg, "distilled": distilled_cfg, "baseline": baseline_cfg}[role]
        if role == "baseline":
            cfg.after = str(dirs["distilled"])
        kind = KIND_OF[role]
        run_dir = prepare_run_dir(cfg, kind, new_run_dir(kind, cfg.name, root))
        dirs[role] = run_dir
        echo(f"[{i}/3] {role}: {run_dir}")
        start = time.time()
        done = threading.Event()
        watcher = threading.Thread(target=_echo_progress, args=(run_dir, role, echo, done, poll_s), daemon=True)
        watcher.start()
        try:
            code = execute(kind, cfg, run_dir)
        finally:
            done.set()
            watcher.join()
        status = read_status(run_dir)
        if code != 0 or status.get("state") != "finished":
            echo(f"[{i}/3] {role} ended {status.get('state')}: {status.get('error') or 'see log'}")
            return (code or 1), dirs
        acc = accuracy_on_test(run_dir)
        echo(f"[{i}/3] {role} finished in {time.time() - start:.0f} s, test accuracy {acc:.3f}")
    return 0, dirs


def _echo_progress(run_dir: Path, role: str, echo: Callable[[str], None], done: threading.Event, poll_s: float) -> None:
    """Print each validation result and phase of a run as it lands in metrics.jsonl."""
    from workbench.runs.store import read_metrics

    seen = 0
    while True:
        finished = done.wait(poll_s)
        events = read_metrics(run_dir)
        for e in events[seen:]:
            if e.get("type") == "eval":
                acc = e.get("accuracy", e.get("val_accuracy"))
                echo(f"      {role}: step {e.get('step')} validation accuracy {acc}")
            elif e.get("type") == "phase" and e.get("phase") in ("training", "teacher_logits_start", "evaluating"):
                echo(f"      {role}: {e['phase'].replace('_', ' ')}")
        seen = len(events)
        if finished:
            return


def accuracy_on_test(run_dir: Path) -> float | None:
    """The trained model's test accuracy from a finished run's report (teacher or student)."""
    report = read_json(Path(run_dir) / "report.json", default=None) or {}
    who = report.get("student" if report.get("kind") == "distill" else "teacher") or {}
    return (who.get("test") or {}).get("accuracy")


def find_baseline(run_dir: str | Path) -> Path | None:
    """The no-distillation twin of distilled run `run_dir` (see `baseline.find_baseline`): the same
    group's baseline first, else a finished run with the same config but alpha 0."""
    from workbench.runs.baseline import find_baseline as find

    return find(Path(run_dir))


def main_cli(config: str | None, root: Path | None = None) -> int:
    """`python -m workbench first-run [CONFIG]` (the `first-run` preset without a config)."""
    from workbench.config import preset

    cfg = load_config(config) if config else preset("first-run")
    code, dirs = run_first_run(cfg, root, echo=lambda line: print(line, flush=True))
    if code == 0:
        accs = {role: accuracy_on_test(d) for role, d in dirs.items()}
        t, s, b = accs["teacher"], accs["distilled"], accs["baseline"]
        print(
            f"teacher {t:.3f}, distilled student {s:.3f} ({s / t:.1%} of the teacher), "
            f"same student without the teacher {b:.3f}",
            file=sys.stdout,
        )
    return code

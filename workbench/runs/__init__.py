"""The run store and everything that acts on run folders: executing a run, background jobs, chains,
baselines, the guided first run and queries over past runs.
"""

from workbench.runs import guided, jobs
from workbench.runs.baseline import (
    baseline_config,
    baseline_steps,
    distilled_steps,
    find_baseline,
    find_distilled,
    without_teacher,
)
from workbench.runs.guided import accuracy_on_test, launch_first_run, main_cli
from workbench.runs.jobs import refresh
from workbench.runs.processes import create_time, process_alive, spawn_cli
from workbench.runs.queries import (
    InLine,
    best_teacher_run,
    finished_teacher_runs,
    first_run_wall_seconds,
    guided_group,
    training_line,
)
from workbench.runs.runner import cli_run_dir, execute, prepare_run_dir, resumable
from workbench.runs.store import (
    ACTIVE_STATES,
    KINDS,
    MetricsTail,
    RunInfo,
    list_runs,
    new_run_dir,
    read_metrics,
    read_report,
    read_status,
    resolve_run,
    runs_root,
    slug,
    write_status,
)

__all__ = [
    "ACTIVE_STATES",
    "InLine",
    "KINDS",
    "MetricsTail",
    "RunInfo",
    "baseline_config",
    "baseline_steps",
    "best_teacher_run",
    "cli_run_dir",
    "create_time",
    "distilled_steps",
    "execute",
    "find_baseline",
    "find_distilled",
    "finished_teacher_runs",
    "first_run_wall_seconds",
    "guided",
    "guided_group",
    "jobs",
    "launch_first_run",
    "list_runs",
    "main_cli",
    "new_run_dir",
    "prepare_run_dir",
    "process_alive",
    "read_metrics",
    "read_report",
    "read_status",
    "refresh",
    "resolve_run",
    "resumable",
    "runs_root",
    "slug",
    "spawn_cli",
    "training_line",
    "accuracy_on_test",
    "without_teacher",
    "write_status",
]

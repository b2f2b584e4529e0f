"""The run store and everything that acts on run folders: executing a run, background jobs, chains,
baselines, the guided first run and queries over past runs, and several students side by side.
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
from workbench.runs.label_curve import BUDGETS as CURVE_BUDGETS
from workbench.runs.label_curve import (
    budget_name,
    curve_configs,
    curve_rows,
    curve_summary,
    launch_curve,
    list_curves,
    parse_budget,
)
from workbench.runs.lineup import Lineup, candidates, default_pick, is_baseline, lineup, unique_names
from workbench.runs.processes import process_alive, process_identity, spawn_cli
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
    distinct_name,
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
    "CURVE_BUDGETS",
    "InLine",
    "KINDS",
    "Lineup",
    "MetricsTail",
    "RunInfo",
    "baseline_config",
    "baseline_steps",
    "budget_name",
    "curve_configs",
    "curve_rows",
    "curve_summary",
    "best_teacher_run",
    "candidates",
    "cli_run_dir",
    "default_pick",
    "distilled_steps",
    "distinct_name",
    "execute",
    "find_baseline",
    "find_distilled",
    "finished_teacher_runs",
    "first_run_wall_seconds",
    "guided",
    "guided_group",
    "is_baseline",
    "jobs",
    "launch_curve",
    "launch_first_run",
    "list_curves",
    "lineup",
    "list_runs",
    "main_cli",
    "new_run_dir",
    "prepare_run_dir",
    "parse_budget",
    "process_alive",
    "process_identity",
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
    "unique_names",
    "accuracy_on_test",
    "without_teacher",
    "write_status",
]

"""Sweeps on Optuna: studies, workers, background sweep jobs and their statistics."""

from workbench.sweeps import study
from workbench.sweeps.jobs import launch_sweep, list_sweeps, stop_sweep
from workbench.sweeps.stats import PairedDifference, paired_difference, spread
from workbench.sweeps.study import grid_points, load_sweep, storage_url, summary, trial_rows

__all__ = [
    "PairedDifference",
    "grid_points",
    "launch_sweep",
    "list_sweeps",
    "load_sweep",
    "paired_difference",
    "spread",
    "stop_sweep",
    "storage_url",
    "study",
    "summary",
    "trial_rows",
]

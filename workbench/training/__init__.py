"""Training: the loop as named stages on Accelerate, checkpoints, the pipeline of one run, the pre-flight check.

It knows nothing of run folders beyond the one it is given, nor of sweeps or the UI.
"""

from workbench.training import checkpoint
from workbench.training.accelerate_setup import _param_groups, make_accelerator, make_optimizer
from workbench.training.checkpoint import saved_position
from workbench.training.clipping import clip_gradients
from workbench.training.few_labels import mean_pool, train_contrastive
from workbench.training.loop import model_speedups, train_loop
from workbench.training.pipeline import evaluate_run, run_distill, run_teacher
from workbench.training.preflight import run_preflight
from workbench.training.steps import planned_steps, steps_per_epoch, total_steps
from workbench.training.stop import StopFlag, stop_agreed

__all__ = [
    "StopFlag",
    "_param_groups",
    "checkpoint",
    "clip_gradients",
    "evaluate_run",
    "make_accelerator",
    "make_optimizer",
    "mean_pool",
    "model_speedups",
    "planned_steps",
    "run_distill",
    "run_preflight",
    "run_teacher",
    "saved_position",
    "steps_per_epoch",
    "stop_agreed",
    "total_steps",
    "train_contrastive",
    "train_loop",
]

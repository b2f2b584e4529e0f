"""How many optimizer steps a run makes, known before it runs: one formula for the loop and for baselines.

A fair "same student without the teacher" baseline must make as many optimizer steps as the distilled
run it is compared with; a transfer set makes every epoch of the distilled run longer, so equal
epochs would give the distilled run more training as well as the teacher's help. The loop's
schedule and `planned_steps` (which `runs.baseline` uses to fix the baseline's `training.max_steps`)
both count here, so the two cannot drift apart.
"""

from __future__ import annotations

import math

from workbench.config import RunConfig, TrainConfig


def steps_per_epoch(n_examples: int, tc: TrainConfig, world: int = 1) -> int:
    """Optimizer steps in one pass over `n_examples`: each process's batches, cut into windows of
    `gradient_accumulation_steps` from the epoch's first batch (a short last window still steps)."""
    micro_per_epoch = max(1, math.ceil(n_examples / tc.batch_size) // world)
    return math.ceil(micro_per_epoch / tc.gradient_accumulation_steps)


def total_steps(n_examples: int, tc: TrainConfig, world: int = 1) -> int:
    """The optimizer steps of a run over `n_examples` training examples: `tc.max_steps` when set
    (epochs then repeat until they are made), else `tc.epochs` passes' worth."""
    if tc.max_steps is not None:
        return tc.max_steps
    return max(1, math.ceil(tc.epochs * steps_per_epoch(n_examples, tc, world)))


def planned_steps(cfg: RunConfig, n_train: int, n_transfer: int = 0, world: int = 1) -> int:
    """The optimizer steps the student of `cfg` makes on `n_train` labelled texts plus `n_transfer`
    transfer texts (the student's training set is both, `distill.transfer.training_set`)."""
    return total_steps(n_train + n_transfer, cfg.training, world)

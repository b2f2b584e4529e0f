"""Which optimizer steps of a run log, evaluate, checkpoint and look for a stop: one answer for every rank.

Split from the loop so the cadence (and its evenly spread validation passes) can be read and tested alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from workbench.config import TrainConfig
from workbench.training.steps import steps_per_epoch, total_steps


@dataclass(frozen=True)
class Schedule:
    """How long the run is, and at which optimizer steps it logs, evaluates, checkpoints and looks for a stop.

    One place for these questions, because every rank must answer them alike: a rank that synced
    (or all-reduced the stop flag) at a step the others skipped would hang them.
    """

    world: int  # processes
    accum: int  # micro-batches per optimizer step
    updates_per_epoch: int
    total_steps: int
    eval_every: int  # 0: `eval_offsets` within each epoch
    eval_offsets: frozenset[int]  # steps into an epoch (1..updates_per_epoch) that evaluate
    log_every: int
    ckpt_every: int  # 0: no periodic checkpoints
    stop_every: int
    check_every_step: bool  # is reading the loss after every step free (no device sync)?

    def logs_at(self, step: int) -> bool:
        return step % self.log_every == 0 or step == self.total_steps

    def evaluates_at(self, step: int) -> bool:
        if step == self.total_steps:
            return True
        if self.eval_every:
            return step % self.eval_every == 0
        return (step - 1) % self.updates_per_epoch + 1 in self.eval_offsets

    def checkpoints_at(self, step: int) -> bool:
        return bool(self.ckpt_every) and step % self.ckpt_every == 0 and step < self.total_steps

    def looks_for_stop_at(self, step: int) -> bool:
        """Every `stop_every` steps, and at the steps that sync the host anyway."""
        at_sync = step % self.log_every == 0 or self.evaluates_at(step) or step >= self.total_steps
        at_sync = at_sync or bool(self.ckpt_every and step % self.ckpt_every == 0)
        return step % self.stop_every == 0 or at_sync


def plan_schedule(tc: TrainConfig, n_train: int, world: int, device: torch.device, checkpoints: bool) -> Schedule:
    updates_per_epoch = steps_per_epoch(n_train, tc, world)
    log_every = max(1, tc.log_every_steps)
    return Schedule(
        world=world,
        accum=tc.gradient_accumulation_steps,
        updates_per_epoch=updates_per_epoch,
        total_steps=total_steps(n_train, tc, world),  # `training.max_steps`, else from epochs
        eval_every=tc.eval_every_steps,
        eval_offsets=eval_offsets(updates_per_epoch, tc.evals_per_epoch),
        log_every=log_every,
        ckpt_every=tc.checkpoint_every_steps if checkpoints else 0,
        # a single process looks at its flag every step (no sync). Several agree (`stop_agreed`): on the
        # CPU every step (one all-reduce of one element; its cost is in the README's multi-process
        # section); on a GPU, where reading the result syncs the host, at the steps that sync anyway
        # (log, eval, checkpoint, the last one)
        stop_every=1 if device.type == "cpu" or world == 1 else log_every,
        # reading a CPU tensor costs no device sync; with several processes the check waits for the
        # logged (reduced) loss, so every rank sees the same value and they stop together
        check_every_step=device.type == "cpu" and world == 1,
    )


def eval_offsets(updates_per_epoch: int, evals_per_epoch: int) -> frozenset[int]:
    """The steps into an epoch that evaluate: `evals_per_epoch` evenly spread, the last at the epoch's
    end (e.g. 319 steps, 4 passes -> 80, 160, 240, 319); every step when an epoch has fewer steps."""
    n = max(1, min(evals_per_epoch, updates_per_epoch))
    return frozenset(math.ceil(k * updates_per_epoch / n) for k in range(1, n + 1))

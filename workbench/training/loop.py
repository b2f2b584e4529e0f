"""The training loop shared by teacher fine-tuning and distillation, on Hugging Face Accelerate.

The loop knows one thing about the task: `compute_loss(student_logits, batch)` returns a
`DistillationLoss` (total, soft, hard, and the optional hidden / attention parts). Fine-tuning passes
cross-entropy; distillation passes Hinton's loss against teacher logits looked up by example index.
Intermediate-layer losses need more of the forward pass: with `forward_outputs` (e.g.
("hidden_states", "attentions")) the model is asked for them and the loss is called as
`compute_loss(student_logits, batch, outputs)` with the model's whole output object; their learned
projections come in as `extra_modules`, train with the model (same optimizer, checkpointed beside
it) and are never part of the model that is saved. Accelerate places the model, applies mixed precision
and, under `accelerate launch`, shards batches across processes and averages gradients;
single-process runs behave as plain PyTorch.

Gradient accumulation is done here, not by `accelerator.accumulate`: Accelerate counts micro-batches
across epochs and, without a prepared dataloader, never learns where an epoch ends, so windows ran
over epoch boundaries and `micro // accum` steps an epoch dropped the remainder. Here each epoch is
cut into windows of `gradient_accumulation_steps` batches from its first batch, the last window may
be shorter and still ends in an optimizer step, and each window's loss is its micro-batches' mean.

Progress leaves through `emit(event)`, never print: step events every `log_every_steps`
optimizer steps (the only host syncs besides evaluation), eval events after each evaluation.

Validation runs `evals_per_epoch` times an epoch (evenly spread; 4 by default, so a one-pass run has
a curve, not a dot). The loop remembers the weights of the best validation accuracy (a CPU copy,
kept in the checkpoint so a resume keeps it too) and, with `keep_best`, puts them back at the end;
with `early_stopping_patience` K it ends after K evaluations in a row without a better accuracy. An
early stop is a finished run, not a stopped one: nothing is left to resume. Every process computes
the same metrics on the gathered logits, so every rank takes the same decision at the same step.

One micro-batch goes through named stages, as in TextBrewer's distiller and torchdistill's
post-forward: `_epoch_batches` -> `_micro_batch` (to the device, forward, loss, backward) ->
`_RunningLoss.add`; a window's last micro-batch then takes `_optimizer_step` (reduce, clip, step,
schedule) and `_after_step` (log, evaluate, checkpoint, stop). The running values live in `_Progress`,
the fixed parts of the run in `_Trainer`, and which steps do what in `Schedule`.

Around the arithmetic, four savings on the CPU, each in its own module and each switched off by one
name in `$WORKBENCH_SPEED_OFF` for the benchmark's ablations: dropout masks drawn from 64-bit words
(`models.dropout_masks`, "dropout_masks"), attention that drops probabilities with those masks instead
of SDPA's math path (`models.attention_dropout`, "attention_dropout"), a clip that skips multiplying by one (`training.clipping`,
"clip_skip"), and checkpoints written on a background thread (`checkpoint.Writer`, "checkpoint_thread"; the
loop waits for the last one before it returns, so a caller finds it on disk).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from workbench.config import TrainConfig
from workbench.core import Emit, WorkbenchError
from workbench.data import Encoded, collate, length_grouped_batches, model_inputs, shuffled_batches
from workbench.distill import DistillationLoss
from workbench.evaluation import classification_metrics
from workbench.models import fast_attention, fast_dropout, first_token_only, predict_sharded
from workbench.training import checkpoint
from workbench.training.accelerate_setup import make_optimizer, speed_off
from workbench.training.clipping import clip_gradients
from workbench.training.schedule import Schedule, plan_schedule
from workbench.training.stop import stop_agreed

# compute_loss(logits (bs, C), batch) or, with forward_outputs, compute_loss(logits, batch, model output)
LossFn = Callable[..., DistillationLoss]


@dataclass
class LoopResult:
    state: str  # "finished" or "stopped"
    steps: int  # optimizer steps made
    total_steps: int  # planned
    best_accuracy: float  # the best validation accuracy (-1.0 when never evaluated)
    best_step: int
    train_seconds: float
    examples_seen: int
    best_epoch: float = 0.0  # best_step in epochs
    kept_step: int = 0  # the step whose weights the model holds at the end (best_step with keep_best)
    evaluations: int = 0  # validation passes made
    stopped_early_at: int | None = None  # the step early stopping ended the run at
    patience: int = 0  # the early-stopping patience it ran with (0 = off)
    # of train_seconds, the time on validation passes and checkpoints (this session's, not before a resume):
    # train_seconds minus these is the optimizer steps' time, what a speed benchmark divides the work by
    eval_seconds: float = 0.0
    checkpoint_seconds: float = 0.0


@dataclass
class _RunningLoss:
    """The micro-batches' losses since the last log, summed on the device and read (a host sync) only when logged."""

    sums: torch.Tensor  # (5,) running (total, soft, hard, hidden, attention)
    micro_batches: int = 0
    # does the loss report this part at all? (never reset: a part once seen is reported from then on)
    has_part: dict[str, bool] = field(default_factory=lambda: {"hidden": False, "attention": False})

    def add(self, loss: DistillationLoss) -> None:
        parts = [loss.total, loss.soft, loss.hard]
        for name in self.has_part:
            part = getattr(loss, name)
            self.has_part[name] = self.has_part[name] or part is not None
            parts.append(part if part is not None else torch.zeros((), device=self.sums.device))
        self.sums += torch.stack([p.detach().float() for p in parts])  # (5,)
        self.micro_batches += 1

    def means(self, accelerator: Any, world: int) -> list[float]:
        """(total, soft, hard, hidden, attention) means since the last log, over all processes."""
        mean = self.sums / self.micro_batches  # (5,) this process's mean
        if world > 1:
            mean = accelerator.reduce(mean, reduction="mean")  # (5,) the global batch's mean
        return mean.tolist()

    def reset(self) -> None:
        self.sums.zero_()
        self.micro_batches = 0


@dataclass
class _Progress:
    """The loop's running values: where it is, what it has seen, its best so far (what a checkpoint keeps)."""

    losses: _RunningLoss
    step: int = 0  # optimizer steps done
    epoch: int = 0
    skip: int = 0  # batches of `epoch` consumed before a resume
    seen: int = 0  # training examples, all processes
    best_acc: float = -1.0
    best_step: int = 0
    evaluations: int = 0  # validation passes so far
    evals_since_best: int = 0  # validation passes since the best one (what early stopping counts)
    eval_seconds: float = 0.0  # time on validation passes since this session started
    checkpoint_seconds: float = 0.0  # time the loop spent on checkpoints this session (serialise, wait)
    best_state: dict[str, torch.Tensor] | None = None  # CPU copy of the best weights
    start: float = 0.0  # perf_counter at the start, moved back by the time trained before a resume
    last_log_time: float = 0.0
    seen_at_last_log: int = 0


@dataclass
class _Trainer:
    """What one call of `train_loop` trains with; fixed for the whole loop."""

    accelerator: Any
    precision: str
    model: torch.nn.Module  # prepared by Accelerate (DDP-wrapped under several processes)
    unwrapped: torch.nn.Module  # the module itself, Accelerate's autocast forward kept
    optimizer: torch.optim.Optimizer
    scheduler: Any
    extra_modules: torch.nn.Module | None
    train_enc: Encoded
    val_enc: Encoded
    tc: TrainConfig
    seed: int
    num_labels: int
    compute_loss: LossFn
    emit: Emit
    should_stop: Callable[[], bool]
    report_soft: bool
    checkpoint_dir: Path | None
    ask: dict[str, bool]  # extra forward kwargs, e.g. output_hidden_states=True
    plan: Schedule
    writer: checkpoint.Writer  # writes checkpoints beside training (one process; several write in place)


def train_loop(
    *,
    accelerator: Any,
    precision: str,
    model: torch.nn.Module,
    train_enc: Encoded,
    val_enc: Encoded,
    tc: TrainConfig,
    seed: int,
    num_labels: int,
    compute_loss: LossFn,
    emit: Emit,
    should_stop: Callable[[], bool],
    report_soft: bool,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    forward_outputs: tuple[str, ...] = (),
    extra_modules: torch.nn.Module | None = None,
) -> LoopResult:
    """Train `model` in place; at the end it holds the weights of its best validation accuracy (with
    `tc.keep_best`, else its last step's), and `tc.early_stopping_patience` may end it before `total_steps`.

    With `checkpoint_dir`, a resumable checkpoint is written every `checkpoint_every_steps`
    optimizer steps; with `resume`, training continues from it at the same batch of the same epoch.
    `forward_outputs` ("hidden_states", "attentions") are asked of the model's forward and its
    output object goes to `compute_loss` as a third argument; `extra_modules` train alongside.
    """
    plan = plan_schedule(tc, len(train_enc), accelerator.num_processes, accelerator.device, checkpoint_dir is not None)
    model, unwrapped, optimizer, scheduler = _prepare(accelerator, model, tc, plan, extra_modules)
    t = _Trainer(
        accelerator, precision, model, unwrapped, optimizer, scheduler, extra_modules, train_enc, val_enc, tc, seed,
        num_labels, compute_loss, emit, should_stop, report_soft, checkpoint_dir,
        ask={f"output_{name}": True for name in forward_outputs}, plan=plan,
        writer=checkpoint.Writer(background=not speed_off("checkpoint_thread")),
    )  # fmt: skip
    p = _start(t, resume)
    # only logits are read unless the loss asks for hidden states: then every position of every layer counts
    with model_speedups(unwrapped, tc, reads_hidden=bool(forward_outputs)):
        try:
            result = _run(t, p)
        except BaseException:
            with contextlib.suppress(Exception):  # the loop's own error is the one to report
                t.writer.wait()
            raise
    t.writer.wait()  # a checkpoint still being written is on disk before the caller looks for it
    return result


@contextlib.contextmanager
def model_speedups(model: torch.nn.Module, tc: TrainConfig, reads_hidden: bool = False) -> Iterator[bool]:
    """The loop's patches of the model while it trains (the last layer for the first token only, the
    dropout masks, the training attention), each off where its setting or `$WORKBENCH_SPEED_OFF` says;
    yields whether the last layer is cut. One place, so a benchmark timing a step gets the loop's set."""
    with (
        first_token_only(model, tc.first_token_last_layer and not reads_hidden) as cut,
        fast_dropout(model, not speed_off("dropout_masks")),
        fast_attention(model, not speed_off("attention_dropout")),
    ):
        yield cut


def _run(t: _Trainer, p: _Progress) -> LoopResult:
    """The loop itself: epochs of micro-batches, optimizer steps, evaluations, checkpoints, until done or stopped."""
    plan, emit = t.plan, t.emit
    emit(
        {
            "type": "phase",
            "phase": "training",
            "total_steps": plan.total_steps,
            "steps_per_epoch": plan.updates_per_epoch,
        }
    )
    while p.step < plan.total_steps:
        batches = _epoch_batches(t, p.epoch)
        for batch_no, indices in enumerate(batches):
            if batch_no < p.skip:  # resuming: these were consumed before the checkpoint
                continue
            window_len, closes_window = _accumulation_window(batch_no, len(batches), plan.accum)
            loss = _micro_batch(t, indices, window_len, closes_window)
            p.losses.add(loss)
            p.seen += len(indices) * plan.world
            if not closes_window:
                continue
            _optimizer_step(t)
            p.step += 1
            if plan.check_every_step and not math.isfinite(loss.total.item()):
                raise WorkbenchError(f"the loss became {loss.total.item()} at step {p.step}; lower the learning rate")
            ended = _after_step(t, p, batch_no)
            if ended is not None:
                return _finish(t, p, "finished" if ended == "early" else "stopped", ended == "early")
            if p.step >= plan.total_steps:
                break
        p.epoch += 1
        p.skip = 0
    return _finish(t, p, "finished")


def _prepare(
    accelerator: Any, model: torch.nn.Module, tc: TrainConfig, plan: Schedule, extra_modules: torch.nn.Module | None
) -> tuple[torch.nn.Module, torch.nn.Module, torch.optim.Optimizer, Any]:
    """The model prepared by Accelerate, the module itself, its optimizer and learning-rate schedule."""
    from transformers import get_linear_schedule_with_warmup

    if tc.freeze_word_embeddings:
        # (V, H) = (30522, 384) for MiniLM: 68% of a 3-layer student's weights. Frozen, it gets no
        # dense (V, H) gradient to zero, clip and feed to AdamW every step.
        model.get_input_embeddings().weight.requires_grad_(False)
    if extra_modules is not None:
        extra_modules.to(accelerator.device).train()
    optimizer = make_optimizer(model, tc, accelerator.device, extra_modules)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * plan.total_steps), plan.total_steps)
    model, optimizer = accelerator.prepare(model, optimizer)
    # keeps Accelerate's autocast forward on purpose: in one process this is the very object being
    # trained; callers take it off with `plain_model` once training is over
    unwrapped = accelerator.unwrap_model(model)
    return model, unwrapped, optimizer, scheduler


def _start(t: _Trainer, resume: bool) -> _Progress:
    """Fresh progress, or the checkpoint's when resuming (model, optimizer, schedule and RNG restored in place)."""
    p = _Progress(losses=_RunningLoss(torch.zeros(5, device=t.accelerator.device)))
    elapsed_before = 0.0
    if resume and t.checkpoint_dir is not None and checkpoint.exists(t.checkpoint_dir):
        pos, p.best_state = checkpoint.load(
            t.checkpoint_dir, t.accelerator, t.model, t.optimizer, t.scheduler, t.extra_modules
        )
        p.step, p.epoch, p.skip, p.seen = pos.step, pos.epoch, pos.batch, pos.examples_seen
        p.best_acc, p.best_step, elapsed_before = pos.best_accuracy, pos.best_step, pos.elapsed_s
        p.evaluations, p.evals_since_best = pos.evaluations, pos.evals_since_best
        t.emit({"type": "phase", "phase": "resumed", "step": p.step})
    p.start = time.perf_counter() - elapsed_before  # elapsed_s and eta count the time before a resume
    p.last_log_time = time.perf_counter()  # examples/s does not: it is measured from the resume
    p.seen_at_last_log = p.seen
    return p


def _epoch_batches(t: _Trainer, epoch: int) -> list[Any]:
    """This process's batches (lists of example indices) of `epoch`: a pure function of (seed, epoch), so
    a resume finds the same order."""
    epoch_seed = t.seed * 1000 + epoch
    if t.tc.group_by_length:
        batches = length_grouped_batches(t.train_enc.lengths, t.tc.batch_size, epoch_seed)
    else:
        batches = shuffled_batches(len(t.train_enc), t.tc.batch_size, epoch_seed)
    world = t.plan.world
    return batches[: len(batches) // world * world][t.accelerator.process_index :: world] or batches[:1]


def _accumulation_window(batch_no: int, n_batches: int, accum: int) -> tuple[int, bool]:
    """(micro-batches in this batch's window, is this its last?). Windows start at each epoch's first
    batch; the last one may be shorter."""
    window_start = batch_no - batch_no % accum
    window_len = min(accum, n_batches - window_start)
    return window_len, batch_no == window_start + window_len - 1


def _micro_batch(t: _Trainer, indices: Any, window_len: int, closes_window: bool) -> DistillationLoss:
    """One micro-batch: to the device, forward, loss, backward of its share of the window's mean loss."""
    t.model.train()
    batch = {k: v.to(t.accelerator.device, non_blocking=True) for k, v in collate(t.train_enc, indices).items()}
    # processes average gradients only on the window's last backward
    solo = closes_window or t.plan.world == 1
    with contextlib.nullcontext() if solo else t.accelerator.no_sync(t.model):
        out = t.model(**model_inputs(batch), **t.ask)  # out.logits: (bs, C)
        loss = t.compute_loss(out.logits, batch, out) if t.ask else t.compute_loss(out.logits, batch)
        t.accelerator.backward(loss.total / window_len)  # the window's mean loss, however long it is
    return loss


def _optimizer_step(t: _Trainer) -> None:
    """The window's update: average the extra modules' gradients, clip, step, zero, schedule."""
    extra = t.extra_modules
    if extra is not None and t.plan.world > 1:  # not under DDP: average their gradients here
        for p in extra.parameters():
            if p.grad is not None:
                p.grad = t.accelerator.reduce(p.grad, reduction="mean")
    if t.tc.max_grad_norm > 0:  # one norm over the model and its training-only modules
        params = list(t.model.parameters()) + (list(extra.parameters()) if extra is not None else [])
        clip_gradients(t.accelerator, params, t.tc.max_grad_norm)
    t.optimizer.step()
    t.optimizer.zero_grad(set_to_none=True)
    t.scheduler.step()


def _after_step(t: _Trainer, p: _Progress, batch_no: int) -> str | None:
    """Log, evaluate, checkpoint and look for a stop as the schedule says; "early" when early stopping
    ends the run here, "stopped" when it was asked to stop, else None."""
    if t.plan.logs_at(p.step):
        _log(t, p)
    if t.plan.evaluates_at(p.step):
        _evaluate(t, p)
        patience = t.tc.early_stopping_patience
        if patience and p.evals_since_best >= patience and p.step < t.plan.total_steps:
            return "early"
    if t.plan.checkpoints_at(p.step):
        _save_checkpoint(t, p, batch_no)
    if t.plan.looks_for_stop_at(p.step) and stop_agreed(t.accelerator, t.should_stop()):
        if t.checkpoint_dir is not None:  # a stopped run can always be resumed, whatever ckpt_every says
            _save_checkpoint(t, p, batch_no)
        return "stopped"
    return None


def _log(t: _Trainer, p: _Progress) -> None:
    """A step event with the mean losses since the last log (the host sync of the loop)."""
    means = p.losses.means(t.accelerator, t.plan.world)
    if not all(math.isfinite(v) for v in means):
        raise WorkbenchError(f"the loss became NaN by step {p.step}; lower the learning rate")
    now = time.perf_counter()
    elapsed = now - p.start
    t.emit(
        {
            "type": "step",
            "step": p.step,
            "total_steps": t.plan.total_steps,
            "epoch": round(p.step / t.plan.updates_per_epoch, 4),
            "loss": means[0],
            "loss_soft": means[1] if t.report_soft else None,
            "loss_hard": means[2],
            "loss_hidden": means[3] if p.losses.has_part["hidden"] else None,
            "loss_attention": means[4] if p.losses.has_part["attention"] else None,
            "lr": t.scheduler.get_last_lr()[0],
            "examples_per_s": (p.seen - p.seen_at_last_log) / max(now - p.last_log_time, 1e-9),
            "elapsed_s": elapsed,
            "eta_s": elapsed / p.step * (t.plan.total_steps - p.step),
        }
    )
    p.losses.reset()
    p.last_log_time, p.seen_at_last_log = now, p.seen


def _evaluate(t: _Trainer, p: _Progress) -> None:
    """Validation accuracy and macro-F1 as an eval event; counts passes since the best, and keeps a CPU
    copy of the weights when they are the best (with `keep_best`; a tie is not better: the earlier step stays)."""
    start = time.perf_counter()
    logits_val = predict_sharded(
        t.accelerator,
        t.unwrapped,
        t.val_enc,
        t.tc.eval_batch_size,
        t.precision,
        first_token=t.tc.first_token_last_layer,
    )  # (n, C)
    m = classification_metrics(t.val_enc.labels, logits_val.argmax(-1), t.num_labels)
    t.emit(
        {
            "type": "eval",
            "step": p.step,
            "epoch": round(p.step / t.plan.updates_per_epoch, 4),
            "split": "validation",
            "accuracy": m["accuracy"],
            "macro_f1": m["macro_f1"],
            # the loop's time on this pass: a benchmark tells the optimizer steps' speed apart from evaluation's
            "seconds": time.perf_counter() - start,
        }
    )
    p.eval_seconds += time.perf_counter() - start
    p.evaluations += 1
    if m["accuracy"] > p.best_acc:
        p.best_acc, p.best_step, p.evals_since_best = m["accuracy"], p.step, 0
        if t.tc.keep_best:
            p.best_state = {k: v.detach().to("cpu", copy=True) for k, v in t.unwrapped.state_dict().items()}
    else:
        p.evals_since_best += 1


def _save_checkpoint(t: _Trainer, p: _Progress, batch_no: int) -> None:
    """A resumable checkpoint at this step: the position is just after batch `batch_no` of the epoch."""
    elapsed = time.perf_counter() - p.start
    pos = checkpoint.Position(
        p.step, p.epoch, batch_no + 1, p.best_acc, p.best_step, elapsed, p.seen, p.evaluations, p.evals_since_best
    )
    start = time.perf_counter()
    checkpoint.save(
        t.checkpoint_dir, t.accelerator, t.model, t.optimizer, t.scheduler, pos, p.best_state, t.extra_modules,
        writer=t.writer,
    )  # fmt: skip
    p.checkpoint_seconds += time.perf_counter() - start


def _finish(t: _Trainer, p: _Progress, state: str, early: bool = False) -> LoopResult:
    """Put the best weights back into the model (with `keep_best`) and say how the loop ended."""
    kept = p.step
    if t.tc.keep_best and p.best_state is not None:
        t.unwrapped.load_state_dict(p.best_state)
        kept = p.best_step
    return LoopResult(
        state, p.step, t.plan.total_steps, p.best_acc, p.best_step, time.perf_counter() - p.start, p.seen,
        best_epoch=round(p.best_step / t.plan.updates_per_epoch, 4), kept_step=kept, evaluations=p.evaluations,
        stopped_early_at=p.step if early else None, patience=t.tc.early_stopping_patience,
        eval_seconds=p.eval_seconds, checkpoint_seconds=p.checkpoint_seconds,
    )  # fmt: skip

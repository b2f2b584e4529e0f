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
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from workbench.config import TrainConfig
from workbench.core import Emit, WorkbenchError, is_distributed, resolve_device, resolve_precision
from workbench.data import Encoded, collate, length_grouped_batches, model_inputs, shuffled_batches
from workbench.distill import DistillationLoss
from workbench.evaluation import classification_metrics
from workbench.models import predict_sharded
from workbench.training import checkpoint

# compute_loss(logits (bs, C), batch) or, with forward_outputs, compute_loss(logits, batch, model output)
LossFn = Callable[..., DistillationLoss]


class StopFlag:
    """Set by a signal handler in this process, or by a STOP file another process writes."""

    def __init__(self, run_dir: Path | None = None) -> None:
        self._set = False
        self._file = Path(run_dir) / "STOP" if run_dir else None

    def set(self, *_: Any) -> None:
        self._set = True

    def __call__(self) -> bool:
        return self._set or (self._file is not None and self._file.exists())


def stop_agreed(accelerator: Any, local: bool) -> bool:
    """Does any process want to stop? The same answer on every rank, so all leave the loop together.

    A SIGTERM reaches one process (the pid in status.json is rank 0's) and a STOP file may appear
    between two ranks' looks at it; a rank that left the loop alone would leave the others waiting
    in their next all-reduce for ever. Each rank's flag goes into one all-reduce (MAX) of one
    element: every rank must call this at the same steps.
    """
    if accelerator.num_processes == 1:
        return local
    import torch.distributed as dist

    flag = torch.tensor([1 if local else 0], dtype=torch.int32, device=accelerator.device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def make_accelerator(tc: TrainConfig) -> tuple[Any, str]:
    """An Accelerator for this config, and the precision it resolved to (fp32 / bf16 / fp16)."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    device = resolve_device(tc.device)
    precision = resolve_precision(tc.precision, device)
    if precision == "fp16" and device.type != "cuda":
        raise WorkbenchError("precision fp16 needs a CUDA GPU; use bf16 or fp32 on the CPU")
    if not is_distributed():
        # Accelerate keeps process-wide state; a single process may run several trainings
        # (tests, the benchmark) with different precisions, so start each from a clean slate.
        AcceleratorState._reset_state(True)
        GradientState._reset_state()
    accelerator = Accelerator(
        cpu=device.type == "cpu",
        mixed_precision={"fp32": "no", "bf16": "bf16", "fp16": "fp16"}[precision],
        gradient_accumulation_steps=1,  # train_loop accumulates itself (see the module docstring)
    )
    return accelerator, precision


def _param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """No weight decay on biases and LayerNorm weights (the usual BERT recipe)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def speed_off(feature: str) -> bool:
    """True when `$WORKBENCH_SPEED_OFF` (comma-separated) names `feature`: the benchmark's ablations
    switch one speed-up off at a time to measure it; users never need this."""
    return feature in {f.strip() for f in os.environ.get("WORKBENCH_SPEED_OFF", "").split(",")}


def make_optimizer(
    model: torch.nn.Module, tc: TrainConfig, device: torch.device, extra: torch.nn.Module | None = None
) -> torch.optim.Optimizer:
    """AdamW over the trainable parameters, fused where torch has a fused kernel (CPU, CUDA).

    The default for-loop AdamW runs about ten elementwise passes over every parameter tensor per
    step; for a 3-layer MiniLM student (17.4M parameters, 11.9M of them word embeddings) the profile
    showed the optimizer step at ~15% of a training step. The fused kernel makes one pass: same
    update, different float rounding order. `extra` (training-only modules such as the hidden-state
    projections) joins the same two groups.
    """
    fused = device.type in ("cpu", "cuda") and not speed_off("fused_adamw")
    groups = _param_groups(model, tc.weight_decay)
    if extra is not None:
        for group, more in zip(groups, _param_groups(extra, tc.weight_decay), strict=True):
            group["params"] = group["params"] + more["params"]
    return torch.optim.AdamW(groups, lr=tc.learning_rate, fused=fused or None)


def plain_model(accelerator: Any, model: torch.nn.Module) -> torch.nn.Module:
    """The model as it leaves training: no DDP wrapper and no Accelerate autocast forward.

    `accelerator.prepare` replaces `model.forward` with an autocast-wrapped one, and `unwrap_model`
    keeps it by default, so a trained student used to be timed in bf16 beside an fp32 teacher.
    `keep_fp32_wrapper=False` takes the wrapper off, but Accelerate 1.x follows `__wrapped__` past
    transformers' own forward decorators too (`return_dict=False` then fails), so the instance-level
    `forward` it leaves is dropped as well and the class's forward is back.
    """
    model = accelerator.unwrap_model(model, keep_fp32_wrapper=False)
    model.__dict__.pop("forward", None)
    return model


@dataclass
class LoopResult:
    state: str  # "finished" or "stopped"
    steps: int
    total_steps: int
    best_accuracy: float
    best_step: int
    train_seconds: float
    examples_seen: int


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
    """Train `model` in place; at the end it holds the weights of its best validation accuracy.

    With `checkpoint_dir`, a resumable checkpoint is written every `checkpoint_every_steps`
    optimizer steps; with `resume`, training continues from it at the same batch of the same epoch.
    `forward_outputs` ("hidden_states", "attentions") are asked of the model's forward and its
    output object goes to `compute_loss` as a third argument; `extra_modules` train alongside.
    """
    from transformers import get_linear_schedule_with_warmup

    world = accelerator.num_processes
    accum = tc.gradient_accumulation_steps
    micro_per_epoch = max(1, math.ceil(len(train_enc) / tc.batch_size) // world)
    updates_per_epoch = math.ceil(micro_per_epoch / accum)  # a short last window still steps
    total_steps = max(1, math.ceil(tc.epochs * updates_per_epoch))
    eval_every = tc.eval_every_steps or updates_per_epoch
    log_every = max(1, tc.log_every_steps)

    if tc.freeze_word_embeddings:
        # (V, H) = (30522, 384) for MiniLM: 68% of a 3-layer student's weights. Frozen, it gets no
        # dense (V, H) gradient to zero, clip and feed to AdamW every step.
        model.get_input_embeddings().weight.requires_grad_(False)
    if extra_modules is not None:
        extra_modules.to(accelerator.device).train()
    optimizer = make_optimizer(model, tc, accelerator.device, extra_modules)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * total_steps), total_steps)
    model, optimizer = accelerator.prepare(model, optimizer)
    # keeps Accelerate's autocast forward on purpose: in one process this is the very object being
    # trained; callers take it off with `plain_model` once training is over
    unwrapped = accelerator.unwrap_model(model)
    device = accelerator.device
    # reading a CPU tensor costs no device sync; with several processes the check waits for the
    # logged (reduced) loss, so every rank sees the same value and they stop together
    check_every_step = device.type == "cpu" and world == 1
    # a single process looks at its flag every step (no sync). Several agree (`stop_agreed`): on the
    # CPU every step (one all-reduce of one element; its cost is in the README's multi-process
    # section); on a GPU, where reading the result syncs the host, at the steps that sync anyway
    # (log, eval, checkpoint, the last one)
    stop_every = 1 if device.type == "cpu" or world == 1 else log_every

    step, epoch, seen, skip = 0, 0, 0, 0
    best_acc, best_step, best_state = -1.0, 0, None
    elapsed_before = 0.0
    if resume and checkpoint_dir is not None and checkpoint.exists(checkpoint_dir):
        pos, best_state = checkpoint.load(checkpoint_dir, accelerator, model, optimizer, scheduler, extra_modules)
        step, epoch, skip, seen = pos.step, pos.epoch, pos.batch, pos.examples_seen
        best_acc, best_step, elapsed_before = pos.best_accuracy, pos.best_step, pos.elapsed_s
        emit({"type": "phase", "phase": "resumed", "step": step})
    ckpt_every = tc.checkpoint_every_steps if checkpoint_dir is not None else 0
    sums = torch.zeros(5, device=device)  # running (total, soft, hard, hidden, attention) since the last log
    has_part = {"hidden": False, "attention": False}  # does the loss report this part at all?
    ask = {f"output_{name}": True for name in forward_outputs}  # e.g. output_hidden_states=True
    micro_in_window = 0
    start = time.perf_counter() - elapsed_before  # elapsed_s and eta count the time before a resume
    last_log_time = time.perf_counter()  # examples/s does not: it is measured from the resume
    seen_at_last_log = seen
    emit({"type": "phase", "phase": "training", "total_steps": total_steps, "steps_per_epoch": updates_per_epoch})

    while step < total_steps:
        epoch_seed = seed * 1000 + epoch
        if tc.group_by_length:
            batches = length_grouped_batches(train_enc.lengths, tc.batch_size, epoch_seed)
        else:
            batches = shuffled_batches(len(train_enc), tc.batch_size, epoch_seed)
        batches = batches[: len(batches) // world * world][accelerator.process_index :: world] or batches[:1]
        for batch_no, indices in enumerate(batches):
            if batch_no < skip:  # resuming: these were consumed before the checkpoint
                continue
            # accumulation windows start at each epoch's first batch; the last one may be shorter
            window_start = batch_no - batch_no % accum
            window = min(accum, len(batches) - window_start)
            closes_window = batch_no == window_start + window - 1
            model.train()
            batch = {k: v.to(device, non_blocking=True) for k, v in collate(train_enc, indices).items()}
            # processes average gradients only on the window's last backward
            sync = contextlib.nullcontext() if closes_window or world == 1 else accelerator.no_sync(model)
            with sync:
                out = model(**model_inputs(batch), **ask)  # out.logits: (bs, C)
                loss = compute_loss(out.logits, batch, out) if ask else compute_loss(out.logits, batch)
                accelerator.backward(loss.total / window)  # the window's mean loss, however long it is
            parts = [loss.total, loss.soft, loss.hard]
            for name in has_part:
                part = getattr(loss, name)
                has_part[name] = has_part[name] or part is not None
                parts.append(part if part is not None else torch.zeros((), device=device))
            sums += torch.stack([p.detach().float() for p in parts])
            micro_in_window += 1
            seen += len(indices) * world
            if not closes_window:
                continue
            if extra_modules is not None and world > 1:  # not under DDP: average their gradients here
                for p in extra_modules.parameters():
                    if p.grad is not None:
                        p.grad = accelerator.reduce(p.grad, reduction="mean")
            if tc.max_grad_norm > 0:  # one norm over the model and its training-only modules
                params = list(model.parameters()) + (
                    list(extra_modules.parameters()) if extra_modules is not None else []
                )
                accelerator.clip_grad_norm_(params, tc.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            step += 1
            if check_every_step and not math.isfinite(loss.total.item()):
                raise WorkbenchError(f"the loss became {loss.total.item()} at step {step}; lower the learning rate")
            if step % log_every == 0 or step == total_steps:
                window = sums / micro_in_window  # (5,) this process's mean (total, soft, hard, hidden, attention)
                if world > 1:
                    window = accelerator.reduce(window, reduction="mean")  # the global batch's mean
                means = window.tolist()
                if not all(math.isfinite(v) for v in means):
                    raise WorkbenchError(f"the loss became NaN by step {step}; lower the learning rate")
                now = time.perf_counter()
                elapsed = now - start
                emit(
                    {
                        "type": "step",
                        "step": step,
                        "total_steps": total_steps,
                        "epoch": round(step / updates_per_epoch, 4),
                        "loss": means[0],
                        "loss_soft": means[1] if report_soft else None,
                        "loss_hard": means[2],
                        "loss_hidden": means[3] if has_part["hidden"] else None,
                        "loss_attention": means[4] if has_part["attention"] else None,
                        "lr": scheduler.get_last_lr()[0],
                        "examples_per_s": (seen - seen_at_last_log) / max(now - last_log_time, 1e-9),
                        "elapsed_s": elapsed,
                        "eta_s": elapsed / step * (total_steps - step),
                    }
                )
                sums.zero_()
                micro_in_window, last_log_time, seen_at_last_log = 0, now, seen
            if step % eval_every == 0 or step == total_steps:
                logits_val = predict_sharded(accelerator, unwrapped, val_enc, tc.eval_batch_size, precision)
                m = classification_metrics(val_enc.labels, logits_val.argmax(-1), num_labels)
                emit(
                    {
                        "type": "eval",
                        "step": step,
                        "epoch": round(step / updates_per_epoch, 4),
                        "split": "validation",
                        "accuracy": m["accuracy"],
                        "macro_f1": m["macro_f1"],
                    }
                )
                if m["accuracy"] > best_acc:
                    best_acc, best_step = m["accuracy"], step
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in unwrapped.state_dict().items()}
            if ckpt_every and step % ckpt_every == 0 and step < total_steps:
                pos = checkpoint.Position(
                    step, epoch, batch_no + 1, best_acc, best_step, time.perf_counter() - start, seen
                )
                checkpoint.save(
                    checkpoint_dir, accelerator, model, optimizer, scheduler, pos, best_state, extra_modules
                )
            at_sync = step % log_every == 0 or step % eval_every == 0 or step >= total_steps
            at_sync = at_sync or bool(ckpt_every and step % ckpt_every == 0)
            if (step % stop_every == 0 or at_sync) and stop_agreed(accelerator, should_stop()):
                if checkpoint_dir is not None:  # a stopped run can always be resumed, whatever ckpt_every says
                    pos = checkpoint.Position(
                        step, epoch, batch_no + 1, best_acc, best_step, time.perf_counter() - start, seen
                    )
                    checkpoint.save(
                        checkpoint_dir, accelerator, model, optimizer, scheduler, pos, best_state, extra_modules
                    )
                return _finish(unwrapped, best_state, "stopped", step, total_steps, best_acc, best_step, start, seen)
            if step >= total_steps:
                break
        epoch += 1
        skip = 0
    return _finish(unwrapped, best_state, "finished", step, total_steps, best_acc, best_step, start, seen)


def _finish(model, best_state, state, step, total, best_acc, best_step, start, seen) -> LoopResult:
    if best_state is not None:
        model.load_state_dict(best_state)
    return LoopResult(state, step, total, best_acc, best_step, time.perf_counter() - start, seen)

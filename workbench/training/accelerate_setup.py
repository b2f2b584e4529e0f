"""What training runs on: the Accelerator, the optimizer over the right parameters, and the model taken back off it.

Kept apart from the loop because the pipeline and the benchmarks need these pieces without the loop:
the pipeline makes the Accelerator before loading anything (teacher logits use it too) and takes the
trained model off it afterwards; the benchmarks time the optimizer's parameter groups alone.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from workbench.config import TrainConfig
from workbench.core import WorkbenchError, is_distributed, keep_freed_memory, resolve_device, resolve_precision


def make_accelerator(tc: TrainConfig) -> tuple[Any, str]:
    """An Accelerator for this config, and the precision it resolved to (fp32 / bf16 / fp16)."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    device = resolve_device(tc.device)
    precision = resolve_precision(tc.precision, device)
    if not speed_off("allocator"):
        keep_freed_memory()  # large per-step buffers reused, not page-faulted in afresh (core/allocator.py)
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
        gradient_accumulation_steps=1,  # train_loop accumulates itself (see the loop module's docstring)
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

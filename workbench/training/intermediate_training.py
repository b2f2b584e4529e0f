"""The intermediate-layer losses (`intermediate.py`) wired into a distillation run.

Hinton's loss reads cached teacher logits; the hidden-state and attention losses cannot: they need
the teacher's inner states on the very batch the student sees, so the teacher runs forward (under
no_grad) on each training batch, fed the student's own token ids (the config allows these losses
only for students sharing the teacher's tokenizer). The models are asked for hidden states and
attentions only when those losses are on: they cost memory and time. Attention weights come only
from the eager attention kernel (SDPA returns none), so both models switch to it for the training
and back afterwards, so that speed is measured on the kernel people deploy.

With several teachers, these losses follow the main teacher alone (its layers are the ones mapped).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from workbench.config import RunConfig
from workbench.data import model_inputs
from workbench.distill import (
    DistillationLoss,
    HiddenProjections,
    attention_kl,
    hidden_mse,
    resolve_layer_map,
    with_intermediate,
)
from workbench.models import default_layers


class IntermediateSignals:
    """The teacher, the layer map and the learned projections of one run's intermediate losses."""

    def __init__(self, cfg: RunConfig, teacher: Any, student: Any, accelerator: Any) -> None:
        self.hidden_weight = cfg.distill.hidden_weight
        self.attention_weight = cfg.distill.attention_weight
        self.teacher = teacher
        self.accelerator = accelerator
        n_t, n_s = teacher.config.num_hidden_layers, student.config.num_hidden_layers
        kept = None
        if cfg.student.kind == "layers":
            kept = sorted(set(cfg.student.layers)) if cfg.student.layers else default_layers(n_t)
        self.layer_map = resolve_layer_map(cfg.distill.layer_map, n_s, n_t, kept)
        self.projections = (
            HiddenProjections(n_s, student.config.hidden_size, teacher.config.hidden_size)
            if self.hidden_weight > 0
            else None
        )

    @property
    def forward_outputs(self) -> tuple[str, ...]:
        """What train_loop must ask of the student's forward."""
        return tuple(
            name
            for name, on in (("hidden_states", self.hidden_weight > 0), ("attentions", self.attention_weight > 0))
            if on
        )

    def add_to(self, loss: DistillationLoss, batch: dict[str, torch.Tensor], student_out: Any) -> DistillationLoss:
        """`loss` plus the weighted hidden-state and attention parts for this batch."""
        asked = {f"output_{name}": True for name in self.forward_outputs}
        with torch.no_grad(), self.accelerator.autocast():
            teacher_out = self.teacher(**model_inputs(batch), **asked)
        mask = batch["attention_mask"]  # (bs, seq)
        hidden = attention = None
        if self.projections is not None:
            hidden = hidden_mse(
                student_out.hidden_states, teacher_out.hidden_states, self.projections, self.layer_map, mask
            )
        if self.attention_weight > 0:
            attention = attention_kl(student_out.attentions, teacher_out.attentions, self.layer_map, mask)
        return with_intermediate(loss, hidden, attention, self.hidden_weight, self.attention_weight)


def wants_intermediate(cfg: RunConfig) -> bool:
    return cfg.distill.hidden_weight > 0 or cfg.distill.attention_weight > 0


@contextlib.contextmanager
def eager_attention(*models: Any, on: bool = True) -> Iterator[None]:
    """Within the block, `models` use the eager attention kernel (which returns attention weights);
    each gets its own kernel back afterwards."""
    if not on:
        yield
        return
    before = [m.config._attn_implementation for m in models]
    for m in models:
        m.set_attn_implementation("eager")
    try:
        yield
    finally:
        for m, impl in zip(models, before, strict=True):
            m.set_attn_implementation(impl)

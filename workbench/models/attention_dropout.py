"""Attention for training on the CPU: SDPA's arithmetic, with the workbench's dropout masks and a faster backward.

In a training forward, transformers' "sdpa" attention calls `scaled_dot_product_attention` with
dropout on the attention probabilities. torch's CPU flash kernel takes no dropout, so SDPA falls back to
its math path: q, k and v upcast to fp32, scores, softmax, a mask drawn element by element with
`bernoulli_` (about 4 ns an element here), a check of every row for being fully masked, P @ V, and
the result cast back. Of a 3-layer MiniLM student's training step (batch 32 x 30 tokens, bf16
autocast, 2-core EPYC) that attention cost ~7 ms of ~73 (66.4 ms with this module's). Without
dropout (eval, or a model trained with attention dropout 0) SDPA takes its flash kernel, fast forward
but slow backward on such short sequences: the same step 94-104 ms, against ~70 ms here.

`dropout_attention` is the math path's arithmetic, all in fp32 as there (scores, softmax, dropout,
P @ V, output cast back to the inputs' dtype), with the mask from `dropout_noise` (64-bit words read
as four draws, `models.dropout_masks`) and autograd's backward of those few ops. Masked keys get
float32's lowest value rather than -inf: the same probabilities (exp underflows to exactly 0) and no
NaN for a row with every key masked, which only padding queries could have and nothing reads.
It runs where it was measured to help: on the CPU, when gradients flow or dropout is on. Everything
else (eval forwards without dropout, CUDA, grouped-query heads, position biases, soft-capping,
attention weights asked for, causal attention without a mask) goes to transformers' own SDPA
function unchanged.

`fast_attention(model)` switches a model whose attention implementation is "sdpa" to this one
(registered with transformers as "workbench_sdpa", masks built as for "sdpa") for the duration of a
`with`; the weights and what `save_pretrained` writes are untouched, and the name goes back on exit.
The training loop uses it on the CPU (`WORKBENCH_SPEED_OFF=attention_dropout` switches it off).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from workbench.models.dropout_masks import dropout_noise

IMPLEMENTATION = "workbench_sdpa"
_PASSED_ON = ("position_bias", "softcap", "s_aux", "sinks")  # arguments only transformers' SDPA function handles


@contextlib.contextmanager
def fast_attention(model: torch.nn.Module, enabled: bool = True) -> Iterator[bool]:
    """Within the `with`, `model` (an "sdpa" model on the CPU) attends through `dropout_attention`; yields whether it does.

    `model` may be wrapped (Accelerate, DDP). Nested `with`s and models with another implementation
    (eager, flash, a BiLSTM without a config) are left as they are.
    """
    inner = getattr(model, "module", model)
    config = getattr(inner, "config", None)
    first = next(inner.parameters(), None)
    if (
        not enabled
        or config is None
        or getattr(config, "_attn_implementation", None) != "sdpa"
        or first is None
        or first.device.type != "cpu"
    ):
        yield getattr(config, "_attn_implementation", None) == IMPLEMENTATION
        return
    _register()
    config._attn_implementation = IMPLEMENTATION
    try:
        yield True
    finally:
        config._attn_implementation = "sdpa"


def _register() -> None:
    """Make "workbench_sdpa" known to transformers: this attention, and the masks it builds for "sdpa"."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(IMPLEMENTATION, dropout_attention)
    AttentionMaskInterface.register(IMPLEMENTATION, sdpa_mask)


def dropout_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    is_causal: bool | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' attention-function signature: q (b, h, Lq, d), k and v (b, h, Lk, d), the mask
    (b or 1, 1, Lq or 1, Lk), bool (True attends) or additive; returns ((b, Lq, h, d), None)."""
    q_length = query.shape[2]
    causal = (
        q_length > 1
        and attention_mask is None
        and (is_causal if is_causal is not None else getattr(module, "is_causal", True))
    )
    if (
        query.device.type != "cpu"
        or not (dropout > 0.0 or (torch.is_grad_enabled() and query.requires_grad))
        or causal
        or getattr(module, "num_key_value_groups", 1) > 1
        or key.shape[1] != query.shape[1]
        or kwargs.get("output_attentions")
        or any(kwargs.get(name) is not None for name in _PASSED_ON)
    ):
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, is_causal=is_causal, **kwargs
        )
    scale = query.shape[-1] ** -0.5 if scaling is None else scaling
    with torch.autocast("cpu", enabled=False):  # fp32 throughout, as SDPA's math path
        scores = torch.matmul(query.float(), key.float().transpose(-1, -2)).mul_(scale)  # (b, h, Lq, Lk)
        if attention_mask is not None:
            if attention_mask.dtype == torch.bool:
                scores = scores.masked_fill(~attention_mask, torch.finfo(torch.float32).min)
            else:
                scores = scores + attention_mask.float()
        probs = torch.softmax(scores, dim=-1)  # (b, h, Lq, Lk)
        if dropout > 0.0:
            probs = probs * dropout_noise(probs, dropout)
        out = torch.matmul(probs, value.float()).to(query.dtype)  # (b, h, Lq, d)
    return out.transpose(1, 2).contiguous(), None  # (b, Lq, h, d)

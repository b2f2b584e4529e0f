"""Several teachers as one: their logits combined into the targets the student learns from.

An ensemble of fine-tuned teachers usually gives better soft targets than any one of them (Hinton,
Vinyals & Dean 2015, arXiv:1503.02531, section 1: distilling an ensemble into one model). Two rules,
both over K teachers' logits z_1..z_K of the same examples and classes:

    logits:  z = 1/K * sum_k z_k
    probs:   p = 1/K * sum_k softmax(z_k / T)       (the mean of the softened distributions)
             z = T * log p                           so that softmax(z / T) = p exactly

The loss takes logits (it softens them with T itself), so "probs" is handed back as logits whose
softened distribution is that mean: softmax(T * log p / T) = p / sum(p) = p. These logits depend on
T, unlike each teacher's own logits; the per-teacher logits are what the cache keeps.

The module knows nothing about models or data: tensors in, tensors out.
"""

from __future__ import annotations

import math

import torch

from workbench.core import WorkbenchError

RULES = ("probs", "logits")


def combine_logits(logits: list[torch.Tensor], rule: str, temperature: float) -> torch.Tensor:
    """The ensemble's logits from K teachers' logits, each (n, C) -> (n, C) fp32."""
    if not logits:
        raise WorkbenchError("an ensemble needs at least one teacher")
    shapes = {tuple(z.shape) for z in logits}
    if len(shapes) != 1:
        raise WorkbenchError(f"the teachers disagree on the shape of their logits: {sorted(shapes)}")
    if rule not in RULES:
        raise WorkbenchError(f"distill.ensemble must be probs or logits, got {rule!r}")
    stacked = torch.stack([z.float() for z in logits])  # (K, n, C)
    if rule == "logits":
        return stacked.mean(dim=0)  # (n, C)
    # log(mean_k softmax(z_k / T)) computed as logsumexp_k(log_softmax(z_k / T)) - log K: no underflow
    log_p = torch.logsumexp(torch.log_softmax(stacked / temperature, dim=-1), dim=0) - math.log(len(logits))  # (n, C)
    return temperature * log_p

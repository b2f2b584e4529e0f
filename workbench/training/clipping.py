"""Gradient clipping by global norm that skips the multiply when it would multiply by one.

`clip_grad_norm_` (torch's, and Accelerate's on top of it) always multiplies every gradient by
min(1, max_norm / (norm + 1e-6)): when the norm is under the limit that factor is 1, a pass over every
gradient that changes nothing. torch does it on purpose, because deciding would read the norm on the
host, a synchronisation on a GPU. On the CPU there is nothing to synchronise with, and the pass is
~2 ms of a ~80 ms student step (17M gradients read and written, the word-embedding table's 11.7M of
them), and most steps are under the limit (122 of the first 155 of the benchmark's student, scratch run).
Same norm, same arithmetic where it clips: `torch.nn.utils.get_total_norm` and `clip_grads_with_norm_`
are the two halves of `clip_grad_norm_`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from workbench.training.accelerate_setup import speed_off


def clip_gradients(accelerator: Any, params: Iterable[torch.nn.Parameter], max_norm: float) -> torch.Tensor:
    """Clip the gradients of `params` to a global L2 norm of `max_norm`, as `accelerator.clip_grad_norm_`
    does; returns the norm before clipping."""
    params = list(params)
    if not _host_decides(accelerator):
        return accelerator.clip_grad_norm_(params, max_norm)
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.nn.utils.get_total_norm(grads, 2.0)  # () the global norm
    coefficient = max_norm / (float(norm) + 1e-6)  # clip_grads_with_norm_'s, before its clamp to 1
    if not coefficient >= 1.0:  # also a NaN norm, which torch's clip spreads to every gradient
        torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm)
    return norm


def _host_decides(accelerator: Any) -> bool:
    """True where reading the norm costs nothing and Accelerate's clip would be torch's plain one: the
    CPU, no fp16 loss scaler whose scale must come off first, one process or CPU DDP."""
    from accelerate.utils import DistributedType

    return (
        accelerator.device.type == "cpu"
        and getattr(accelerator, "scaler", None) is None
        and accelerator.distributed_type in (DistributedType.NO, DistributedType.MULTI_CPU)
        and not speed_off("clip_skip")
    )

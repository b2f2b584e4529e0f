"""Which process am I, and which rows are mine: the helpers a single-process run and an `accelerate launch` run share.

With one process every helper is the identity; under `accelerate launch` prediction is sharded by rows and
gathered back in the original order, so a report never depends on how many processes computed it.
"""

from __future__ import annotations

import os
from typing import Any

import torch


def is_distributed() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def shard_indices(n: int, accelerator: Any) -> list[int]:
    return list(range(n))[accelerator.process_index :: accelerator.num_processes]


def gather_rows(accelerator: Any, indices: list[int], rows: torch.Tensor, n: int) -> torch.Tensor:
    """Reassemble per-rank rows (each rank its `indices`) into one (n, C) tensor on every rank."""
    if accelerator.num_processes == 1:
        return rows
    from accelerate.utils import gather_object

    out = torch.empty(n, rows.shape[-1])
    for idx, part in gather_object([(indices, rows.tolist())]):
        out[torch.tensor(idx, dtype=torch.long)] = torch.tensor(part)
    return out


def leave_process_group() -> None:
    """Destroy the process group, if this process joined one, before the interpreter exits.

    Left to interpreter teardown, gloo's threads can outlive their process group: a rank that ended while
    its peer was still writing the report died with "terminate called without an active exception"
    (SIGABRT), and `accelerate launch` then failed a run that had stopped cleanly. No barrier first: a peer
    that crashed would keep this rank waiting for the collective timeout.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

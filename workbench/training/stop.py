"""Stopping a run: a signal or a STOP file sets a flag, and the loop asks at agreed steps whether anyone wants out.

Stopping is cooperative: nothing interrupts a step half-way. The loop looks at the flag between
optimizer steps and, with several processes, all of them must leave at the same step, so the look
is one small all-reduce that every rank makes at the same moments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


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

    flag = torch.tensor([1 if local else 0], dtype=torch.int32, device=accelerator.device)  # (1,)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())

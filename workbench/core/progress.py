"""Progress of the long phases that are not training steps: teacher answers, evaluation, speed.

Computing the teacher's answers on a large train split, the final evaluation and the speed measurement
can each take minutes; without events the run panel shows an empty bar. `Progress` turns a loop's
`(done, total)` callback into `{"type": "progress", "phase", "done", "total", "eta_s", ...}` events,
throttled to one a second (plus the last one) so a fast loop costs no extra file writes.
This module knows nothing about models: only counts, clocks and an `emit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Emit = Callable[[dict[str, Any]], None]
OnStep = Callable[[int, int], None]


class Progress:
    """A throttled `(done, total)` callback that emits progress events for one phase.

    `scale`, `whole`: with several processes each reports its own share; the event counts the
    whole (`whole` examples, about `scale` times one share), so "n of N" is about the whole split.
    `extra` fields (split, model, unit) go into every event.
    """

    def __init__(
        self,
        emit: Emit | None,
        phase: str,
        every_s: float = 1.0,
        scale: int = 1,
        whole: int | None = None,
        **extra: Any,
    ) -> None:
        self.emit = emit
        self.phase = phase
        self.every_s = every_s
        self.scale = max(1, scale)
        self.whole = whole if self.scale > 1 else None
        self.extra = extra
        self.start = time.perf_counter()
        self._last = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        if self.emit is None:
            return
        now = time.perf_counter()
        final = done >= total
        if not final and now - self._last < self.every_s:
            return
        self._last = now
        elapsed = now - self.start
        eta = elapsed / done * (total - done) if done else None
        if self.whole is not None:  # each process reports its share: count the whole
            done, total = (self.whole if final else min(self.whole, done * self.scale)), self.whole
        event = {"type": "progress", "phase": self.phase, "done": done, "total": total, "eta_s": eta, **self.extra}
        self.emit(event)


def progress(emit: Emit | None, phase: str, **kwargs: Any) -> OnStep | None:
    """A `Progress` callback, or None when there is nowhere to report (no `emit`)."""
    return Progress(emit, phase, **kwargs) if emit is not None else None

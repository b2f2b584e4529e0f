"""How close to the hardware a phase runs: its useful FLOP/s against this machine's measured matmul peak.

The peak is measured, not read from a datasheet: square matmuls in fp32 and in bf16 on the threads the
benchmark runs with (`matmul_peak`). The machine's limit is the faster of the two: on a CPU with
native bf16 (AVX512-BF16, AMX) that is bf16, as the issue frames it; on one without (AVX2), bf16 is
emulated and slower than fp32, and the engine's `precision: auto` trains in fp32, so fp32's peak is
the limit there.

A phase's work is counted analytically from the model's shape and the real token counts, without
padding (`encoder_forward_flops`): padding is arithmetic the hardware does but the task did not need,
so it counts against the phase, as in the usual model-FLOPs-utilisation measure. A training step is
3x its forward (the backward's two matmuls per forward matmul); the embedding lookups, layer norms,
softmaxes and the optimizer are not counted (they are memory-bound and small next to the matmuls).
`tests/test_flops.py` checks the count against `torch.utils.flop_counter` on a real encoder.

    python -m benchmarks.flops              # prints the measured peaks as JSON
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import torch


def matmul_peak(dtype: torch.dtype, n: int = 1536, seconds: float = 1.5) -> float:
    """FLOP/s of repeated (n, n) @ (n, n) matmuls in `dtype` on this process's threads, best of a few rounds."""
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    torch.mm(a, b)  # warm-up: first-call dispatch and packing
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * n**3 / (time.perf_counter() - start))
    return best


def measured_peaks() -> dict[str, Any]:
    """{"fp32": FLOP/s, "bf16": FLOP/s, "best": the faster's name, "threads": n}."""
    peaks: dict[str, Any] = {"fp32": matmul_peak(torch.float32), "bf16": matmul_peak(torch.bfloat16)}
    peaks["best"] = max(("fp32", "bf16"), key=lambda k: peaks[k])
    peaks["threads"] = torch.get_num_threads()
    return peaks


def encoder_forward_flops(
    config: Any, lengths: Iterable[int], layers: int | None = None, first_token: bool = False
) -> float:
    """Matmul FLOPs of a BERT-style encoder's forward over sequences of these lengths (no padding).

    Per layer and sequence of s tokens, hidden h, feed-forward i: Q, K, V and output projections
    8·s·h², feed-forward 4·s·h·i, attention scores and their weighted sum 4·s²·h. Plus the pooler and
    the classifier on the first token. `layers` overrides the config's (a student made of some layers).
    With `first_token`, the last layer as the workbench runs it (workbench/models/first_token.py): K and
    V for all s tokens (4·s·h²), the rest for one (4·h² + 4·h·i + 4·s·h). The work done, not the work a
    plain forward would do, so a share of the peak does not count skipped arithmetic as achieved.
    """
    h = config.hidden_size
    i = config.intermediate_size
    n_layers = config.num_hidden_layers if layers is None else layers
    labels = getattr(config, "num_labels", 2)
    total = 0.0
    for s in lengths:
        full_layer = 8 * s * h * h + 4 * s * h * i + 4 * s * s * h
        last = 4 * s * h * h + 4 * h * h + 4 * h * i + 4 * s * h if first_token else full_layer
        total += (n_layers - 1) * full_layer + last + 2 * h * h + 2 * h * labels
    return total


def share(flops: float, seconds: float, peak: float) -> float | None:
    """Achieved FLOP/s as a share of `peak` (None without a measurable time)."""
    return None if seconds <= 0 or peak <= 0 else flops / seconds / peak


if __name__ == "__main__":
    print(json.dumps(measured_peaks()))

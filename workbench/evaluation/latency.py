"""Metrics, batched predictions and measured latency.

Predictions run on pre-tokenised splits in length-sorted batches (little padding) and come back in
the original order. Metrics are computed here with torch, no scikit-learn at run time: accuracy,
macro-F1 and the confusion matrix are a few lines each, and tests/test_metrics.py pins them against
scikit-learn and hand-worked values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psutil
import torch

from workbench.core import autocast
from workbench.data import tokenize
from workbench.models import accepted_inputs


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated quantile of an ascending list (numpy's default method)."""
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _spread(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    return {
        "median": _quantile(v, 0.5),
        "min": v[0],
        "p25": _quantile(v, 0.25),
        "p75": _quantile(v, 0.75),
        "max": v[-1],
    }


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (every core, not idle, not waiting on I/O)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def _own_cpu_seconds() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


def _still_wrapped(model: torch.nn.Module) -> bool:
    """Does `model` still carry Accelerate's autocast forward (an instance-level, wrapped `forward`)?"""
    return "_original_forward" in vars(model) or hasattr(vars(model).get("forward"), "__wrapped__")


@torch.no_grad()
def measure_latency(
    models: dict[str, tuple[torch.nn.Module, Any]],
    texts: list[str],
    max_length: int,
    device: torch.device,
    precision: str = "fp32",
    batch_sizes: tuple[int, ...] = (1, 32),
    examples_per_round: int = 32,
    rounds: int = 5,
    busy_share: float = 0.25,
    on_round: Callable[[int, int], None] | None = None,
    threads: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Milliseconds per example for each model at each batch size, tokenisation included, all of them
    in one stated `precision` (fp32, or bf16 / fp16 autocast). A model that `takes_texts` (an
    `OnnxClassifier` given its tokenizer) tokenises and runs as its model card's code does.

    `models` maps a name to (model, tokenizer). This function alone decides the precision a model is
    timed in: a model must arrive plain (no autocast forward left by `accelerator.prepare`; see
    `training.plain_model`), or a trained student would be timed in bf16 beside an fp32 teacher.

    The models take turns, round after round (`rounds` >= 5), so both see the same conditions, and
    each (model, batch size) reports the median over rounds with its spread: the speed-up is a ratio
    of medians. A machine busy with other work makes the figures unsure: `others_cpu_share` is the
    share of the machine's CPU time (all cores) that *other* processes used while we measured, and
    `busy` is set when it exceeds `busy_share`. `on_round(done, total)` is called after each round
    (every model timed once at one batch size) out of `len(batch_sizes) * rounds`. (The load average is kept for information only: it
    is a one-minute average that still counts the training that ran just before.) `threads` sets
    torch's intra-op threads while the named models run (an ONNX session's own are fixed when it is
    made); `measure_fastest` uses it to time one model at several thread counts.

    -> {"precision", "rounds", "models": {name: {"batch_1": {"median", "min", "p25", "p75", "max"}, ...}},
        "others_cpu_share", "load_average", "cores", "busy"}
    """
    rounds = max(5, rounds)
    for model, _ in models.values():
        if _still_wrapped(model):
            raise ValueError("measure_latency needs the plain model (train.plain_model), not one still in autocast")
    pool = (texts * (1 + examples_per_round // max(1, len(texts))))[: max(max(batch_sizes), examples_per_round)]
    times: dict[str, dict[str, list[float]]] = {name: {f"batch_{bs}": [] for bs in batch_sizes} for name in models}

    # each model's input names, read once: `inspect.signature` on every call cost tens of microseconds,
    # a real share of a sub-millisecond prediction and not part of what a deployed model pays
    accepted = {id(model): accepted_inputs(model) for model, _ in models.values()}

    def run(model: torch.nn.Module, tokenizer: Any, chunk: list[str]) -> None:
        if getattr(model, "takes_texts", False):  # an ONNX model: tokenised as its model card's code does
            model.predict_texts(chunk, max_length)
            return
        enc = tokenize(tokenizer, chunk, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        inputs = accepted[id(model)]
        with autocast(device, precision):
            model(**{k: v.to(device) for k, v in enc.items() if k in inputs})

    threads = threads or {}
    for name, (model, tokenizer) in models.items():
        model.eval()
        with _torch_threads(threads.get(name)):
            run(model, tokenizer, pool[: max(batch_sizes)])  # warm-up
    wall0, busy0, own0 = time.perf_counter(), _busy_cpu_seconds(), _own_cpu_seconds()
    done, total = 0, len(batch_sizes) * rounds
    for bs in batch_sizes:
        chunks = [pool[i : i + bs] for i in range(0, len(pool) - bs + 1, bs)] or [pool[:bs]]
        for _ in range(rounds):
            for name, (model, tokenizer) in models.items():
                if device.type == "cuda":
                    torch.cuda.synchronize()
                with _torch_threads(threads.get(name)):
                    start = time.perf_counter()
                    for chunk in chunks:
                        run(model, tokenizer, chunk)
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    ms = 1000.0 * (time.perf_counter() - start) / sum(len(c) for c in chunks)
                    times[name][f"batch_{bs}"].append(ms)
            done += 1
            if on_round is not None:
                on_round(done, total)
    wall = time.perf_counter() - wall0
    others = max(0.0, (_busy_cpu_seconds() - busy0) - (_own_cpu_seconds() - own0))
    cores = psutil.cpu_count() or 1
    others_share = others / max(wall * cores, 1e-9)
    return {
        "precision": precision,
        "rounds": rounds,
        "models": {name: {k: _spread(v) for k, v in per.items()} for name, per in times.items()},
        "others_cpu_share": others_share,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cores": cores,
        "busy": others_share > busy_share,
    }


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """torch's intra-op threads set to `n` inside the block (unchanged for None), restored after."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def thread_counts() -> list[int]:
    """The thread counts a deployable model is timed at: this process's (torch's setting), and 1.

    Which is faster depends on the model, the batch and the machine: a small model at batch 1 (a
    BiLSTM's sequential steps take microseconds each) gains little from a second thread and loses a
    lot when another process holds a core (the int8 BiLSTM: 0.63 ms on two threads against 0.22 on
    one beside a busy benchmark; 0.234 against 0.225 on a quiet 2-core VM), while a transformer, and
    any batch of 32, wins from every core (benchmarks/results/quantize.json `ms_by_threads`). So a
    model is timed at both, side by side, and each batch size keeps its faster, as a person
    deploying it would set `intra_op_num_threads`."""
    n = torch.get_num_threads()
    return [n] if n <= 1 else [n, 1]


def measure_fastest(
    makers: dict[str, tuple[Callable[[int], torch.nn.Module], Any]],
    texts: list[str],
    max_length: int,
    batch_sizes: tuple[int, ...] = (1, 32),
    rounds: int = 5,
    examples_per_round: int = 32,
) -> dict[str, Any]:
    """Each model timed on the CPU in fp32 at every `thread_counts()`, all of them interleaved in one
    `measure_latency` call, keeping per batch size the faster thread count.

    `makers` maps a name to (make(threads) -> model, tokenizer): an ONNX session is made per thread
    count (its threads are fixed then), a PyTorch model is returned as is (torch's threads are set
    around its calls). -> {"latency_ms": {name: {"batch_1": ms, ...}}, "threads": {name: {"batch_1": n,
    ...}}, "by_threads": {name: {n: {"batch_1": ms, ...}}}, "busy", "others_cpu_share"}"""
    counts = thread_counts()
    models: dict[str, tuple[torch.nn.Module, Any]] = {}
    threads: dict[str, int] = {}
    timed_as: dict[tuple[str, int], str] = {}
    for name, (make, tokenizer) in makers.items():
        for n in counts:
            key = f"{name}@{n}"
            models[key], threads[key], timed_as[(name, n)] = (make(n), tokenizer), n, key
    measured = measure_latency(
        models,
        texts,
        max_length,
        torch.device("cpu"),
        "fp32",
        batch_sizes,
        examples_per_round=examples_per_round,
        rounds=rounds,
        threads=threads,
    )
    by_threads = {
        name: {n: {b: s["median"] for b, s in measured["models"][timed_as[(name, n)]].items()} for n in counts}
        for name in makers
    }
    latency: dict[str, dict[str, float]] = {}
    chosen: dict[str, dict[str, int]] = {}
    for name, per in by_threads.items():
        latency[name], chosen[name] = {}, {}
        for b in (f"batch_{bs}" for bs in batch_sizes):
            n = min(per, key=lambda k: per[k][b])  # noqa: B023 - used at once, inside this iteration
            latency[name][b], chosen[name][b] = per[n][b], n
    return {
        "latency_ms": latency,
        "threads": chosen,
        "by_threads": by_threads,
        "busy": measured["busy"],
        "others_cpu_share": measured["others_cpu_share"],
    }

"""Metrics, batched predictions and measured latency.

Predictions run on pre-tokenised splits in length-sorted batches (little padding) and come back in
the original order. Metrics are computed here with torch, no scikit-learn at run time: accuracy,
macro-F1 and the confusion matrix are a few lines each, and tests/test_metrics.py pins them against
scikit-learn and hand-worked values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import psutil
import torch

from workbench.batching import Encoded, collate, encode, model_inputs, sorted_batches, tokenize
from workbench.hardware import autocast
from workbench.models import accepted_inputs


@torch.no_grad()
def predict_logits(
    model: torch.nn.Module,
    enc: Encoded,
    batch_size: int,
    device: torch.device,
    precision: str = "fp32",
    indices: list[int] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """Logits for every example of `enc` (or the given `indices`), in their order. -> (n, C) fp32 on CPU.

    `on_batch(done, total)` is called after each batch with examples done so far (a long split takes
    minutes: the run panel shows how far it is; `progress.Progress` throttles what gets written).
    """
    model.eval()
    chosen = list(range(len(enc))) if indices is None else list(indices)
    lengths = [len(enc.features["input_ids"][i]) for i in chosen]
    out: torch.Tensor | None = None
    done = 0
    for local in sorted_batches(lengths, batch_size):
        batch = collate(enc, [chosen[j] for j in local])
        inputs = {k: v.to(device) for k, v in model_inputs(batch).items()}
        with autocast(device, precision):
            logits = model(**inputs).logits.float().cpu()  # (bs, C)
        if out is None:
            out = torch.empty(len(chosen), logits.shape[-1])
        out[torch.tensor(local)] = logits
        done += len(local)
        if on_batch is not None:
            on_batch(done, len(chosen))
    return out if out is not None else torch.empty(0, model.config.num_labels)


def confusion_matrix(
    labels: list[int] | torch.Tensor, preds: list[int] | torch.Tensor, num_labels: int
) -> list[list[int]]:
    """cm[true][pred] counts."""
    y = torch.as_tensor(labels, dtype=torch.long)
    p = torch.as_tensor(preds, dtype=torch.long)
    cm = torch.bincount(y * num_labels + p, minlength=num_labels * num_labels).reshape(num_labels, num_labels)
    return cm.tolist()


def classification_metrics(
    labels: list[int] | torch.Tensor, preds: list[int] | torch.Tensor, num_labels: int
) -> dict[str, Any]:
    """accuracy, macro-F1 and the confusion matrix.

    Macro-F1 is the mean per-class F1 over the classes *present* in the labels or the predictions,
    scikit-learn's `f1_score(average="macro", labels=present, zero_division=0)`: a class that is
    neither true nor predicted anywhere (a small validation split) says nothing about the model, and
    counting it as F1 = 0 would score a perfect classifier 0.667 with one of three classes missing.
    No examples at all give 0.
    """
    cm = torch.tensor(confusion_matrix(labels, preds, num_labels), dtype=torch.float64)
    total = cm.sum().item()
    tp = cm.diag()
    precision = tp / cm.sum(0).clamp(min=1)
    recall = tp / cm.sum(1).clamp(min=1)
    present = (cm.sum(0) + cm.sum(1)) > 0  # (C,) classes true or predicted at least once
    f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall).clamp(min=1e-12), 0.0)
    return {
        "accuracy": tp.sum().item() / total if total else 0.0,
        "macro_f1": f1[present].mean().item() if present.any() else 0.0,
        "confusion_matrix": cm.long().tolist(),
    }


def chance_accuracy(labels: list[int], num_labels: int) -> float:
    """What a model that always answers the majority class scores (at least 1 / C)."""
    if not labels:
        return 1.0 / num_labels
    counts = torch.bincount(torch.tensor(labels), minlength=num_labels)
    return max(1.0 / num_labels, counts.max().item() / len(labels))


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
) -> dict[str, Any]:
    """Milliseconds per example for each model at each batch size, tokenisation included, all of them
    in one stated `precision` (fp32, or bf16 / fp16 autocast).

    `models` maps a name to (model, tokenizer). This function alone decides the precision a model is
    timed in: a model must arrive plain (no autocast forward left by `accelerator.prepare`; see
    `train.plain_model`), or a trained student would be timed in bf16 beside an fp32 teacher.

    The models take turns, round after round (`rounds` >= 5), so both see the same conditions, and
    each (model, batch size) reports the median over rounds with its spread: the speed-up is a ratio
    of medians. A machine busy with other work makes the figures unsure: `others_cpu_share` is the
    share of the machine's CPU time (all cores) that *other* processes used while we measured, and
    `busy` is set when it exceeds `busy_share`. `on_round(done, total)` is called after each round
    (every model timed once at one batch size) out of `len(batch_sizes) * rounds`. (The load average is kept for information only: it
    is a one-minute average that still counts the training that ran just before.)

    -> {"precision", "rounds", "models": {name: {"batch_1": {"median", "min", "p25", "p75", "max"}, ...}},
        "others_cpu_share", "load_average", "cores", "busy"}
    """
    rounds = max(5, rounds)
    for model, _ in models.values():
        if _still_wrapped(model):
            raise ValueError("measure_latency needs the plain model (train.plain_model), not one still in autocast")
    pool = (texts * (1 + examples_per_round // max(1, len(texts))))[: max(max(batch_sizes), examples_per_round)]
    times: dict[str, dict[str, list[float]]] = {name: {f"batch_{bs}": [] for bs in batch_sizes} for name in models}

    def run(model: torch.nn.Module, tokenizer: Any, chunk: list[str]) -> None:
        enc = tokenize(tokenizer, chunk, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        inputs = accepted_inputs(model)
        with autocast(device, precision):
            model(**{k: v.to(device) for k, v in enc.items() if k in inputs})

    for model, tokenizer in models.values():
        model.eval()
        run(model, tokenizer, pool[: max(batch_sizes)])  # warm-up
    wall0, busy0, own0 = time.perf_counter(), _busy_cpu_seconds(), _own_cpu_seconds()
    done, total = 0, len(batch_sizes) * rounds
    for bs in batch_sizes:
        chunks = [pool[i : i + bs] for i in range(0, len(pool) - bs + 1, bs)] or [pool[:bs]]
        for _ in range(rounds):
            for name, (model, tokenizer) in models.items():
                if device.type == "cuda":
                    torch.cuda.synchronize()
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


def classify(loaded_model: torch.nn.Module, tokenizer: Any, texts: list[str], max_length: int = 128) -> torch.Tensor:
    """Class probabilities for raw texts (the Compare page's typed sentence). -> (n, C)."""
    enc = encode(tokenizer, texts, [0] * len(texts), max_length, accepted_inputs(loaded_model))
    device = next(loaded_model.parameters()).device
    return predict_logits(loaded_model, enc, 32, device).softmax(-1)

"""Both models measured on test sets from elsewhere: the report's `extra_eval` block.

The in-domain test split says how well a student copies its teacher on the text it was trained on; a
person deploying it runs it on their own text. Each set of `data.extra_eval` (or added later with
`workbench evaluate RUN --extra NAME=PATH`) gets, per model, accuracy and macro-F1, and the share of the
teacher's accuracy the student keeps (`kept`, the same ratio as `comparison.accuracy_share_test`):

    extra_eval: {name: {"n": int, "teacher": {"accuracy", "macro_f1"}, "student": {...}, "kept": float | None}}

A teacher run has only `teacher` (and no `kept`). Reading and label mapping are `workbench.data.extra_sets`'.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from workbench.core import Emit, progress
from workbench.data import ExtraSet, encode
from workbench.evaluation.metrics import classification_metrics
from workbench.evaluation.report_file import write_report
from workbench.models import LoadedModel, accepted_inputs, predict_logits


def set_predictions(
    loaded: LoadedModel,
    extra: ExtraSet,
    max_length: int,
    batch_size: int,
    device: torch.device,
    precision: str,
    on_batch: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """`loaded`'s predicted class for every text of `extra`, in order. -> (n,)"""
    loaded.model.to(device)
    enc = encode(loaded.tokenizer, extra.texts, extra.labels, max_length, accepted_inputs(loaded.model))
    logits = predict_logits(loaded.model, enc, batch_size, device, precision, on_batch=on_batch)  # (n, C)
    return logits.argmax(-1)


def measure_sets(
    sets: list[ExtraSet],
    models: dict[str, LoadedModel],
    num_labels: int,
    max_length: int,
    batch_size: int,
    device: torch.device,
    precision: str = "fp32",
    emit: Emit | None = None,
) -> dict[str, dict[str, Any]]:
    """`extra_eval` for `models` ({"teacher": ..., "student": ...}, student optional) on each set; with `emit`,
    progress events of phase "evaluating" whose `split` is the set's name (the run panel names it)."""
    out: dict[str, dict[str, Any]] = {}
    for extra in sets:
        row: dict[str, Any] = {"n": len(extra.texts)}
        for role, loaded in models.items():
            on_batch = progress(emit, "evaluating", unit="examples", split=extra.name, role=role)
            preds = set_predictions(loaded, extra, max_length, batch_size, device, precision, on_batch)
            metrics = classification_metrics(extra.labels, preds, num_labels)
            row[role] = {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
        if "student" in row:
            t_acc = row["teacher"]["accuracy"]
            row["kept"] = row["student"]["accuracy"] / t_acc if t_acc else None
        out[extra.name] = row
    return out


def record_extra_eval(
    run_dir: Path,
    report: dict[str, Any],
    sets: list[ExtraSet],
    models: dict[str, LoadedModel],
    num_labels: int,
    max_length: int,
    batch_size: int,
    device: torch.device,
    precision: str,
    keep_old: bool = False,
    emit: Emit | None = None,
) -> dict[str, Any]:
    """Measure `sets`, write them into report.json's `extra_eval` (merged into the sets measured before with
    `keep_old`: the same model, so their numbers still hold) and return the whole report.

    Does nothing on a process other than the main one (its `report` is empty) or without sets."""
    if not sets or not report:
        return report
    measured = measure_sets(sets, models, num_labels, max_length, batch_size, device, precision, emit)
    old = report.get("extra_eval") if keep_old and isinstance(report.get("extra_eval"), dict) else {}
    return write_report(run_dir, {"extra_eval": {**old, **measured}})

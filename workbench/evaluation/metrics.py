"""Accuracy, macro-F1, the confusion matrix and the majority-class baseline, in torch.

No scikit-learn at run time: each metric is a few lines, and tests/test_metrics.py pins them against
scikit-learn and hand-worked values.
"""

from __future__ import annotations

from typing import Any

import torch


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


def majority_class(counts: list[int]) -> tuple[int, float] | None:
    """(class index, share) of the most common label, from per-class counts; None with no examples.

    The one definition of the majority-class baseline: the teacher gate (`chance_accuracy`), the UI's
    colours and its headline all read it, so "near chance" means the same thing everywhere. Ties go
    to the lowest class index. The share is never under 1 / C (the largest of C counts is at least
    their mean).
    """
    total = sum(counts)
    if not counts or not total:
        return None
    top = max(range(len(counts)), key=counts.__getitem__)
    return top, counts[top] / total


def majority_of_confusion(confusion: list[list[int]] | None) -> tuple[int, float] | None:
    """`majority_class` of a split measured by its confusion matrix (rows are the true labels)."""
    return majority_class([sum(row) for row in confusion]) if confusion else None


def chance_accuracy(labels: list[int], num_labels: int) -> float:
    """What a model that always answers the majority class scores (at least 1 / C; 1 / C with no labels)."""
    counts = torch.bincount(torch.tensor(labels, dtype=torch.long), minlength=num_labels).tolist() if labels else []
    majority = majority_class(counts)
    return 1.0 / num_labels if majority is None else max(1.0 / num_labels, majority[1])

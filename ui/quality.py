"""Colour follows quality: an accuracy is judged against always answering the most common label.

A green box around "the student keeps 100% of the teacher's accuracy" when both score 0%, or 50% on
balanced two-class data, tells a newcomer the run worked when it learned nothing. The baseline is
the majority-class accuracy of the very split measured (from its confusion matrix: the row sums are
the true label counts), never less than 1 / classes.
"""

from __future__ import annotations

from typing import Any

from workbench.evaluation import majority_of_confusion

MARGIN = 0.05  # "well above": the same margin the engine asks of a teacher before distilling


def majority_baseline(confusion: list[list[int]]) -> float:
    """Accuracy of always answering the most common true label of this split (at least 1 / C); 0 with no examples."""
    majority = majority_of_confusion(confusion)
    return majority[1] if majority else 0.0


def quality(accuracy: float, baseline: float, margin: float = MARGIN) -> str:
    """bad (red): under the baseline; near (amber): less than `margin` above it; good (green): well above."""
    if accuracy < baseline:
        return "bad"
    if accuracy < baseline + margin:
        return "near"
    return "good"


def run_quality(report: dict[str, Any], split: str = "test") -> tuple[str, str | None]:
    """(level, sentence or None) for the model a run produced: the student, or a fine-tuned teacher."""
    model = report.get("student" if report.get("kind") == "distill" else "teacher") or {}
    measured = model.get(split) or {}
    if "accuracy" not in measured or not measured.get("confusion_matrix"):
        return "good", None  # nothing to judge: keep the plain headline
    acc, base = measured["accuracy"], majority_baseline(measured["confusion_matrix"])
    level = quality(acc, base)
    if level == "good":
        return level, None
    verb = "below" if level == "bad" else "barely above"
    return level, (
        f"Its {split} accuracy ({acc:.0%}) is {verb} what always answering the most common label "
        f"scores ({base:.0%}): it has learned little yet."
    )

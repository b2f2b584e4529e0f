"""Colour follows quality: judged against the majority-class baseline of the split measured."""

from __future__ import annotations

import pytest

from ui.quality import majority_baseline, quality, run_quality


def test_majority_baseline_from_the_confusion_matrix():
    assert majority_baseline([[6, 1], [2, 1]]) == pytest.approx(0.7)  # 7 of 10 true labels are class 0
    assert majority_baseline([[1, 0, 0], [0, 1, 0], [0, 0, 1]]) == pytest.approx(1 / 3)
    assert majority_baseline([]) == 0.0


@pytest.mark.parametrize(
    "accuracy,baseline,level",
    [
        (0.0, 0.5, "bad"),  # 0% is never green
        (0.49, 0.5, "bad"),
        (0.5, 0.5, "near"),  # as good as always guessing the same label
        (0.54, 0.5, "near"),
        (0.55, 0.5, "good"),
        (0.9, 0.5, "good"),
        (0.8, 0.82, "bad"),  # 80% sounds fine, but 82% of the examples share one label
    ],
)
def test_quality_levels(accuracy, baseline, level):
    assert quality(accuracy, baseline) == level


def test_run_quality_judges_the_student_of_a_distillation():
    report = {"kind": "distill", "student": {"test": {"accuracy": 0.0, "confusion_matrix": [[0, 5], [5, 0]]}}}
    level, why = run_quality(report)
    assert level == "bad" and "below" in why and "(0%)" in why and "(50%)" in why
    report["student"]["test"] = {"accuracy": 0.9, "confusion_matrix": [[5, 0], [1, 4]]}
    assert run_quality(report) == ("good", None)
    teacher_run = {"kind": "teacher", "teacher": {"test": {"accuracy": 0.52, "confusion_matrix": [[5, 0], [5, 0]]}}}
    assert run_quality(teacher_run)[0] == "near"

"""Calibration in words for the Compare page: which model's confidence can be taken at its word.

The engine (`workbench.evaluation.calibration`, report.json's `<model>.<split>.calibration`) gives the
expected calibration error (ECE, Guo et al. 2017) and the reliability-diagram bins; this module
only turns them into a sentence. A difference is called only when it is larger than
`MEANINGFUL_ECE`: a few hundred test examples move ECE by about a hundredth between seeds, so a
smaller gap says nothing about which model is better calibrated.
"""

from __future__ import annotations

from typing import Any

MEANINGFUL_ECE = 0.01


def calibration_of(report: dict[str, Any], split: str) -> dict[str, dict[str, Any]] | None:
    """{"teacher": ..., "student": ...} calibrations of a distill report on `split`; None for a report
    written before calibration was measured (or with either model's missing)."""
    out = {}
    for who in ("teacher", "student"):
        cal = ((report.get(who) or {}).get(split) or {}).get("calibration")
        if not cal or "ece" not in cal or "bins" not in cal:
            return None
        out[who] = cal
    return out


def points(ece: float) -> str:
    """ECE as percentage points of confidence: 0.034 -> '3.4 points'."""
    return f"{ece * 100:.1f} points"


def calibration_sentence(teacher_ece: float, student_ece: float) -> str:
    """One sentence: which model is better calibrated and by how much, or that they are alike."""
    gap = teacher_ece - student_ece
    if abs(gap) <= MEANINGFUL_ECE:
        return (
            f"Teacher and student are about equally well calibrated: their confidence is off from how often "
            f"they are right by {points(teacher_ece)} and {points(student_ece)} on average (ECE)."
        )
    better, worse = ("student", "teacher") if gap > 0 else ("teacher", "student")
    b_ece, w_ece = (student_ece, teacher_ece) if gap > 0 else (teacher_ece, student_ece)
    return (
        f"The {better} is better calibrated, by {points(abs(gap))}: on average its confidence is {points(b_ece)} "
        f"away from how often it is right, the {worse}'s {points(w_ece)} (ECE)."
    )

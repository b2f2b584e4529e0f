"""The Compare headline, case by case: every sentence it can say, from hand-built report dicts.

Issue 11: a 57% teacher (majority class 53%) and a student at 0.7x the speed were headlined "as
accurate as the teacher (111% of its accuracy) at 0.7x the speed". Each case here pins one part.
"""

from __future__ import annotations

import pytest

from ui import summary


def _cm(n_neg: int, n_pos: int, acc: float, one_class: bool = False) -> list[list[int]]:
    """A 2x2 confusion matrix with the given class counts and (about) the given accuracy."""
    if one_class:  # always answers the larger class
        return [[0, n_neg], [0, n_pos]] if n_pos >= n_neg else [[n_neg, 0], [n_pos, 0]]
    right = round(acc * (n_neg + n_pos))
    r_neg = min(n_neg, right // 2)
    r_pos = right - r_neg
    return [[r_neg, n_neg - r_neg], [n_pos - r_pos, r_pos]]


def _model(acc: float, f1: float, cm: list[list[int]], ms: float = 10.0, spread=None) -> dict:
    m = {
        "test": {"accuracy": acc, "macro_f1": f1, "confusion_matrix": cm},
        "latency_ms": {"batch_1": ms},
    }
    if spread:
        m["latency_spread_ms"] = {"batch_1": spread}
    return m


def report(
    t_acc=0.82,
    s_acc=0.80,
    t_f1=None,
    t_ms=20.0,
    s_ms=10.0,
    t_spread=None,
    s_spread=None,
    busy=None,
    counts=(500, 500),
    t_cm=None,
):
    t_cm = t_cm or _cm(*counts, t_acc)
    r = {
        "kind": "distill",
        "data": {"label_names": ["negative", "positive"], "sizes": {"test": sum(counts)}},
        "teacher": _model(t_acc, t_acc if t_f1 is None else t_f1, t_cm, t_ms, t_spread),
        "student": _model(s_acc, s_acc, _cm(*counts, s_acc), s_ms, s_spread),
        "comparison": {"accuracy_share_test": s_acc / t_acc, "param_ratio": 0.5, "speedup": {"batch_1": t_ms / s_ms}},
    }
    if busy is not None:
        r["latency_busy"] = busy
    return r


def baseline(acc: float, counts=(500, 500)) -> dict:
    return {"kind": "distill", "student": _model(acc, acc, _cm(*counts, acc))}


def test_plain_good_run():
    h = summary.headline(report())
    assert h == (
        "The student keeps 98% of the teacher's accuracy (80% vs 82% on test). "
        "It is 2.0x as fast one sentence at a time, with 50% of the teacher's parameters."
    )
    assert not summary.assess(report())["caution"]


def test_the_issue_11_case_weak_teacher_better_student_slower():
    # teacher 57%, majority class 53% (530 positive of 1000), student 111% of it, 0.7x the speed
    r = report(t_acc=0.57, s_acc=0.633, t_ms=7.0, s_ms=10.0, counts=(470, 530))
    h = summary.headline(r)
    assert h.startswith("Careful: the teacher is barely better than guessing: it scored 57% on test")
    assert 'always answering "positive" scores 53%' in h
    assert "The student scored higher than the teacher (63% vs 57% on test): the teacher may be under-trained." in h
    assert "It is slower than the teacher: one sentence takes 1.4x as long" in h
    for wrong in ("as accurate as", "111%", "0.7x the speed", "as fast"):
        assert wrong not in h
    a = summary.assess(r)
    assert a["caution"] and a["student_better"] and a["slower"]


def test_student_better_than_a_good_teacher():
    h = summary.headline(report(t_acc=0.82, s_acc=0.84))
    assert "The student scored higher than the teacher (84% vs 82% on test): the teacher may be under-trained." in h
    assert "Careful" not in h  # 82% is far above the 50% majority class


def test_student_matches_teacher_within_half_a_point():
    h = summary.headline(report(t_acc=0.820, s_acc=0.818))
    assert "The student matches the teacher's accuracy (81.8% vs 82.0% on test)." in h


def test_teacher_answering_one_class_is_flagged_by_macro_f1():
    # 75% majority; the teacher answers it always: accuracy 75%, macro-F1 = (2*.75/1.75)/2 = 0.4286
    cm = _cm(250, 750, 0.75, one_class=True)
    r = report(t_acc=0.75, t_f1=0.4286, s_acc=0.74, counts=(250, 750), t_cm=cm)
    ts = summary.assess(r)["teacher"]
    assert ts["majority"] == pytest.approx(0.75) and ts["majority_label"] == "positive"
    assert ts["one_answer"] and ts["near_chance"]
    assert "its macro-F1 of 43% shows it gives mostly one answer" in summary.headline(r)


def test_teacher_well_above_majority_but_one_sided_macro_f1():
    # 90% majority; the teacher gets 96% right yet its macro-F1 is low (made-up, below 0.47 + 0.05)
    r = report(t_acc=0.96, t_f1=0.50, s_acc=0.95, counts=(100, 900))
    ts = summary.assess(r)["teacher"]
    assert summary.one_class_macro_f1(0.9, 2) == pytest.approx(2 * 0.9 / 1.9 / 2)
    assert not ts["near_chance"] and ts["one_answer"]
    assert summary.headline(r).startswith("Careful: the teacher gives mostly one answer: its macro-F1 of 50%")


def test_majority_baseline_from_confusion_matrix():
    # rows are true labels: 3 + 1 negative, 2 + 14 positive -> 16 of 20 positive
    assert summary.majority_baseline([[3, 1], [2, 14]]) == (1, 0.8)
    assert summary.majority_baseline([]) is None
    assert summary.majority_baseline([[0, 0], [0, 0]]) is None


def test_about_as_fast():
    assert "about as fast as the teacher" in summary.headline(report(t_ms=10.5, s_ms=10.0))


def test_busy_machine_makes_speed_unclear():
    h = summary.headline(report(busy=True))
    assert "Its speed next to the teacher's is unclear (the machine was busy while timing)" in h
    assert "2.0x" not in h and summary.assess(report(busy=True))["caution"]
    assert h.endswith("(the machine was busy while timing). It has 50% of the teacher's parameters.")


def test_overlapping_spreads_make_speed_unclear_and_separate_ones_do_not():
    r = report(t_ms=12.0, s_ms=10.0, t_spread=[9.0, 16.0], s_spread=[8.0, 13.0])
    assert "the timings of the two models overlap" in summary.headline(r)
    r = report(t_ms=20.0, s_ms=10.0, t_spread=[19.0, 22.0], s_spread=[9.5, 11.0])
    assert "It is 2.0x as fast" in summary.headline(r)


def test_speed_not_measured():
    r = report()
    r["teacher"]["latency_ms"] = r["student"]["latency_ms"] = {}
    r["comparison"]["speedup"] = {}
    assert "Its speed was not measured" in summary.headline(r)


@pytest.mark.parametrize(
    "b_acc, expected",
    [
        (0.76, "Distillation helped: without the teacher, the same student scores 76% (+4.0 points)."),
        (0.84, "Distillation did not help: without the teacher, the same student scores 84% (-4.0 points"),
        (0.795, "scores 79.5% (+0.5 points for distillation): within noise (one seed: a difference this small"),
        (0.808, "(-0.8 points for distillation): within noise"),
    ],
)
def test_baseline_sentences(b_acc, expected):
    # 10,000 test examples: the standard error is below a point, so the 1-point floor decides
    r = report(t_acc=0.82, s_acc=0.80, counts=(5000, 5000))
    h = summary.headline(r, baseline_report=baseline(b_acc, (5000, 5000)))
    assert expected in h


def test_baseline_gap_on_a_small_test_set_is_noise():
    # 200 examples: sqrt(.8*.2/200 + .77*.23/200) = 4.1 points > 3 points
    r = report(t_acc=0.82, s_acc=0.80, counts=(100, 100))
    assert summary.noise_points(0.80, 0.77, 200) == pytest.approx(
        100 * (0.8 * 0.2 / 200 + 0.77 * 0.23 / 200) ** 0.5, rel=1e-6
    )
    assert "within noise" in summary.headline(r, baseline_report=baseline(0.77, (100, 100)))


def test_teacher_run_headline_and_weak_teacher_run():
    good = {
        "kind": "teacher",
        "teacher": {"test": {"accuracy": 0.8, "macro_f1": 0.8, "confusion_matrix": _cm(50, 50, 0.8)}},
    }
    assert summary.headline(good) == "The fine-tuned teacher gets 80% of the test examples right."
    weak = {
        "kind": "teacher",
        "data": {"label_names": ["negative", "positive"]},
        "teacher": {"test": {"accuracy": 0.55, "macro_f1": 0.5, "confusion_matrix": _cm(47, 53, 0.55)}},
    }
    assert summary.headline(weak).startswith("Careful: the teacher is barely better than guessing")


def test_old_report_without_confusion_matrices_or_spreads():
    r = report()
    for who in ("teacher", "student"):
        del r[who]["test"]["confusion_matrix"]
    assert summary.headline(r).startswith("The student keeps 98%")
    sp = summary.speed_reading(r)
    assert not sp["has_spread"] and sp["precision"] is None and not sp["unsure"]


def test_speed_reading_takes_the_spread_as_reports_write_it():
    """report.py writes {min, p25, p75, max} per batch size; the headline and table must read that shape."""
    from ui.summary import headline, ms_with_spread, speed_reading

    def spread(lo, p25, p75, hi):
        return {"batch_1": {"min": lo, "p25": p25, "p75": p75, "max": hi}}

    report = {
        "kind": "distill",
        "teacher": {"latency_ms": {"batch_1": 10.0}, "latency_spread_ms": spread(9.0, 9.5, 10.5, 14.0)},
        "student": {"latency_ms": {"batch_1": 4.0}, "latency_spread_ms": spread(3.5, 3.8, 4.2, 9.5)},
        "comparison": {"speedup": {"batch_1": 2.5}},
    }
    sp = speed_reading(report)
    assert sp["teacher_spread"] == (9.0, 14.0) and not sp["overlap"]  # whole ranges touch, middle halves do not
    assert ms_with_spread(10.0, report["teacher"]["latency_spread_ms"]["batch_1"]) == "10.0 ms (9.0–14.0)"
    report["student"]["latency_spread_ms"] = spread(3.5, 9.0, 11.0, 12.0)  # middle halves overlap
    assert speed_reading(report)["unsure"]
    assert "Its speed next to the teacher's is unclear (the timings of the two models overlap)" in headline(report)

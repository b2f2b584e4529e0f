"""Compare page: the reliability diagram and its sentence for reports with calibration, nothing for older ones."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.fakeruns import make_finished_distill
from ui.calibration import calibration_of, calibration_sentence

ROOT = Path(__file__).resolve().parent.parent


def cal(ece: float, bins: list[tuple[float, float, int]]) -> dict:
    """A calibration block: bins of (mean confidence, accuracy, count) in 15 equal-width bins."""
    rows = []
    for conf, acc, count in bins:
        b = min(14, int(conf * 15))
        rows.append({"lower": b / 15, "upper": (b + 1) / 15, "count": count, "confidence": conf, "accuracy": acc})
    return {"ece": ece, "n_bins": 15, "bins": rows}


def with_calibration(run: Path, teacher_ece: float, student_ece: float) -> None:
    report = json.loads((run / "report.json").read_text())
    for split in ("validation", "test"):
        report["teacher"][split]["calibration"] = cal(teacher_ece, [(0.95, 0.9, 3), (0.6, 0.5, 1)])
        report["student"][split]["calibration"] = cal(student_ece, [(0.7, 0.75, 4)])
    (run / "report.json").write_text(json.dumps(report))


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=30)


def reliability_charts(at: AppTest) -> list:
    return [c for c in at.get("plotly_chart") if "reliability" in c.proto.spec]


def test_sentence_names_the_better_calibrated_model_and_the_gap():
    s = calibration_sentence(0.082, 0.031)
    assert s.startswith("The student is better calibrated")
    assert "by 5.1 points" in s and "3.1 points away" in s and "the teacher's 8.2 points" in s
    assert calibration_sentence(0.02, 0.05).startswith("The teacher is better calibrated")


def test_sentence_calls_no_winner_for_a_small_difference():
    s = calibration_sentence(0.040, 0.048)  # 0.008 apart: within noise
    assert s.startswith("Teacher and student are about equally well calibrated")
    assert "better" not in s


def test_old_reports_have_no_calibration():
    report = {"teacher": {"test": {"accuracy": 0.8}}, "student": {"test": {"accuracy": 0.7}}}
    assert calibration_of(report, "test") is None


def test_compare_shows_reliability_diagram_and_sentence(runs_dir):
    with_calibration(make_finished_distill(runs_dir), teacher_ece=0.09, student_ece=0.03)
    at = page().run()
    assert not at.exception
    assert "Can you trust their confidence?" in [h.value for h in at.subheader]
    assert any("The student is better calibrated" in m.value for m in at.markdown)
    (chart,) = reliability_charts(at)
    spec = json.loads(chart.proto.spec)
    names = [trace.get("name") for trace in spec["data"]]
    assert names == ["perfect calibration", "teacher (ECE 0.090)", "student (ECE 0.030)"]
    teacher = spec["data"][1]
    assert teacher["y"] == [0.9, 0.5] and teacher["marker"]["size"][0] > teacher["marker"]["size"][1]  # 3 vs 1


def test_compare_of_an_older_report_shows_no_calibration(runs_dir):
    make_finished_distill(runs_dir)  # written without calibration
    at = page().run()
    assert not at.exception and not at.error
    assert "Can you trust their confidence?" not in [h.value for h in at.subheader]
    assert not reliability_charts(at)

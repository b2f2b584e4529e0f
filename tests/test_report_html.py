"""The report to share (ui/report_html.py) and the model card: self-contained, and free of this machine's paths."""

from __future__ import annotations

import json
import re
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml

from tests.fakeruns import make_finished_distill
from ui import export, summary
from ui.report_html import build_html
from workbench.core import WorkbenchError


def teacher_from_run(run: Path, root: Path) -> None:
    """Make the run distil from another run's teacher, named by its absolute path (what the UI writes)."""
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["teacher"] = {"source": "run", "name": str(root / "20261127-090000-teacher-t" / "model")}
    (run / "config.yaml").write_text(yaml.safe_dump(cfg))
    report = json.loads((run / "report.json").read_text())
    report["teacher"]["description"] = str(root / "20261127-090000-teacher-t" / "model")
    report["data"]["description"] = "local file reviews.csv"
    (run / "report.json").write_text(json.dumps(report))


def test_html_is_self_contained_with_headline_and_no_paths(tmp_path):
    root = tmp_path / "runs"
    run = make_finished_distill(root)
    teacher_from_run(run, root)
    page = build_html(run)
    assert summary.headline(json.loads((run / "report.json").read_text())) in page.replace("&#x27;", "'")
    assert "plotly.js v" in page and "Plotly.newPlot" in page  # the library itself is inline
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no script from a CDN (or anywhere)
    assert str(root) not in page and str(tmp_path) not in page
    assert "run 20261127-090000-teacher-t" in page
    # sample predictions, disagreements first, texts escaped
    assert "a fine film" in page and "disagree on 1 of 4 examples" in page
    assert page.count("Plotly.newPlot") >= 4  # parameters, latency, two confusion matrices


def test_html_escapes_review_texts(tmp_path):
    run = make_finished_distill(tmp_path)
    csv = (run / "predictions.csv").read_text().replace("a fine film", "<script>alert(1)</script>")
    (run / "predictions.csv").write_text(csv)
    page = build_html(run)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_shows_the_baseline_when_there_is_one(tmp_path):
    run = make_finished_distill(tmp_path)
    base = make_finished_distill(tmp_path, "20261127-110000-distill-demo-no-teacher")
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["distill"]["alpha"] = 0.0
    (base / "config.yaml").write_text(yaml.safe_dump(cfg))
    page = build_html(run)
    assert "same student, no teacher" in page and "20261127-110000-distill-demo-no-teacher" in page
    assert "student without teacher" in page  # its predictions beside the others


def test_html_refuses_a_run_without_a_distillation_report(tmp_path):
    with pytest.raises(WorkbenchError, match="no finished distillation report"):
        build_html(tmp_path)


def test_model_card_names_runs_not_paths(tmp_path):
    root = tmp_path / "runs"
    run = make_finished_distill(root)
    teacher_from_run(run, root)
    with zipfile.ZipFile(BytesIO(export.model_zip(run))) as zf:
        card = zf.read("README.md").decode()
    assert "- Teacher: run 20261127-090000-teacher-t" in card
    assert str(root) not in card and str(tmp_path) not in card


@pytest.mark.parametrize(
    "source, name, expected",
    [
        ("bundled", "", "bundled all-MiniLM-L6-v2"),
        ("hub", "bert-base-uncased", "bert-base-uncased"),
        ("run", "/home/me/runs/20261127-teacher-x/model", "run 20261127-teacher-x"),
        ("run", "/home/me/runs/20261127-teacher-x/", "run 20261127-teacher-x"),
        ("local", "C:\\Users\\me\\models\\my-bert", "local folder my-bert"),
    ],
)
def test_model_names(source, name, expected):
    assert export.model_name(source, name) == expected


def test_public_text_cuts_absolute_paths_only():
    assert export.public_text("/tmp/x/runs/r1/model") == "r1"
    assert export.public_text("teacher layers [0, 2, 4] (3 of 6)") == "teacher layers [0, 2, 4] (3 of 6)"

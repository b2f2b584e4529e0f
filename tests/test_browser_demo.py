"""A demo-giver's whole path in a real Chromium (issue 18's replay), from an empty runs folder.

1. Setup's guided box with the tiny BiLSTM chosen: the three steps run and Compare opens with a baseline.
2. A student cut from the teacher, started on Train, stopped from its own run card and resumed there.
3. A small transformer trained from scratch, so three students of three families exist.
4. Compare shows all three beside the teacher in one table and one picture.
5. The shared report, downloaded and opened offline, cuts no chart label.

Budgets are tiny (64 training, 32 validation/test examples) so it fits a shared 2-core machine; the
teacher stays weak at that size, hence "Allow a weak teacher". The full-size story is measured by
`python -m benchmarks.first_run --student bilstm`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.appserver import browser_page, streamlit_app
from tests.test_browser import SLOW, _number, _stop_runs, _wait_idle
from tests.test_browser_report import OUTSIDE
from ui.wording import GUIDED_STUDENTS, STUDENT_KINDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STORY = "Run the whole story (teacher, student, comparison)"
FINISHED = "Compare teacher and student"


def _finished_runs(runs: Path) -> int:
    import json

    return sum(
        1
        for d in runs.iterdir()
        if (d / "status.json").is_file() and json.loads((d / "status.json").read_text()).get("state") == "finished"
    )


def _wait_for_finished(page, runs: Path, n: int, seconds: int = 600) -> None:
    for _ in range(seconds):
        if _finished_runs(runs) >= n:
            break
        page.wait_for_timeout(1000)
    assert _finished_runs(runs) == n


def _student_run(page, expect, kind: str, epochs: int) -> None:
    """Pick a student family on Setup, then start its distillation on Train with `epochs` passes."""
    page.get_by_role("link", name="Setup", exact=True).click()
    page.get_by_text(STUDENT_KINDS[kind], exact=True).click()
    _wait_idle(page)
    page.get_by_role("link", name="Train", exact=True).click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    _number(page, "Epochs", epochs, nth=1)  # the second column's: the student's training
    _wait_idle(page)
    page.get_by_role("button", name="Distil the student", exact=True).click()


def test_demo_replay(chromium_path, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=SLOW)
    runs = tmp_path / "runs"
    with streamlit_app(runs, tmp_path / "cache", tmp_path / "streamlit.log") as url:
        try:
            with browser_page(chromium_path, tmp_path / "failure.png", timeout_ms=SLOW) as page:
                _replay(page, url, runs, expect, tmp_path)
        finally:
            _stop_runs(runs)


def _replay(page, url: str, runs: Path, expect, tmp_path: Path) -> None:
    # ------------------------------------------------------------------ 1. the guided story with the BiLSTM
    page.goto(url)
    expect(page.get_by_role("heading", name="New here? Run the whole story")).to_be_visible()
    page.get_by_text(GUIDED_STUDENTS["bilstm"], exact=True).click()
    _wait_idle(page)
    _number(page, "Training examples", 64)
    _wait_idle(page)
    _number(page, "Validation / test examples", 32)
    _wait_idle(page)
    page.get_by_role("link", name="Train", exact=True).click()
    page.get_by_test_id("stCheckbox").get_by_text("Allow a weak teacher").click()
    _wait_idle(page)
    page.get_by_role("link", name="Setup", exact=True).click()
    page.get_by_role("button", name=STORY).click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    compare = page.get_by_role("button", name="Compare the student with and without the teacher")
    expect(compare).to_be_visible(timeout=600_000)
    assert _finished_runs(runs) == 3
    configs = [p.read_text() for p in runs.glob("*-distill-*/config.yaml")]
    assert len(configs) == 2 and all("kind: bilstm" in c for c in configs), "the story's students are BiLSTMs"

    # ------------------------------------------------------------------ 2. stop on the run card, resume there
    # the next students learn from the story's fine-tuned teacher, as Train offers (one teacher for all three)
    page.get_by_role("button", name="Use this teacher").first.click()
    _wait_idle(page)
    _student_run(page, expect, "layers", epochs=20)
    stop = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True)
    expect(stop).to_be_visible()
    expect(page.get_by_text(re.compile(r"Step [1-9]\d* of \d+")).first).to_be_visible(timeout=300_000)
    stop.click()
    resume = page.locator(".st-key-resume_last").get_by_role("button", name=re.compile(r"^Resume from step \d+$"))
    expect(resume).to_be_visible(timeout=300_000)  # on the stopped run's own card, under Current run
    _wait_idle(page)
    resume.click()
    expect(resume).to_be_hidden()  # it trains again: the live card has Stop, not Resume
    _wait_for_finished(page, runs, 4)
    # the run just watched ends; its own card leads to the comparison
    expect(page.locator(".st-key-compare_last").get_by_role("button", name=FINISHED)).to_be_visible()

    # ------------------------------------------------------------------ 3. a third family
    _student_run(page, expect, "scratch", epochs=1)
    _wait_idle(page)
    _wait_for_finished(page, runs, 5)

    # ------------------------------------------------------------------ 4. three students side by side
    page.get_by_role("link", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name="Several students side by side")).to_be_visible()
    chart = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text="Size and speed against accuracy"))
    expect(chart).to_be_visible()
    expect(chart.locator(".legendtext")).to_have_count(4)  # picked by default: the three students, one teacher
    assert chart.locator(".scatterlayer .point").count() == 4  # the teacher and three students

    # ------------------------------------------------------------------ 5. the shared report, offline
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"^Download a report to share")).click()
    saved = tmp_path / "report.html"
    download.value.save_as(saved)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(saved.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5")
    page.wait_for_timeout(500)
    outside = page.evaluate(OUTSIDE)
    assert not outside, "\n".join(outside)

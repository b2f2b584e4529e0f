"""End to end in a real headless Chromium: set up a tiny run, watch it train live, compare the models.

Starts `streamlit run app.py` on a free port with its own runs and cache folders, then drives
Debian's /usr/bin/chromium through Playwright's sync API (never `playwright install`). The run
distils from the bundled teacher with "Allow a weak teacher" ticked: its head is untrained, and
fine-tuning it first would double the test's time without exercising more of the UI.

Screenshots go to $WORKBENCH_SCREENSHOTS (e.g. docs/screenshots) when set, else to a temp folder.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from benchmarks.appserver import CHROMIUM_ARGS, browser_page, streamlit_app

pytestmark = pytest.mark.browser

HEADLINE = re.compile("The student (keeps|matches|scored higher than)")
SLOW = 120_000  # ms: model loads and training on a shared 2-core machine


@pytest.fixture
def server(tmp_path):
    try:
        with streamlit_app(tmp_path / "runs", tmp_path / "cache", tmp_path / "streamlit.log") as url:
            try:
                yield url, tmp_path / "runs"
            finally:
                _stop_runs(tmp_path / "runs")
    except RuntimeError as exc:  # the server did not start
        pytest.fail(str(exc))


def _stop_runs(root: Path) -> None:
    """Leave no training process behind, even when the test fails midway."""
    from workbench.runs import jobs

    if root.is_dir():
        for run_dir in jobs.active_runs(root):
            jobs.stop(run_dir)


def test_tiny_distillation_end_to_end(server, chromium_path, tmp_path):
    from playwright.sync_api import expect

    url, runs = server
    expect.set_options(timeout=SLOW)
    shots = Path(os.environ.get("WORKBENCH_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with browser_page(chromium_path, tmp_path / "failure.png", timeout_ms=SLOW) as page:
        _flow(page, url, runs, shots, expect)
    for name in ("setup", "temperature", "train-live", "train", "compare"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def _number(page, label: str, value: int, nth: int = 0) -> None:
    box = page.get_by_label(label, exact=True).nth(nth)
    box.fill(str(value))
    box.press("Enter")


def _wait_idle(page) -> None:
    """Streamlit shows a 'Running...' status widget while the script runs."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def _shot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main container, so grow the viewport."""
    _wait_idle(page)
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]', 'body']
            .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": 1440, "height": min(max(1000, height + 40), 9000)})
    page.wait_for_timeout(1200)  # plotly redraws at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


def _flow(page, url: str, runs: Path, shots: Path, expect) -> None:
    # ------------------------------------------------------------------ Setup
    # first request after the server starts is a page URL (a tab reloading after a restart): the page
    # must still come up under the app's navigation, not Streamlit's legacy pages/ folder mode
    page.goto(f"{url}/train")
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Temperature & alpha")).to_be_visible()
    page.get_by_role("link", name="Setup", exact=True).click()
    expect(page.get_by_role("heading", name="Setup")).to_be_visible()
    _number(page, "Training examples", 64)
    _wait_idle(page)
    _number(page, "Validation / test examples", 32)
    expect(page.locator("p", has_text=re.compile(r"64 training, 32 validation and 32 test examples"))).to_be_visible()
    page.get_by_role("button", name="Run the compatibility check").click()
    expect(page.get_by_text("Teacher, student and data fit together.")).to_be_visible()
    _wait_idle(page)
    _shot(page, shots / "setup.png")

    # ------------------------------------------------------------------ Temperature & alpha
    page.get_by_role("link", name="Temperature & alpha").click()
    expect(page.get_by_role("heading", name=re.compile(r"Class probabilities at T = 2"))).to_be_visible()
    slider = page.get_by_role("slider").first  # Temperature T: 2.0 -> 4.0 in steps of 0.5
    slider.focus()
    for _ in range(4):
        slider.press("ArrowRight")
    expect(page.get_by_role("heading", name=re.compile(r"Class probabilities at T = 4"))).to_be_visible()
    _wait_idle(page)
    _shot(page, shots / "temperature.png")

    # ------------------------------------------------------------------ Train
    page.get_by_role("link", name="Train", exact=True).click()
    expect(page.get_by_text("T = 4", exact=False).first).to_be_visible()
    _number(page, "Chart point every N steps", 1, nth=1)
    _wait_idle(page)
    # distillation column (the second of each): batch size 32 -> 8, max length 128 -> 64, two steps left each
    for label in ("Batch size", "Max length (tokens)"):
        thumb = page.get_by_test_id("stSlider").filter(has_text=label).nth(1).get_by_role("slider")
        for _ in range(2):
            thumb.focus()
            thumb.press("ArrowLeft")
            _wait_idle(page)
    page.get_by_test_id("stCheckbox").get_by_text("Allow a weak teacher").click()
    _wait_idle(page)
    page.get_by_role("button", name="Distil the student").click()
    # the live panel: polled by a fragment, no reload
    expect(page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True)).to_be_visible()
    # a second tab is a fresh session with nothing in session_state: it finds the run on disk
    run_id = next(runs.glob("*-distill-*")).name
    other = page.context.browser.new_page()  # its own context: no shared cookies or storage
    other.goto(f"{url}/train")
    expect(other.get_by_text(run_id).first).to_be_visible()
    other.close()
    seen: set[str] = set()
    deadline = time.time() + 150
    chart_seen_live = False
    while time.time() < deadline:
        live = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).count() > 0
        if live:
            bar = page.get_by_test_id("stProgress")
            if bar.count():
                seen.add(bar.first.inner_text())
            if page.locator(".js-plotly-plot").count():
                if not chart_seen_live:
                    page.screenshot(path=str(shots / "train-live.png"))
                chart_seen_live = True
        elif page.get_by_text("Nothing is training now").first.is_visible():
            break
        page.wait_for_timeout(500)
    expect(page.get_by_text("Nothing is training now")).to_be_visible()
    expect(page.get_by_text("Run finished.").first).to_be_visible()
    assert chart_seen_live, f"no live chart while running; progress texts seen: {seen}"
    assert len(seen) >= 2, f"the live panel never changed: {seen}"
    # success, or a warning when the headline has a caution (this run's teacher is untrained)
    expect(page.locator('[data-testid^="stAlertContent"]').filter(has_text=HEADLINE).first).to_be_visible()
    config = next(runs.glob("*-distill-*/config.yaml")).read_text()
    assert "temperature: 4.0" in config and "max_train_examples: 64" in config
    training = config.split("\ntraining:", 1)[1]
    assert "batch_size: 8" in training and "max_length: 64" in training and "log_every_steps: 1" in training
    _wait_idle(page)
    _shot(page, shots / "train.png")

    # ------------------------------------------------------------------ Compare
    page.get_by_role("link", name="Compare", exact=True).click()
    expect(page.locator('[data-testid^="stAlertContent"]').filter(has_text=HEADLINE).first).to_be_visible()
    page.get_by_label("A sentence to classify").fill("A warm, funny and moving film.")
    page.get_by_role("button", name="Classify with both models").click()
    expect(page.get_by_text(re.compile(r"Both models agree\.|The models disagree on this one\."))).to_be_visible()
    _wait_idle(page)
    _shot(page, shots / "compare.png")


@pytest.mark.slowish
def test_shared_report_opens_offline(chromium_path, tmp_path):
    """The HTML report draws its charts in a browser with the network off (plotly.js is inline)."""
    from playwright.sync_api import sync_playwright

    from tests.fakeruns import make_finished_distill
    from ui.report_html import build_html

    out = tmp_path / "report.html"
    out.write_text(build_html(make_finished_distill(tmp_path / "runs")), encoding="utf-8")
    asked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True)

        def only_the_file(route):
            asked.append(route.request.url)
            return route.continue_() if route.request.url.startswith("file:") else route.abort()

        context.route("**/*", only_the_file)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
        drawn = page.locator(".js-plotly-plot").count()
        browser.close()
    assert drawn >= 4 and not errors
    assert [u for u in asked if not u.startswith("file:")] == []


def test_small_sweep_from_the_experiments_page(server, chromium_path, tmp_path):
    """Start a 2-trial sweep on the Experiments page and see its heatmap and the students' Pareto chart."""
    from playwright.sync_api import expect

    url, runs = server
    expect.set_options(timeout=SLOW)
    shots = Path(os.environ.get("WORKBENCH_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with browser_page(chromium_path, tmp_path / "failure.png", timeout_ms=SLOW) as page:
        page.goto(url)
        expect(page.get_by_role("heading", name="Setup")).to_be_visible()
        _number(page, "Training examples", 64)
        _wait_idle(page)
        _number(page, "Validation / test examples", 32)
        _wait_idle(page)
        page.get_by_role("link", name="Train", exact=True).click()
        page.get_by_test_id("stCheckbox").get_by_text("Allow a weak teacher").click()
        _wait_idle(page)
        page.get_by_role("link", name="Experiments", exact=True).click()
        expect(page.get_by_role("heading", name="Start a sweep")).to_be_visible()
        for value in ("1.0", "4.0", "8.0", "0.25", "0.75", "1.0"):
            page.get_by_role("button", name=f"Remove {value}", exact=True).first.click()
            _wait_idle(page)
        _number(page, "Seeds per point", 1)
        expect(page.get_by_text("2 trials", exact=False).first).to_be_visible()
        page.get_by_role("button", name="Start the sweep").click()
        heat = page.locator(".js-plotly-plot .heatmaplayer")
        try:  # two trials, each loading and timing both models: minutes on a busy 2-core machine
            expect(heat.first).to_be_visible(timeout=480_000)
            expect(page.get_by_text("2 of 2 trials finished").first).to_be_visible(timeout=480_000)
        except AssertionError:
            logs = "\n".join(p.read_text(errors="replace")[-1500:] for p in runs.glob(".sweeps/*/log.txt"))
            raise AssertionError(f"the sweep did not finish on the page; its log:\n{logs}") from None
        expect(page.locator(".js-plotly-plot .gtitle", has_text="Students: accuracy vs latency")).to_be_visible()
        expect(page.get_by_text("Chosen on validation", exact=False)).to_be_visible()
        _shot(page, shots / "experiments.png")
    assert len(list(runs.glob("*-distill-*"))) == 2


def test_guided_first_run_end_to_end(server, chromium_path, tmp_path):
    """A newcomer's path: the guided box on Setup, its three steps on Train, then Compare with the baseline.

    On a reduced budget (64 training, 32 validation / test examples) the teacher stays near chance,
    so "Allow a weak teacher" is ticked first; the full-size story is benchmarks/first_run.py's.
    """
    from playwright.sync_api import expect

    url, runs = server
    expect.set_options(timeout=SLOW)
    shots = Path(os.environ.get("WORKBENCH_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with browser_page(chromium_path, tmp_path / "failure.png", timeout_ms=SLOW) as page:
        _guided_flow(page, url, runs, shots, expect, tmp_path)
    for name in ("setup", "train", "compare"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def _guided_flow(page, url: str, runs: Path, shots: Path, expect, tmp_path: Path) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="New here? Run the whole story")).to_be_visible()
    _number(page, "Training examples", 64)
    _wait_idle(page)
    _number(page, "Validation / test examples", 32)
    expect(page.locator("p", has_text=re.compile(r"64 training, 32 validation and 32 test examples"))).to_be_visible()
    page.get_by_role("link", name="Train", exact=True).click()
    page.get_by_test_id("stCheckbox").get_by_text("Allow a weak teacher").click()
    _wait_idle(page)
    page.get_by_role("link", name="Setup", exact=True).click()
    expect(page.get_by_text("Time: About", exact=False)).to_be_visible()
    _wait_idle(page)
    _shot(page, shots / "setup.png")
    page.get_by_role("button", name="Run the whole story (teacher, student, comparison)").click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    expect(page.get_by_text("Step 1/3", exact=False)).to_be_visible()
    expect(page.get_by_text("Step 3/3", exact=False)).to_be_visible()
    compare = page.get_by_role("button", name="Compare the student with and without the teacher")
    expect(compare).to_be_visible(timeout=420_000)
    assert len([d for d in runs.iterdir() if (d / "status.json").is_file()]) == 3
    _wait_idle(page)
    _shot(page, shots / "train.png")
    compare.click()
    expect(page.get_by_role("heading", name="Compare", exact=True)).to_be_visible()
    expect(page.locator('[data-testid^="stAlertContent"]').filter(has_text=HEADLINE).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Baseline: run \S+-baseline"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download a report to share (.html, about").click()
    saved = tmp_path / "report.html"
    download.value.save_as(saved)
    assert "<html" in saved.read_text(encoding="utf-8")[:500].lower()
    _wait_idle(page)
    _shot(page, shots / "compare.png")

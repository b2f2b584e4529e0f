"""In headless Chromium: pick the BiLSTM student on Setup, add augmented copies, read their cost.

Same set-up as tests/test_browser.py (a `streamlit run app.py` on a free port, Debian's Chromium
through Playwright); nothing trains. Screenshots go to $WORKBENCH_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from benchmarks.appserver import browser_page, streamlit_app

pytestmark = pytest.mark.browser

SLOW = 120_000  # ms: the first data load on a shared 2-core machine


@pytest.fixture
def server(tmp_path):
    try:
        with streamlit_app(tmp_path / "runs", tmp_path / "cache", tmp_path / "streamlit.log") as url:
            yield url
    except RuntimeError as exc:  # the server did not start
        pytest.fail(str(exc))


def _wait_idle(page) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def test_bilstm_with_augmented_copies_shows_the_cost(server, chromium_path, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=SLOW)
    shots = Path(os.environ.get("WORKBENCH_SCREENSHOTS") or tmp_path)
    with browser_page(chromium_path, tmp_path / "failure.png", height=1400, timeout_ms=SLOW) as page:
        page.goto(server)  # Setup is the default page
        expect(page.get_by_role("heading", name="Setup")).to_be_visible()
        box = page.get_by_label("Training examples", exact=True)
        box.fill("64")
        box.press("Enter")
        _wait_idle(page)
        page.get_by_text("A BiLSTM (Tang et al. 2019): tiny and fast").click()
        expect(page.get_by_text("Word vector size")).to_be_visible()
        expect(page.get_by_text(re.compile(r"About 434k parameters, 2% of the teacher's 22\.7M"))).to_be_visible()
        thumb = page.get_by_test_id("stSlider").filter(has_text="Augmented copies").get_by_role("slider")
        for _ in range(3):
            thumb.focus()
            thumb.press("ArrowRight")
            _wait_idle(page)
        expect(page.get_by_text(re.compile(r"192 extra texts: the teacher labels them once"))).to_be_visible()
        expect(page.get_by_text("each epoch takes about 4.0 times longer", exact=False)).to_be_visible()
        page.screenshot(path=str(shots / "setup-bilstm.png"), full_page=True)

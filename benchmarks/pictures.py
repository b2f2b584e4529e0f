"""Plotly figures as PNG pictures for the README, drawn by Debian's headless Chromium.

The figure is written as one HTML file with plotly.js inline (nothing is fetched) and the plot's
element is screenshotted: no kaleido, no Chrome download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plotly_png(fig: Any, path: Path, width: int = 640, height: int = 380) -> None:
    from playwright.sync_api import sync_playwright

    from benchmarks.appserver import CHROMIUM, CHROMIUM_ARGS

    html = path.with_suffix(".html")
    fig.update_layout(width=width, height=height)
    fig.write_html(str(html), include_plotlyjs=True, full_html=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width + 40, "height": height + 40})
            page.goto(html.as_uri())
            page.locator(".js-plotly-plot .main-svg").first.wait_for()
            page.wait_for_timeout(500)
            page.locator(".js-plotly-plot").first.screenshot(path=str(path))
            browser.close()
    finally:
        html.unlink(missing_ok=True)

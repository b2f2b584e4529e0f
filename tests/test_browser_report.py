"""The shared HTML report as a reader sees it, in headless Chromium, offline: no label of any chart is cut.

The report's charts are drawn outside Streamlit at fixed widths; with plotly's fixed 10-pixel margins the
confusion matrices' class names lost their first letters ("ative", "sitive"). The report is built in the
Streamlit server, whose plotly template (set on import of st.plotly_chart) has no automargin, unlike
plotly's own. The browser is the only place that knows the drawn text's size, so this test measures
every tick label and axis title there.
"""

from __future__ import annotations

import pytest
import yaml

from benchmarks.appserver import browser_page
from tests.fakeruns import make_finished_distill, write_events
from ui.report_html import build_html

pytestmark = pytest.mark.browser

# every tick label and axis title of every chart, with the svg it is drawn in
OUTSIDE = """() => {
  const out = [];
  document.querySelectorAll('.js-plotly-plot').forEach((plot, n) => {
    const svg = plot.querySelector('svg.main-svg').getBoundingClientRect();
    const labels = plot.querySelectorAll('g.xtick text, g.ytick text, .g-xtitle text, .g-ytitle text');
    labels.forEach(t => {
      const b = t.getBoundingClientRect();
      if (!t.textContent || b.width === 0) return;
      if (b.left < svg.left - 1 || b.right > svg.right + 1 || b.top < svg.top - 1 || b.bottom > svg.bottom + 1)
        out.push(`chart ${n}: "${t.textContent}" at ${Math.round(b.left)}..${Math.round(b.right)} x `
                 + `${Math.round(b.top)}..${Math.round(b.bottom)}, its svg ${Math.round(svg.left)}..`
                 + `${Math.round(svg.right)} x ${Math.round(svg.top)}..${Math.round(svg.bottom)}`);
    });
  });
  return out;
}"""


def _report(tmp_path) -> str:
    """A distillation with its baseline (three confusion matrices), training steps and one evaluation."""
    run = make_finished_distill(tmp_path)
    base = make_finished_distill(tmp_path, "20261127-110000-distill-demo-no-teacher")
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["distill"]["alpha"] = 0.0
    (base / "config.yaml").write_text(yaml.safe_dump(cfg))
    steps = [{"type": "step", "step": i, "loss": 1 / i, "loss_soft": 0.4, "loss_hard": 0.7} for i in range(1, 30)]
    write_events(run, steps + [{"type": "eval", "step": 29, "epoch": 1.0, "accuracy": 0.8, "macro_f1": 0.7}])
    return build_html(run)


def test_report_charts_keep_every_label_inside_the_chart(chromium_path, tmp_path, monkeypatch):
    import plotly.io as pio
    import streamlit.elements.plotly_chart  # noqa: F401  (registers the "streamlit" template)

    # built where the Compare page builds it: inside Streamlit, whose plotly template has no automargin
    monkeypatch.setattr(pio.templates, "default", "streamlit")
    html_file = tmp_path / "report.html"
    html_file.write_text(_report(tmp_path / "runs"), encoding="utf-8")
    with browser_page(chromium_path, tmp_path / "failure.png", timeout_ms=60_000) as page:
        page.goto(html_file.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 7")
        page.wait_for_timeout(500)  # automargin redraws once after the first layout
        charts = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
        ticks = page.evaluate("document.querySelectorAll('.js-plotly-plot g.ytick text').length")
        outside = page.evaluate(OUTSIDE)
    assert charts >= 7 and ticks > 0  # parameters, three confusion matrices, latency, loss, validation
    assert not outside, "\n".join(outside)

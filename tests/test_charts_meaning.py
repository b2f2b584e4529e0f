"""Charts that say what happened (issue 18 item 8): no teacher line without a teacher, one evaluation
shown as one, axes that fit their labels, a colour scale of shares inside 0–100%, no "true label" for
a sentence the user typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.fakeruns import make_finished_distill, make_run, write_events
from ui import charts
from ui.experiments import heatmap, share_scale
from ui.report_html import build_html
from ui.runview import RunCharts, teacher_signal
from workbench.sweeps import spread


def step(i: int) -> dict:
    # a baseline logs the KL to the teacher too: nonzero, and still no part of its loss
    return {"type": "step", "step": i, "epoch": i / 10, "loss": 0.7, "loss_soft": 0.4, "loss_hard": 0.7,
            "lr": 1e-4, "examples_per_s": 100.0, "elapsed_s": float(i), "eta_s": 1.0}  # fmt: skip


def evaluation(i: int, epoch: float, acc: float = 0.8) -> dict:
    return {"type": "eval", "step": i, "epoch": epoch, "accuracy": acc, "macro_f1": acc - 0.1}


def set_alpha(run: Path, alpha: float) -> None:
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["distill"]["alpha"] = alpha
    (run / "config.yaml").write_text(yaml.safe_dump(cfg))
    if (run / "report.json").exists():
        report = json.loads((run / "report.json").read_text())
        report["alpha"] = alpha
        (run / "report.json").write_text(json.dumps(report))


def loss_lines(figs) -> list[str]:
    return [t.name for t in figs["loss"].data]


# --------------------------------------------------------------------------- 1. no soft line without a teacher
def test_baseline_run_has_no_soft_line_although_it_logged_one(tmp_path):
    base = make_run(tmp_path, "base")
    set_alpha(base, 0.0)
    write_events(base, [step(i) for i in range(1, 11)])
    assert not teacher_signal(base, "distill")
    assert loss_lines(RunCharts(base, "distill").refresh()[2]) == ["total"]  # the total is the hard loss here

    distilled = make_run(tmp_path, "distilled")
    set_alpha(distilled, 0.5)
    write_events(distilled, [step(i) for i in range(1, 11)])
    assert teacher_signal(distilled, "distill")
    assert loss_lines(RunCharts(distilled, "distill").refresh()[2]) == ["total", "soft (teacher)", "hard (labels)"]

    teacher = make_run(tmp_path, "teacher", kind="teacher")
    write_events(teacher, [step(i) for i in range(1, 11)])
    assert not teacher_signal(teacher, "teacher")
    assert loss_lines(RunCharts(teacher, "teacher").refresh()[2]) == ["total"]


def test_at_alpha_zero_layer_losses_keep_the_hard_line_beside_the_total():
    rows = [{**step(i), "loss_hidden": 0.3} for i in range(1, 4)]
    names = [t.name for t in charts.loss_chart(rows, soft=False).data]
    assert names == ["total", "hard (labels)", "hidden states (teacher layers)"]


def _card(run_dir: str) -> None:
    import json as _json
    from pathlib import Path as _Path

    from ui.runview import render_run

    status = _json.loads((_Path(run_dir) / "status.json").read_text())
    render_run(_Path(run_dir), status, key="card")


def test_finished_baseline_card_explains_its_loss_without_a_soft_part(tmp_path):
    base = make_run(tmp_path, "20261127-110000-distill-base")
    set_alpha(base, 0.0)
    write_events(base, [step(i) for i in range(1, 11)] + [evaluation(10, 1.0)])
    at = AppTest.from_function(_card, args=(str(base),), default_timeout=30).run()
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "alpha = 0" in captions and "**soft** =" not in captions
    assert "Evaluated once, at the end of epoch 1 (step 10)" in captions


def test_live_card_says_more_evaluations_will_follow(tmp_path):
    run = make_run(tmp_path, "20261127-120000-distill-live", state="running")
    write_events(run, [step(i) for i in range(1, 11)] + [evaluation(10, 1.0)])
    at = AppTest.from_function(_card, args=(str(run),), default_timeout=30).run()
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "Evaluated once so far, at the end of epoch 1 (step 10)" in captions
    assert "**soft** =" in captions  # a distillation at the default alpha keeps its soft part


def test_report_draws_the_loss_chart_and_its_soft_line_only_with_alpha_above_zero(tmp_path):
    run = make_finished_distill(tmp_path)
    write_events(run, [step(i) for i in range(1, 11)] + [evaluation(10, 1.0)])
    page = build_html(run)
    assert "Training loss" in page and "soft (teacher)" in page and "Validation accuracy" in page
    set_alpha(run, 0.0)
    page = build_html(run)
    assert "Training loss" in page and "soft (teacher)" not in page


# --------------------------------------------------------------------------- 2. evaluations
def test_one_evaluation_is_a_labelled_marker_with_a_caption():
    evals = [{"step": 120, "epoch": 1.0, "accuracy": 0.8125, "macro_f1": 0.75}]
    fig = charts.accuracy_chart(evals)
    assert all("markers" in t.mode and "text" in t.mode for t in fig.data)
    assert [t.text[0] for t in fig.data] == ["accuracy 81.2%", "macro-F1 75.0%"]
    assert fig.layout.xaxis.range[0] == 0 and fig.layout.xaxis.range[1] > 120  # the axis starts at step 0
    assert charts.evaluation_caption(evals) == (
        "Evaluated once, at the end of epoch 1 (step 120): one measurement, not a curve."
    )
    assert charts.evaluation_caption([{"step": 60, "epoch": 0.5, "accuracy": 0.7}]).startswith(
        "Evaluated once, at step 60"
    )
    assert charts.evaluation_caption(evals, more_to_come=True) == (
        "Evaluated once so far, at the end of epoch 1 (step 120); the next evaluations join it into a line."
    )


def test_many_evaluations_are_markers_joined_by_lines():
    evals = [{"step": 10 * i, "epoch": i / 4, "accuracy": 0.5 + i / 400, "macro_f1": 0.4} for i in range(1, 101)]
    fig = charts.accuracy_chart(evals)
    assert [t.mode for t in fig.data] == ["lines+markers", "lines+markers"]  # 100 points: still every marker
    assert len(fig.data[0].x) == 100 and charts.evaluation_caption(evals) is None
    assert charts.accuracy_chart(evals[:3]).data[0].mode == "lines+markers"


def test_report_says_a_single_evaluation_is_one(tmp_path):
    run = make_finished_distill(tmp_path)
    write_events(run, [step(i) for i in range(1, 11)] + [evaluation(10, 1.0)])
    assert "Evaluated once, at the end of epoch 1 (step 10)" in build_html(run)
    write_events(run, [step(i) for i in range(1, 11)] + [evaluation(5, 0.5), evaluation(10, 1.0)])
    assert "Evaluated once" not in build_html(run)


# --------------------------------------------------------------------------- 3. axes grow to fit their labels
def test_every_axis_of_the_report_figures_grows_to_fit_its_labels():
    cm = [[5, 1], [2, 4]]
    figs = [
        charts.confusion(cm, ["negative", "positive"], "Teacher (test)"),
        charts.param_breakdown(
            {"embeddings": 10, "encoder": 20, "head": 2}, {"embeddings": 5, "encoder": 8, "head": 2}
        ),
        charts.latency({"batch_1": 10.0}, {"batch_1": 4.0}),
        charts.loss_chart([step(i) for i in range(1, 5)]),
        charts.accuracy_chart([{"step": 1, "accuracy": 0.8, "macro_f1": 0.7}]),
        charts.probability_bars(
            [{"example": "#0", "model": "teacher", "class": "positive", "probability": 0.7}], "probabilities"
        ),
    ]
    for fig in figs:
        axes = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
        assert axes and all(fig.layout[k].automargin is True for k in axes), fig.layout.title.text


# --------------------------------------------------------------------------- 4. colour scale of shares
def test_heatmap_colour_scale_never_runs_past_100_percent():
    one = heatmap([{"temperature": 1.0, "alpha": 0.0, "spread": spread([0.7])}]).data[0]
    assert 0 <= one.zmin < 0.7 < one.zmax <= 1.0  # plotly alone ran a single value's scale from 20% to 120%
    full = heatmap([{"temperature": 2.0, "alpha": 0.5, "spread": spread([1.0])}]).data[0]
    assert full.zmax == 1.0 and full.zmin < 1.0
    many = heatmap(
        [
            {"temperature": 1.0, "alpha": 0.0, "spread": spread([0.6])},
            {"temperature": 1.0, "alpha": 0.5, "spread": spread([0.9])},
        ]
    ).data[0]
    assert (many.zmin, many.zmax) == pytest.approx((0.6, 0.9))


def test_a_share_above_one_takes_the_top_colour_and_keeps_its_number():
    """A student that kept 104% of the teacher's accuracy: the scale stops at 100%, the cell says 104%."""
    assert share_scale([0.9, 1.04]) == {"zmin": 0.9, "zmax": 1.0}
    assert share_scale([1.04]) == pytest.approx({"zmin": 0.85, "zmax": 1.0})
    assert share_scale([]) == {}
    cell = heatmap([{"temperature": 1.0, "alpha": 0.5, "spread": spread([1.04])}]).data[0]
    assert cell.zmax == 1.0 and cell.z[0][0] == pytest.approx(1.04) and "104.0%" in cell.text[0][0]


# --------------------------------------------------------------------------- 5. a typed sentence has no true label
def test_typed_sentence_has_no_true_label():
    from tests.test_pages import MODEL_TIMEOUT, page

    at = page("temperature", timeout=MODEL_TIMEOUT).run()
    at.text_input(key="temp_typed").input("a wonderful, moving film").run()
    at.selectbox(key="temp_typed_label").set_value("positive").run()
    assert not at.exception
    assert "true" not in at.selectbox(key="temp_typed_label").label
    table = at.dataframe[0].value
    typed = table[table["example"] == "typed"].iloc[0]
    assert typed["true label"] == "– (typed by you; the loss used positive)"
    assert set(table[table["example"] != "typed"]["true label"]) <= {"negative", "positive"}


def test_report_figures_keep_plotly_colours_and_margins_when_built_inside_streamlit(tmp_path, monkeypatch):
    """The Compare page builds the report in the Streamlit server, whose default template leaves colours
    and margins to its web app: the file must not depend on it."""
    import plotly.io as pio
    import streamlit.elements.plotly_chart  # noqa: F401  (registers the "streamlit" template)

    monkeypatch.setattr(pio.templates, "default", "streamlit")
    run = make_finished_distill(tmp_path)
    write_events(run, [step(i) for i in range(1, 11)] + [evaluation(10, 1.0)])
    page = build_html(run)
    assert '"colorway":["#636efa"' in page and '"automargin":true' in page

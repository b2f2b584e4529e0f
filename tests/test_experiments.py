"""The Experiments page and what it reads: sentences, figures, the Pareto front, sweeps launched in the background."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.experiments import effect_sentence, heatmap, pareto_chart
from workbench.studio import pareto_front
from workbench.studio.pareto import dominates
from workbench.sweeps import PairedDifference, spread

ROOT = Path(__file__).resolve().parent.parent


def test_effect_sentences_say_what_the_interval_says():
    helped = effect_sentence(PairedDifference(3, 0.014, 0.008, 0.020))
    assert helped.startswith("distillation helped by 1.4 ± 0.6 points on validation") and "excludes 0" in helped
    hurt = effect_sentence(PairedDifference(3, -0.02, -0.03, -0.01))
    assert "hurt by 2.0" in hurt
    unsure = effect_sentence(PairedDifference(3, 0.004, -0.01, 0.018))
    assert unsure.startswith("no measurable effect") and "includes 0" in unsure
    assert "one seed" in effect_sentence(PairedDifference(1, 0.01, None, None))
    assert "reference" in effect_sentence(None)


def test_pareto_front_by_hand():
    pts = [
        {"accuracy": 0.80, "latency_ms": 10.0, "params": 10},  # on the front: the most accurate
        {"accuracy": 0.78, "latency_ms": 2.0, "params": 5},  # on the front: fastest and smallest
        {"accuracy": 0.77, "latency_ms": 3.0, "params": 6},  # dominated by the second
        {"accuracy": 0.80, "latency_ms": 10.0, "params": 12},  # dominated by the first (bigger, no better)
    ]
    assert pareto_front(pts) == [True, True, False, False]
    assert dominates(pts[1], pts[2]) and not dominates(pts[0], pts[1])
    fig = pareto_chart([{**p, "run": f"r{i}"} for i, p in enumerate(pts)], pareto_front(pts))
    assert len(fig.data) == 3  # dominated, front, the line joining the front


def test_heatmap_fills_the_alpha_zero_column_for_every_t():
    points = [
        {"temperature": 1.0, "alpha": 0.0, "spread": spread([0.80, 0.82])},
        {"temperature": 1.0, "alpha": 0.5, "spread": spread([0.83, 0.85])},
        {"temperature": 4.0, "alpha": 0.5, "spread": spread([0.81])},
    ]
    z = heatmap(points).data[0].z
    assert [list(r) for r in z] == [[pytest.approx(0.81), pytest.approx(0.84)], [pytest.approx(0.81), 0.81]]


def _page(cfg, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=timeout)
    at.session_state["wb_cfg"] = cfg
    return at


def test_start_is_disabled_with_a_reason_for_an_untrained_teacher():
    from ui.state import default_config

    cfg = default_config()
    cfg.teacher.source, cfg.allow_weak_teacher = "bundled", False
    at = _page(cfg).run()
    assert not at.exception
    button = next(b for b in at.button if b.label == "Start the sweep")
    assert button.disabled
    assert "fine-tune a teacher" in "\n".join(c.value for c in at.caption)


def test_start_launches_the_chosen_grid(monkeypatch, tiny_config):
    import workbench.sweeps as sweeps  # the face the page imports from (the page script runs anew each time)

    calls = []
    monkeypatch.setattr(
        sweeps,
        "launch_sweep",
        lambda cfg, study, root=None: calls.append((cfg, study)) or Path(root) / ".sweeps" / study,
    )
    at = _page(tiny_config).run()
    assert not at.exception
    at.multiselect(key="sw_t").set_value([1.0, 4.0])
    at.multiselect(key="sw_a").set_value([0.5])
    at.number_input(key="sw_seeds").set_value(2)
    at.run()
    assert "**6 trials**" in "\n".join(m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Start the sweep").click().run()
    assert len(calls) == 1
    cfg, study = calls[0]
    assert (cfg.sweep.temperatures, cfg.sweep.alphas, cfg.sweep.seeds) == ([1.0, 4.0], [0.5], 2)


@pytest.mark.slowish  # trains for seconds
def test_finished_sweep_shows_heatmap_leaderboard_and_frontier(tiny_config):
    from workbench.sweeps import study as sweep

    cfg = tiny_config
    cfg.name = "page"
    cfg.sweep.temperatures, cfg.sweep.alphas, cfg.sweep.seeds = [2.0], [0.5], 2
    cfg.training.epochs = 1
    root = Path(os.environ["WORKBENCH_RUNS_DIR"])
    sweep.start_sweep_here(cfg, "page", sweep.storage_url("", root), root)
    at = _page(cfg).run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    trace_types = [{t.get("type") for t in s["data"]} for s in specs]
    assert {"heatmap"} in trace_types
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert "Students: accuracy vs latency (size = parameters; diamonds = int8 copies)" in titles
    table = at.dataframe[0].value
    assert list(table["seeds"]) == [2, 2]
    assert any(c == "against labels alone" for c in table.columns)
    assert "Chosen on validation" in "\n".join(m.value for m in at.markdown)


def test_an_int8_copy_is_a_point_of_its_own_on_the_front():
    from workbench.studio.pareto import int8_point

    fp32 = {"run": "r1", "format": "pytorch", "accuracy": 0.80, "latency_ms": 2.0, "params": 1000}
    int8 = {"accuracy": {"validation": {"int8": 0.799, "fp32": 0.80}}, "latency_ms": {"batch_1": 0.7}, "size_bytes": 9}
    point = int8_point(fp32, int8, "validation")
    assert point == {**fp32, "format": "int8", "accuracy": 0.799, "latency_ms": 0.7, "size_bytes": 9}
    assert int8_point(fp32, {}, "validation") is None
    assert pareto_front([fp32, point]) == [True, True]  # faster but a little less accurate: both worth choosing
    fig = pareto_chart([fp32, point], [True, True])
    symbols = [s for trace in fig.data if trace.marker.symbol is not None for s in trace.marker.symbol]
    assert sorted(symbols) == ["circle", "diamond"]

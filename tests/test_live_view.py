"""The live panel's reading path: incremental metrics, thinned series, figures shared until new events."""

from __future__ import annotations

import json

from tests.fakeruns import write_events
from ui.runview import RunCharts
from ui.summary import thin
from workbench.runs import MetricsTail, read_metrics


def step(i: int) -> dict:
    return {"type": "step", "step": i, "loss": 1.0 / i, "loss_soft": 0.5, "loss_hard": 0.7, "lr": 1e-4,
            "examples_per_s": 100.0, "elapsed_s": float(i), "eta_s": 10.0}  # fmt: skip


def test_tail_reads_only_complete_new_lines(tmp_path):
    tail = MetricsTail(tmp_path)
    assert not tail.update() and tail.events == []  # no file yet
    write_events(tmp_path, [step(1), step(2)])
    assert tail.update() and [e["step"] for e in tail.events] == [1, 2]
    assert not tail.update()  # nothing new
    with open(tmp_path / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(step(3)) + "\n" + json.dumps(step(4))[:20])  # step 4 half written
    assert tail.update() and [e["step"] for e in tail.events] == [1, 2, 3]
    with open(tmp_path / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(step(4))[20:] + "\n")
    assert tail.update() and [e["step"] for e in tail.events] == [1, 2, 3, 4]
    assert read_metrics(tmp_path) == tail.events


def test_tail_starts_over_when_the_file_is_replaced(tmp_path):
    """Resume rewinds metrics.jsonl by writing a new file: the tail must not keep the dropped steps."""
    write_events(tmp_path, [step(i) for i in range(1, 6)])
    tail = MetricsTail(tmp_path)
    tail.update()
    tmp = tmp_path / "new.jsonl"
    tmp.write_text("".join(json.dumps(step(i)) + "\n" for i in (1, 2, 3, 97, 98, 99)))
    tmp.replace(tmp_path / "metrics.jsonl")  # longer than before: only the new inode tells
    assert tail.update()
    assert [e["step"] for e in tail.events] == [1, 2, 3, 97, 98, 99]


def test_thin_bounds_points_and_keeps_both_ends():
    rows = [{"step": i} for i in range(1, 3001)]
    out = thin(rows, max_points=400)
    assert len(out) <= 401 and out[0]["step"] == 1 and out[-1]["step"] == 3000
    assert thin(rows[:50], max_points=400) == rows[:50]


def test_run_charts_rebuild_only_when_events_arrive(tmp_path):
    write_events(
        tmp_path, [step(i) for i in range(1, 3001)] + [{"type": "eval", "step": 3000, "accuracy": 0.8, "macro_f1": 0.7}]
    )
    charts = RunCharts(tmp_path, "distill")
    events, series, figs = charts.refresh()
    assert len(events) == 3001 and set(figs) == {"loss", "acc", "lr", "speed"}
    assert [t.name for t in figs["loss"].data] == ["total", "soft (teacher)", "hard (labels)"]
    assert max(len(t.x) for t in figs["loss"].data) <= 201  # what each browser receives stays small
    assert charts.refresh()[2] is figs  # no new events: the same figures, not rebuilt
    with open(tmp_path / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(step(3001)) + "\n")
    events2, series2, figs2 = charts.refresh()
    assert figs2 is not figs and series2["steps"][-1]["step"] == 3001 and figs2["loss"].data[0].x[-1] == 3001


def test_live_charts_are_redrawn_at_most_every_min_redraw_s(tmp_path):
    """Staggered polls of a busy run reuse recent figures; the numbers still come from the newest events."""
    write_events(tmp_path, [step(1), step(2)])
    charts = RunCharts(tmp_path, "teacher")
    _, _, figs = charts.refresh(min_redraw_s=60)
    assert [t.name for t in figs["loss"].data] == ["total"]
    with open(tmp_path / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(step(3)) + "\n")
    events, _, figs2 = charts.refresh(min_redraw_s=60)
    assert events[-1]["step"] == 3 and figs2 is figs  # drawn less than a minute ago: kept
    _, _, figs3 = charts.refresh(min_redraw_s=0)
    assert figs3 is not figs and list(figs3["loss"].data[0].x) == [1, 2, 3]


def test_run_charts_redraw_after_a_rewind_to_the_same_length(tmp_path):
    """Resume rewrites metrics.jsonl; a new file with as many events as before must still be redrawn."""
    write_events(tmp_path, [step(1), step(2)])
    charts = RunCharts(tmp_path, "teacher")
    charts.refresh()
    rewound = tmp_path / "rewound.jsonl"
    rewound.write_text(json.dumps(step(1)) + "\n" + json.dumps({**step(2), "loss": 0.123}) + "\n")
    rewound.replace(tmp_path / "metrics.jsonl")
    _, series, figs = charts.refresh()
    assert series["steps"][-1]["loss"] == 0.123 and list(figs["loss"].data[0].y)[-1] == 0.123

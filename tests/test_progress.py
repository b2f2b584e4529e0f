"""Progress events of the long phases (teacher answers, evaluation, speed) and their throttle."""

from __future__ import annotations

import importlib

import pytest

from workbench.core.progress import Progress
from workbench.runs import execute, prepare_run_dir, read_metrics

# the module, not the face's `progress` function of the same name
progress_mod = importlib.import_module("workbench.core.progress")


def test_progress_is_throttled_to_one_event_a_second_plus_the_last(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(progress_mod.time, "perf_counter", lambda: clock[0])
    events = []
    p = Progress(events.append, "teacher_logits", split="train")
    for done in range(1, 11):  # 10 batches, 0.3 s apart: 3 s in all
        clock[0] += 0.3
        p(done * 8, 80)
    assert [e["done"] for e in events] == [8, 40, 72, 80]  # first (0.3 s), 1.2 s and 2.4 s later, then the last
    assert events[-1]["total"] == 80 and events[-1]["eta_s"] == 0.0 and events[-1]["split"] == "train"
    assert events[0]["eta_s"] == pytest.approx(0.3 / 8 * 72)  # elapsed / done * left


def test_several_processes_count_the_whole_split():
    events = []
    p = Progress(events.append, "evaluating", every_s=0.0, scale=2, whole=9)
    p(2, 5)  # this rank's 2 of its 5: about 4 of 9 over both
    p(5, 5)
    assert [(e["done"], e["total"]) for e in events] == [(4, 9), (9, 9)]


@pytest.mark.slowish
def test_a_run_logs_progress_of_teacher_answers_evaluation_and_speed(tiny_config):
    tiny_config.training.epochs = 1
    tiny_config.training.eval_batch_size = 2  # several batches a split
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    events = [e for e in read_metrics(run_dir) if e.get("type") == "progress"]
    for phase, key in (("teacher_logits", "split"), ("evaluating", "split"), ("speed", None)):
        mine = [e for e in events if e["phase"] == phase]
        groups = {e.get(key) for e in mine} if key else {None}
        assert mine and (key is None or groups == ({"validation", "train", "test"} if phase == "teacher_logits"
                                                   else {"validation", "test"})), phase  # fmt: skip
        for g in groups:
            seq = [e for e in mine if key is None or e[key] == g]
            assert all(0 < e["done"] <= e["total"] for e in seq), phase
            assert seq[-1]["done"] == seq[-1]["total"], (phase, g)
    speed = [e for e in events if e["phase"] == "speed"]
    assert speed[-1]["total"] == 2 * 5 and speed[-1]["unit"] == "rounds"  # 2 batch sizes x 5 rounds


def test_the_run_panel_shows_the_current_phase_as_n_of_n_with_time_left():
    from ui import summary

    status = {"state": "running", "phase": "teacher_logits_start"}
    events = [
        {"type": "phase", "phase": "loading"},
        {"type": "phase", "phase": "teacher_logits_start", "split": "train", "examples": 8000},
        {"type": "progress", "phase": "teacher_logits", "done": 1200, "total": 8000, "eta_s": 40.0, "split": "train",
         "unit": "examples"},
    ]  # fmt: skip
    p = summary.progress(status, events)
    assert p["text"] == "Computing the teacher's answers (training data): 1,200 of 8,000 examples, about 40 s left"
    assert p["fraction"] == 0.15 and p["eta_s"] == 40.0
    # a new phase after it: that progress is over, the bar no longer shows it
    later = summary.progress(
        {"state": "running", "phase": "training"}, [*events, {"type": "phase", "phase": "training"}]
    )
    assert "1,200" not in later["text"] and later["fraction"] == 0.0
    speed = {"type": "progress", "phase": "speed", "done": 3, "total": 10, "eta_s": 7.0, "unit": "rounds"}
    evaluating = summary.progress({"state": "running", "phase": "evaluating"}, [*events, speed])
    assert evaluating["text"] == "Measuring speed: 3 of 10 rounds, about 7.0 s left" and evaluating["fraction"] == 0.3


def test_progress_events_do_not_rebuild_the_live_charts(tmp_path):
    import json

    from ui.runview import RunCharts

    lines = [{"type": "phase", "phase": "training"}, {"type": "step", "step": 1, "loss": 1.0, "lr": 0.1}]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))
    charts = RunCharts(tmp_path, "distill")
    figs = charts.refresh()[2]
    with open(tmp_path / "metrics.jsonl", "a") as f:
        f.write(json.dumps({"type": "progress", "phase": "evaluating", "done": 2, "total": 9}) + "\n")
    events, _, again = charts.refresh()
    assert events[-1]["type"] == "progress" and again is figs

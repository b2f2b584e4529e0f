"""The label-efficiency curve: its configs, a real background curve on tiny models, and the page section.

The curve is chained runs (teacher, then a student waiting for it) per budget and seed, read back from
the run folders; the benchmark builds the same configs, so a drift between the two would show here.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fakeruns import make_run
from workbench.config import load_config
from workbench.runs import (
    curve_configs,
    curve_rows,
    curve_summary,
    guided_group,
    launch_curve,
    list_curves,
    read_status,
    refresh,
    write_status,
)

ROOT = Path(__file__).resolve().parents[1]


def test_a_budget_sets_the_few_label_recipe_on_both_runs(tiny_config):
    teacher, student = curve_configs(tiny_config, 16, 43, group="label-curve-x", teacher_dir="/runs/t")
    assert (teacher.data.labels_per_class, teacher.data.unlabelled_pool) == (16, "rest-of-train")
    assert teacher.few_labels.teacher_method == "setfit"
    assert teacher.seed == teacher.data.seed == student.seed == student.data.seed == 43
    assert (teacher.group, teacher.role, student.group, student.role) == (
        "label-curve-x",
        "teacher",
        "label-curve-x",
        "distilled",
    )
    assert teacher.after is None and student.after == "/runs/t"
    assert (student.teacher.source, student.teacher.name) == ("run", "/runs/t")
    assert student.data == teacher.data  # the student sees the teacher's labelled few and pool
    assert tiny_config.data.labels_per_class is None  # the base config is left as it was


def test_every_label_is_the_ordinary_recipe(tiny_config):
    teacher, _ = curve_configs(tiny_config, None, 42)
    assert teacher.data.labels_per_class is None and teacher.data.unlabelled_pool is None
    assert teacher.few_labels.teacher_method == "finetune"
    assert teacher.group.startswith("label-curve-")


def test_a_base_config_pointing_at_a_teacher_run_trains_from_that_run_s_model(tiny_config, tmp_path):
    first, _ = curve_configs(tiny_config, 16, 42)
    run = tmp_path / "teacher-run"
    run.mkdir()
    from workbench.config import dump_config

    dump_config(first, run / "config.yaml")
    tiny_config.teacher.source, tiny_config.teacher.name = "run", str(run)
    teacher, _ = curve_configs(tiny_config, 16, 42)
    assert (teacher.teacher.source, teacher.teacher.name) == ("local", first.teacher.name)


def _wait(root: Path, group: str, timeout: float = 600) -> None:
    """Until the curve has ended; all along, at most one of its runs has a live process (one driver
    starts them in turn: no pile of waiting processes)."""
    from workbench.runs.processes import process_alive

    deadline = time.time() + timeout
    while time.time() < deadline:
        curve = next(c for c in list_curves(root) if c["group"] == group)
        if not curve["active"]:
            return
        statuses = [refresh(run) for run in root.iterdir() if (run / "status.json").exists()]
        assert sum(process_alive(s) for s in statuses) <= 1
        time.sleep(0.5)
    raise AssertionError("the curve's runs did not end")


@pytest.mark.slowish  # four tiny runs in the background
def test_a_curve_runs_in_the_background_and_reads_back(tiny_config, tmp_path):
    tiny_config.few_labels.pair_iterations = 2
    tiny_config.teacher_training.epochs = tiny_config.training.epochs = 1
    root = tmp_path / "runs"
    group = launch_curve(tiny_config, [None, 8], 1, root)
    _wait(root, group)
    rows = curve_rows(group, root)
    assert [(r["budget"], r["seed"]) for r in rows] == [("8", 42), ("all", 42)]  # budgets ascending, "all" last
    for r in rows:
        assert (r["teacher_state"], r["student_state"]) == ("finished", "finished"), r
        assert 0 <= r["teacher_test"] <= 1 and 0 <= r["student_test"] <= 1
        assert r["student_kept"] == pytest.approx(r["student_test"] / r["teacher_test"])
    few = next(run for run in root.iterdir() if run.name.endswith("-8-s42-student"))
    cfg = load_config(few / "config.yaml")
    assert cfg.data.labels_per_class == 8 and Path(cfg.teacher.name).name.endswith("-8-s42-teacher")
    report = json.loads((few / "report.json").read_text())
    assert report["transfer"]["unlabelled"] > 0  # the pool, labelled by the few-label teacher
    summary = curve_summary(rows)
    assert [p["budget"] for p in summary] == ["8", "all"] and all(p["seeds"] == 1 for p in summary)
    assert guided_group(root) == {}  # a curve is not a guided first run


def test_a_run_stopped_before_its_turn_never_starts_and_its_student_says_why(tiny_config, tmp_path):
    from workbench.runs import label_curve

    root = tmp_path / "runs"
    plan = label_curve.prepare_curve(tiny_config, [8], 1, root)
    teacher_dir, student_dir = (Path(r["run_dir"]) for r in json.loads(plan.read_text())["runs"])
    group = json.loads(plan.read_text())["group"]
    assert [r["teacher_state"] for r in curve_rows(group, root)] == ["queued"]  # the whole curve shows at once
    assert read_status(student_dir)["queued_since"]  # the Train page says "waiting", not "starting"
    label_curve.stop_curve(group, root)  # nothing runs yet: both get a STOP file, no process is signalled
    assert label_curve.drive(plan) == 2
    assert read_status(teacher_dir)["state"] == read_status(student_dir)["state"] == "stopped"
    assert not (teacher_dir / "report.json").exists()


def test_runs_left_by_a_dead_driver_end_failed_with_one_line(tiny_config, tmp_path):
    import subprocess

    from workbench.runs import label_curve

    root = tmp_path / "runs"
    plan = label_curve.prepare_curve(tiny_config, [8, None], 1, root)
    gone = subprocess.Popen(["true"])
    gone.wait()
    label_curve.note_driver(plan, gone.pid)
    curves = list_curves(root)
    assert curves[0]["active"] == 0
    for r in json.loads(plan.read_text())["runs"]:
        status = read_status(Path(r["run_dir"]))
        assert (
            status["state"] == "failed" and status["error"] == "the label curve's process ended before this run's turn"
        )


def test_the_cli_refuses_bad_budgets_in_one_line(capsys):
    from workbench.cli import main

    assert main(["label-curve", "--budgets", "16,lots"]) == 2
    assert (
        capsys.readouterr().err.strip() == "error: --budgets must be numbers or 'all', comma-separated; got '16,lots'"
    )


def _fake_curve(root: Path, group: str) -> None:
    """A finished point (16 labels, seed 42) and one still training (every label), written by hand."""
    from workbench.config import dump_config

    points = [("16", "finished", "finished", 0.7, 0.68), ("all", "running", "queued", None, None)]
    for i, (budget, t_state, s_state, t_acc, s_acc) in enumerate(points):
        for kind, role, who, state, acc in (
            ("teacher", "teacher", "teacher", t_state, t_acc),
            ("distill", "distilled", "student", s_state, s_acc),
        ):
            d = make_run(
                root, f"20261204-10{i}{int(kind == 'distill')}00-{kind}-curve-{budget}", kind=kind, state=state
            )
            cfg = load_config(d / "config.yaml")
            cfg.data.labels_per_class = None if budget == "all" else int(budget)
            dump_config(cfg, d / "config.yaml")
            write_status(d, group=group, role=role)
            if acc is not None:
                (d / "report.json").write_text(json.dumps({"kind": kind, who: {"test": {"accuracy": acc}}}))


def test_the_page_draws_a_curve_from_run_folders(tiny_config):
    root = Path(os.environ["WORKBENCH_RUNS_DIR"])
    _fake_curve(root, "label-curve-20261204-000000-abcd")
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60)
    at.session_state["wb_cfg"] = tiny_config
    at.run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    curve = next(s for s in specs if s["layout"]["title"]["text"] == "Test accuracy by labels per class")
    means = [t for t in curve["data"] if t["name"].endswith("(mean)")]
    assert [t["y"] for t in means] == [[0.7], [0.68]]
    table = next(d.value for d in at.dataframe if "labels per class" in d.value.columns)
    assert list(table["labels per class"]) == ["16", "all"]
    assert list(table["teacher"]) == ["finished", "running"]
    assert list(table["teacher test"]) == ["70.0%", "–"] and list(table["student keeps"]) == ["97.1%", "–"]
    assert "1 of 2 points finished" in at.get("progress")[0].proto.text
    pick = at.selectbox(key="lc_pick")
    assert pick.format_func(pick.value) == "started 2026-12-04 00:00 (abcd)"
    at.button(key="lc_stop").click().run()  # the unfinished point's runs are asked to stop; the finished are left
    assert sorted(p.parent.name.split("-curve-")[1] for p in root.glob("*/STOP")) == ["all", "all"]


def test_the_start_button_queues_the_chosen_budgets(monkeypatch, tiny_config):
    calls = []
    fake = lambda cfg, budgets, seeds, root=None: calls.append((budgets, seeds)) or "label-curve-z"  # noqa: E731
    monkeypatch.setattr("ui.label_curve.launch_curve", fake)
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60)
    at.session_state["wb_cfg"] = tiny_config
    at.run()
    at.multiselect(key="lc_budgets").set_value(["64", "all"])
    at.number_input(key="lc_seeds").set_value(3)
    at.run()
    assert "**12 runs**" in "\n".join(m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Run the label curve").click().run()
    assert calls == [([64, None], 3)]


@pytest.mark.slowish  # two tiny runs in this process
def test_the_benchmark_measures_a_point_with_the_page_s_configs(tiny_config, tmp_path, monkeypatch):
    """benchmarks.few_labels builds its runs with curve_configs (on the first-run preset, here the tiny
    config): the labelled few, the pool labelled by the teacher, SetFit pairs, the row's numbers."""
    import argparse
    import copy

    import benchmarks.few_labels as bench
    import workbench.config as config

    monkeypatch.setattr(config, "preset", lambda name: copy.deepcopy(tiny_config))
    knobs = argparse.Namespace(pair_iterations=2, pool_max=None, threads=1)
    row = bench.run_budget("8", 42, False, tmp_path, knobs)
    assert row["labelled_examples"] == 16  # 8 per class, 2 classes
    assert row["transfer_examples"] > 0  # the rest of train, labelled by the few-label teacher
    assert row["contrastive"]["method"] == "setfit" and row["contrastive"]["pairs"] == 16 * 2 * 2
    assert row["student_kept"] == pytest.approx(row["student_test"] / row["teacher_test"])
    assert (tmp_path / "teacher-8-42" / "model").is_dir() and (tmp_path / "student-8-42" / "model").is_dir()


@pytest.mark.slowish  # two tiny runs
def test_the_cli_runs_a_curve_in_the_foreground(tiny_config, tmp_path, capsys):
    from workbench.cli import main
    from workbench.config import dump_config

    tiny_config.few_labels.pair_iterations = 1
    tiny_config.teacher_training.epochs = tiny_config.training.epochs = 1
    dump_config(tiny_config, tmp_path / "tiny.yaml")
    assert main(["label-curve", str(tmp_path / "tiny.yaml"), "--budgets", "8", "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert "teacher: " in out and "distill: " in out
    assert re.search(
        r"^8 labels per class \(1 seed\(s\)\): teacher 0\.\d{3}, student 0\.\d{3} \(\d+\.\d% of the teacher\)$",
        out,
        re.M,
    ), out
    runs = list_curves(Path(os.environ["WORKBENCH_RUNS_DIR"]))
    assert len(runs) == 1 and runs[0]["runs"] == 2 and runs[0]["active"] == 0

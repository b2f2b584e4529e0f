"""The guided first run in the UI and the hand-offs between steps (AppTest, fake run folders)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import yaml
from streamlit.testing.v1 import AppTest

import workbench.runs.guided
import workbench.runs.jobs
from tests.fakeruns import make_finished_distill, make_run, model_summary
from tests.test_pages import MODEL_TIMEOUT, ROOT, page, texts, tiny_config
from ui.guided import estimate_text
from workbench.config import to_dict
from workbench.runs import best_teacher_run, first_run_wall_seconds, write_status


def alive() -> dict:
    me = psutil.Process(os.getpid())
    return {"pid": me.pid, "pid_created": me.create_time()}


def make_teacher(root: Path, run_id: str, val: float, cfg=None, state: str = "finished", **status) -> Path:
    """A finished teacher run with a saved model, trained on `cfg`'s data (tiny_config's by default)."""
    d = make_run(root, run_id, kind="teacher", state=state, **status)
    cfg = cfg or tiny_config()
    (d / "config.yaml").write_text(yaml.safe_dump(to_dict(cfg)), encoding="utf-8")
    teacher = model_summary(val, 2000, 14.0, [[2, 0], [1, 1]])
    teacher["validation"]["accuracy"] = val
    report = {"kind": "teacher", "state": state, "data": {"sizes": {"train": 64}}, "teacher": teacher}
    (d / "report.json").write_text(json.dumps(report))
    (d / "model").mkdir()
    (d / "model" / "config.json").write_text("{}")
    return d


def app(cfg=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = cfg or tiny_config()
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


# --------------------------------------------------------------------------- engine facts


def test_best_teacher_is_the_best_on_this_data_not_the_newest(runs_dir):
    cfg = tiny_config()
    other = tiny_config()
    other.data.max_train_examples = 3
    make_teacher(runs_dir, "20261127-090000-teacher-good", 0.81, cfg)
    make_teacher(runs_dir, "20261127-100000-teacher-worse", 0.70, cfg)
    make_teacher(runs_dir, "20261127-110000-teacher-three", 0.95, other)  # newest, other data
    make_teacher(runs_dir, "20261127-120000-teacher-smoke", 0.0, cfg, state="failed")
    assert best_teacher_run(cfg.data)["id"] == "20261127-090000-teacher-good"
    assert best_teacher_run(other.data)["id"] == "20261127-110000-teacher-three"
    cfg.data.max_eval_examples = 7
    assert best_teacher_run(cfg.data) is None


def test_estimate_says_how_long_before_it_starts(runs_dir, monkeypatch, tmp_path):
    import json

    import ui.guided

    # measured on this machine: scaled to the training examples
    assert estimate_text(1000, (600.0, 2000)).startswith("About **5 min 00 s**")
    # nothing run here yet: the project's benchmark figure (an idle machine), scaled to the examples
    bench = tmp_path / "first_run.json"
    bench.write_text(json.dumps({"minutes": 4.6, "data_sizes": {"train": 10000}}))
    monkeypatch.setattr(ui.guided, "MEASURED", bench)
    text = estimate_text(None, None)
    assert "4-5 minutes" in text and "measured 4.6 minutes" in text and "busy" in text
    assert "1-2 minutes" in estimate_text(64, None)  # models still load and evaluate whatever the size
    # measured with native bf16, shown on a machine without it: up to three times as long, and said why
    bench.write_text(
        json.dumps({"minutes": 2.6, "data_sizes": {"train": 10000}, "machine": "2 CPU cores, native bf16"})
    )
    monkeypatch.setattr(ui.guided, "cpu_has_native_bf16", lambda: False)
    text = estimate_text(None, None)
    assert "2-8 minutes" in text and "native bf16, which this one lacks" in text
    monkeypatch.setattr(ui.guided, "cpu_has_native_bf16", lambda: True)
    assert "2-3 minutes" in estimate_text(None, None) and "lacks" not in estimate_text(None, None)
    # no benchmark file: the derived figure, said to be an estimate
    monkeypatch.setattr(ui.guided, "MEASURED", tmp_path / "missing.json")
    assert "estimate" in estimate_text(None, None)
    # a finished guided run on this machine is what the estimate comes from
    for i, role in enumerate(("teacher", "distilled", "baseline")):
        d = make_teacher(runs_dir, f"20261127-10000{i}-x-{role}", 0.8, group="g1", role=role)
        write_status(d, started=1000.0 + 100 * i, ended=1100.0 + 100 * i)
    assert first_run_wall_seconds() == (300.0, 64)


# --------------------------------------------------------------------------- Setup


def test_setup_guided_button_launches_the_three_runs_and_opens_train(runs_dir, monkeypatch):
    calls = []

    def fake_launch(cfg, root=None):
        calls.append((cfg, root))
        return {r: runs_dir / f"none-{r}" for r in ("teacher", "distilled", "baseline")}

    monkeypatch.setattr(workbench.runs.guided, "launch_first_run", fake_launch)
    at = app().run()
    assert not at.exception
    assert "New here? Run the whole story" in texts(at.subheader)
    said = texts(at.markdown)
    assert "Fine-tune the teacher" in said and "without the teacher" in said and "Compare" in said
    assert "Time: About" in said and "minute" in said
    start = button(at, "Run the whole story (teacher, student, comparison)")
    assert start.proto.type == "primary"
    start.click().run()
    assert not at.exception
    (cfg, root), *_ = calls
    assert cfg is not at.session_state["wb_cfg"] and cfg.data.max_train_examples == 64
    assert root == runs_dir.resolve() or root == runs_dir
    assert at.title[0].value == "Train"


def test_setup_guided_box_gone_once_a_teacher_is_fine_tuned(runs_dir):
    make_teacher(runs_dir, "20261127-090000-teacher-good", 0.81)
    at = page("setup", timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    assert "New here? Run the whole story" not in texts(at.subheader)


def test_setup_teacher_picker_defaults_to_the_best_teacher(runs_dir):
    good = make_teacher(runs_dir, "20261127-090000-teacher-good", 0.81)
    make_teacher(runs_dir, "20261127-110000-teacher-newest", 0.0)
    cfg = tiny_config()
    cfg.teacher.source, cfg.teacher.name = "run", ""
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    assert at.selectbox(key="setup_teacher_run").value == str(good)


# --------------------------------------------------------------------------- Train


def guided_runs(runs_dir: Path, finished: bool) -> dict[str, Path]:
    t = make_teacher(runs_dir, "20261127-100000-teacher-first-run-teacher", 0.82, group="g", role="teacher")
    if finished:
        d = make_finished_distill(runs_dir, "20261127-100001-distill-first-run-distilled")
        b = make_finished_distill(runs_dir, "20261127-100002-distill-first-run-baseline")
        write_status(d, group="g", role="distilled")
        write_status(b, group="g", role="baseline")
    else:
        label = f"the teacher run {t.name}"
        d = make_run(
            runs_dir,
            "20261127-100001-distill-first-run-distilled",
            state="queued",
            group="g",
            role="distilled",
            waiting_for=str(t),
            waiting_for_label=label,
            **alive(),
        )
        b = make_run(
            runs_dir,
            "20261127-100002-distill-first-run-baseline",
            state="queued",
            group="g",
            role="baseline",
            **alive(),
        )
    return {"teacher": t, "distilled": d, "baseline": b}


def test_train_shows_the_guided_steps_and_what_a_run_waits_for(runs_dir):
    dirs = guided_runs(runs_dir, finished=False)
    at = page("train").run()
    assert not at.exception
    said = texts(at.markdown)
    assert "**Step 1/3 · Fine-tune the teacher**: finished" in said
    assert (
        f"**Step 2/3 · Distil the student from it**: waiting for the teacher run {dirs['teacher'].name} to finish"
        in said
    )
    assert "**Step 3/3 · Train the same student without the teacher**: waiting" in said
    assert not [b for b in at.button if b.label.startswith("Compare the student")]


def test_finished_guided_run_offers_compare_with_the_distilled_run(runs_dir):
    dirs = guided_runs(runs_dir, finished=True)
    at = app().run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    go = button(at, "Compare the student with and without the teacher")
    assert go.proto.type == "primary"
    go.click().run()
    assert not at.exception
    assert at.title[0].value == "Compare"
    assert at.selectbox(key="cmp_run").value == dirs["distilled"].name


def test_a_run_that_ends_stays_the_one_shown(runs_dir):
    live = make_run(runs_dir, "20261127-120000-distill-live", state="running", phase="training", **alive())
    at = page("train").run()
    assert "Nothing is training now" not in texts(at.info)
    write_status(live, state="stopped", ended=1.0)
    at.run()
    at.run()
    assert not at.exception
    assert "This is the last run you watched" in texts(at.caption)
    assert any(live.name in m for m in texts(at.markdown).splitlines())


def test_use_this_teacher_hands_the_teacher_to_distillation(runs_dir, monkeypatch):
    launched = []
    monkeypatch.setattr(
        workbench.runs.jobs, "launch", lambda cfg, kind, root=None: launched.append((cfg, kind)) or runs_dir / "x"
    )
    teacher = make_teacher(runs_dir, "20261127-090000-teacher-good", 0.81)
    at = page("train").run()
    # bundled teacher selected: fine-tune is the next step, distilling is disabled with a plain reason
    assert button(at, "Fine-tune the teacher").proto.type == "primary"
    distil = button(at, "Distil the student")
    assert distil.disabled and distil.proto.type == "secondary"
    warning = texts(at.warning)
    assert "has not learned this task yet" in warning and "--" not in warning
    # the history's finished teacher run hands itself over
    at.selectbox(key="hist_open").set_value(teacher.name).run()
    use = next(b for b in at.button if b.key == "use_teacher_hist")
    assert use.proto.type == "primary"
    use.click().run()
    assert not at.exception
    cfg = at.session_state["wb_cfg"]
    assert cfg.teacher.source == "run" and cfg.teacher.name == str(teacher)
    assert "untrained" not in texts(at.warning) and "has not learned" not in texts(at.warning)
    distil = button(at, "Distil the student")
    assert not distil.disabled and distil.proto.type == "primary"
    assert button(at, "Fine-tune the teacher").proto.type == "secondary"
    distil.click().run()
    assert launched and launched[0][1] == "distill" and launched[0][0].teacher.name == str(teacher)


def test_train_offers_the_best_teacher_when_the_bundled_one_is_selected(runs_dir):
    good = make_teacher(runs_dir, "20261127-090000-teacher-good", 0.81)
    make_teacher(runs_dir, "20261127-110000-teacher-newest", 0.1)
    at = page("train").run()
    assert good.name in texts(at.info)
    button_ = next(b for b in at.button if b.key == "use_best_teacher")
    button_.click().run()
    assert at.session_state["wb_cfg"].teacher.name == str(good)


def test_weak_teacher_ticked_enables_distil(runs_dir):
    at = page("train").run()
    at.checkbox(key="dt_weak").check().run()
    assert not button(at, "Distil the student").disabled
    assert "has not learned" not in texts(at.warning)

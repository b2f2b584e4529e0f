"""Headless tests of every page with Streamlit's AppTest.

Training is never started here: `workbench.runs.jobs.launch` and `stop` are patched, run folders are
written by hand (tests/fakeruns.py), and only the Setup and Temperature pages load the real bundled
tokenizer / model on a tiny slice of the bundled data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import pytest
from streamlit.testing.v1 import AppTest

import workbench.runs.jobs
from tests.fakeruns import make_finished_distill, make_run, write_events
from ui.state import default_config
from workbench.core import WorkbenchError
from workbench.training.preflight import Check, Preflight

ROOT = Path(__file__).resolve().parent.parent
MODEL_TIMEOUT = 180  # the bundled model loads in a few seconds, but this machine is shared


def page(name: str, cfg=None, timeout: float = 30) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=timeout)
    at.session_state["wb_cfg"] = cfg or tiny_config()
    return at


def tiny_config():
    cfg = default_config()
    cfg.data.max_train_examples = 64
    cfg.data.max_eval_examples = 32
    cfg.training.max_length = cfg.teacher_training.max_length = 32
    return cfg


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture
def launched(monkeypatch, runs_dir):
    """Patch launch and stop; record what they receive."""
    calls: dict[str, list] = {"launch": [], "stop": []}

    def fake_launch(cfg, kind, root=None):
        calls["launch"].append((cfg, kind, root))
        return runs_dir / "fake-run"

    monkeypatch.setattr(workbench.runs.jobs, "launch", fake_launch)
    monkeypatch.setattr(workbench.runs.jobs, "stop", lambda run_dir: calls["stop"].append(Path(run_dir)))
    return calls


# --------------------------------------------------------------------------- app


def test_app_navigation_opens_setup():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Setup"


def test_streamlit_config_is_safe():
    import tomllib

    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert conf["server"]["address"] == "localhost"
    assert conf["server"]["enableXsrfProtection"] is True
    assert 0 < conf["server"]["maxUploadSize"] <= 200
    assert conf["theme"]["primaryColor"]
    # polling tabs cost the training CPU: these two were most of the server's work (benchmarks/watchers.py)
    assert conf["server"]["fileWatcherType"] == "none"
    assert conf["runner"]["postScriptGC"] is False
    # no Deploy button (it sends people to a cloud sign-up), no developer menu items
    assert conf["client"]["toolbarMode"] == "viewer"


# --------------------------------------------------------------------------- setup


def test_setup_shows_data_preview_and_charts():
    at = page("setup", timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    body = texts(at.markdown)
    assert "**64** training, **32** validation and **32** test examples" in body
    assert "negative, positive" in body
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["text", "label"] and len(preview) == 8
    assert "maximum length (32 tokens" in texts(at.caption)


def test_setup_limits_update_the_config():
    at = page("setup", timeout=MODEL_TIMEOUT).run()
    at.number_input(key="setup_max_train").set_value(100).run()
    assert at.session_state["wb_cfg"].data.max_train_examples == 100
    assert "**100** training" in texts(at.markdown)


def test_setup_preflight_results_are_shown(monkeypatch):
    params_t = {"embeddings": 100, "encoder": 800, "head": 100, "total": 1000}
    params_s = {"embeddings": 100, "encoder": 300, "head": 100, "total": 500}
    fake = Preflight(
        [Check("labels", "ok", "both models predict 2 labels"), Check("teacher head", "warn", "the head is untrained")],
        {"description": "T", "params": params_t, "bytes": 4000, "layers": 6},
        {"description": "S", "params": params_s, "bytes": 2000, "layers": 3},
        {},
        {
            "device": "cpu",
            "precision": "fp32",
            "seconds_per_step": 0.5,
            "teacher_seconds_per_batch": 0.1,
            "train_steps_per_epoch": 130,
            "seconds_per_epoch": 65.0,
            "teacher_logits_seconds": 13.0,
            "memory_bytes": 3 * 2**20,
            "note": "one measured step",
        },
    )
    monkeypatch.setattr("workbench.training.run_preflight", lambda cfg: fake)
    at = page("setup", timeout=MODEL_TIMEOUT).run()
    next(b for b in at.button if b.label == "Run the compatibility check").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Teacher parameters"] == "1k" and metrics["Student parameters"] == "500"
    assert metrics["Time per epoch"] == "1 min 05 s"
    assert metrics["Memory for training"] == "3.0 MB"
    checks = at.dataframe[1].value
    assert "the head is untrained" in checks["result"].tolist()
    assert "fit together" in texts(at.success)


def test_setup_preflight_error_is_one_line(monkeypatch):
    def boom(cfg):
        raise WorkbenchError("teacher has 3 labels, student 2")

    monkeypatch.setattr("workbench.training.run_preflight", boom)
    at = page("setup", timeout=MODEL_TIMEOUT).run()
    next(b for b in at.button if b.label == "Run the compatibility check").click().run()
    assert not at.exception
    assert "teacher has 3 labels, student 2" in texts(at.error)


def test_setup_uploaded_file_column_mapping(runs_dir):
    from workbench.studio import save_upload

    rows = "review,stars,sentiment\n" + "".join(
        f"text number {i},{i % 5},{'good' if i % 2 else 'bad'}\n" for i in range(40)
    )
    path = save_upload("../my reviews.csv", rows.encode(), root=runs_dir)
    cfg = tiny_config()
    cfg.data.source, cfg.data.path = "local", str(path)
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    assert at.selectbox(key="setup_col_text").options == ["review", "stars", "sentiment"]
    at.selectbox(key="setup_col_text").set_value("review")
    at.selectbox(key="setup_col_label").set_value("sentiment").run()
    assert not at.exception, at.exception
    assert "labels: **bad, good**" in texts(at.markdown)
    assert at.session_state["wb_cfg"].data.label_column == "sentiment"


def test_setup_bad_hub_data_shows_error():
    cfg = tiny_config()
    cfg.data.source, cfg.data.name = "hub", "no-such/dataset-xyz"
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    assert "could not load hub data set" in texts(at.error)


# --------------------------------------------------------------------------- temperature


def test_temperature_page_explains_and_updates_config():
    at = page("temperature", timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    assert "untrained" in texts(at.warning)
    at.slider(key="temp_T").set_value(4.0)
    at.slider(key="temp_alpha").set_value(0.25).run()
    assert not at.exception
    cfg = at.session_state["wb_cfg"]
    assert (cfg.distill.temperature, cfg.distill.alpha) == (4.0, 0.25)
    assert "**T = 4** and **alpha = 0.25**" in texts(at.success)
    table = at.dataframe[0].value
    assert len(table) == 3
    row = table.iloc[0]
    assert row["alpha × soft"] == pytest.approx(0.25 * row["soft: T²·KL(teacher‖student)"], abs=2e-4)
    assert row["total"] == pytest.approx(row["alpha × soft"] + row["(1 − alpha) × hard"], abs=2e-4)
    assert any(m.label == "Uncertainty at this T" and m.value.endswith("bits") for m in at.metric)


def test_temperature_typed_sentence_is_added():
    at = page("temperature", timeout=MODEL_TIMEOUT).run()
    at.text_input(key="temp_typed").input("a wonderful, moving film").run()
    assert not at.exception
    assert "typed" in at.dataframe[0].value["example"].tolist()


def test_chosen_t_and_alpha_reach_the_launched_config(launched):
    """Set T and alpha on the Temperature page, then start a distillation on the Train page (one session)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = tiny_config()
    at.run()
    at.switch_page("pages/temperature.py").run()
    at.slider(key="temp_T").set_value(3.5)
    at.slider(key="temp_alpha").set_value(0.8).run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert "**T = 3.5** and **alpha = 0.8**" in texts(at.markdown)
    at.checkbox(key="dt_weak").check().run()
    next(b for b in at.button if b.label == "Distil the student").click().run()
    assert not at.exception
    (cfg, kind, _root), *_ = launched["launch"]
    assert kind == "distill"
    assert cfg.distill.temperature == 3.5 and cfg.distill.alpha == 0.8
    assert cfg.allow_weak_teacher is True
    assert cfg.data.max_train_examples == 64


# --------------------------------------------------------------------------- train


def test_train_settings_reach_teacher_run(launched):
    at = page("train").run()
    at.select_slider(key="tt_maxlen").set_value(48)
    at.number_input(key="tt_epochs").set_value(2.0).run()
    next(b for b in at.button if b.label == "Fine-tune the teacher").click().run()
    assert not at.exception
    (cfg, kind, _root), *_ = launched["launch"]
    assert kind == "teacher" and cfg.teacher_training.max_length == 48 and cfg.teacher_training.epochs == 2.0


def test_train_launch_error_is_shown(monkeypatch):
    def boom(cfg, kind, root=None):
        raise WorkbenchError("cannot create the runs folder /nope: Permission denied")

    monkeypatch.setattr(workbench.runs.jobs, "launch", boom)
    at = page("train").run()
    at.checkbox(key="dt_weak").check().run()
    next(b for b in at.button if b.label == "Distil the student").click().run()
    assert not at.exception
    assert "Permission denied" in texts(at.error)


def test_train_shows_live_run_queue_and_history(runs_dir, launched):
    me = psutil.Process(os.getpid())
    alive = {"pid": me.pid, "pid_created": me.create_time()}
    live = make_run(runs_dir, "20261127-120000-distill-live", state="running", phase="training", **alive)
    write_events(
        live,
        [
            {"type": "phase", "phase": "training", "total_steps": 10},
            {
                "type": "step",
                "step": 5,
                "total_steps": 10,
                "epoch": 0.5,
                "loss": 0.9,
                "loss_soft": 0.4,
                "loss_hard": 0.7,
                "lr": 1e-4,
                "examples_per_s": 80.0,
                "elapsed_s": 5.0,
                "eta_s": 75.0,
            },
        ],
    )
    make_run(runs_dir, "20261127-120500-distill-next", state="queued", **alive)
    make_run(runs_dir, "20261127-110000-distill-bad", state="failed", error="the teacher scores 50.0% on validation")
    # claims to run, but its process is gone: must show as failed
    make_run(runs_dir, "20261127-100000-teacher-ghost", kind="teacher", state="running", pid=2**22 + 7, pid_created=1.0)
    at = page("train").run()
    assert not at.exception
    assert "Step 5 of 10: training, about 1 min 15 s left" in [p.proto.text for p in at.get("progress")]
    assert "is waiting" in texts(at.info)
    assert {m.label: m.value for m in at.metric}["Loss"] == "0.9000"
    history = at.dataframe[0].value.set_index("run")
    assert history.loc["20261127-110000-distill-bad", "result"] == "Error: the teacher scores 50.0% on validation"
    assert history.loc["20261127-100000-teacher-ghost", "state"] == "failed"
    assert "ended unexpectedly" in history.loc["20261127-100000-teacher-ghost", "result"]
    with open(live / "metrics.jsonl", "a", encoding="utf-8") as f:  # the next poll shows the new step
        f.write(json.dumps({"type": "step", "step": 6, "total_steps": 10, "loss": 0.8, "eta_s": 60.0}) + "\n")
    at.run()
    assert {m.label: m.value for m in at.metric}["Loss"] == "0.8000"
    assert len(at.get("plotly_chart")) == 1  # live: the loss chart; no evaluation yet
    at.toggle(key="more_live").set_value(True).run()
    assert len(at.get("plotly_chart")) == 3  # + learning rate and throughput, on request
    next(b for b in at.button if b.label == "Stop").click().run()
    assert launched["stop"] == [live]
    (live / "STOP").touch()  # what the real jobs.stop writes first
    at.run()
    assert [p.proto.text for p in at.get("progress")][0].startswith("Stopping after step 6")
    assert next(b for b in at.button if b.label == "Stop").disabled


def test_train_opens_failed_run_from_history(runs_dir):
    make_run(runs_dir, "20261127-110000-distill-bad", state="failed", error="data.path is required")
    at = page("train").run()
    at.selectbox(key="hist_open").set_value("20261127-110000-distill-bad").run()
    assert not at.exception
    assert "data.path is required" in texts(at.error)


def test_train_offers_resume_of_an_interrupted_run(runs_dir, monkeypatch):
    run = make_run(runs_dir, "20261127-110000-distill-killed", state="failed", error="ended unexpectedly")
    (run / "checkpoint").mkdir()
    for name in ("state.pt", "model.safetensors"):
        (run / "checkpoint" / name).write_bytes(b"x")
    (run / "checkpoint" / "position.json").write_text(
        json.dumps(
            {
                "step": 40,
                "epoch": 1,
                "batch": 3,
                "best_accuracy": 0.7,
                "best_step": 30,
                "elapsed_s": 9.0,
                "examples_seen": 640,
            }
        )
    )
    resumed = []
    monkeypatch.setattr(workbench.runs.jobs, "resume", lambda d: resumed.append(d) or d)
    at = page("train").run()
    at.selectbox(key="hist_open").set_value(run.name).run()
    button = next(b for b in at.button if b.label.startswith("Resume"))
    assert button.label == "Resume from step 40"
    button.click().run()
    assert not at.exception
    assert resumed == [run]


def test_train_command_preview():
    at = page("train").run()
    at.number_input(key="cmd_gpus").set_value(4).run()
    codes = [c.value for c in at.code]
    assert "python -m workbench distill config.yaml --run-dir runs/demo" in codes
    assert (
        "accelerate launch --multi_gpu --num_processes 4 -m workbench distill config.yaml --run-dir runs/demo" in codes
    )


# --------------------------------------------------------------------------- compare


def test_compare_without_runs_says_so():
    at = page("compare").run()
    assert not at.exception
    assert "No finished distillation run yet" in texts(at.info)


def test_compare_shows_plain_language_results(runs_dir):
    make_finished_distill(runs_dir)
    at = page("compare").run()
    assert not at.exception
    assert "The student keeps 97% of the teacher's accuracy (78% vs 80% on test). It is 2.1x as fast" in texts(
        at.success
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Teacher accuracy"] == "80%" and metrics["Student accuracy"] == "78%"
    assert metrics["Speed-up (1 sentence)"] == "2.1x" and metrics["Agreement"] == "75%"
    side = at.dataframe[0].value.set_index("")
    # the ratio of the medians in the rows above (4.67 / 2.22 ms), not the report's stored 2.5 that disagrees with them
    assert side.loc["size on disk", "teacher"] == "7.8 KB" and side.loc["speed-up, batch of 32", "student"] == "2.1x"
    assert len(at.dataframe[1].value) == 4
    at.checkbox(key="cmp_disagree").check().run()
    disagree = at.dataframe[1].value
    assert disagree["text"].tolist() == ["a fine film"]


def test_compare_of_a_stopped_run_without_speed_numbers(runs_dir):
    run = make_finished_distill(runs_dir, "20261127-100000-distill-stopped")
    report = json.loads((run / "report.json").read_text())
    report["state"] = "stopped"
    report["teacher"]["latency_ms"] = report["student"]["latency_ms"] = {}
    report["comparison"]["speedup"] = {}
    (run / "report.json").write_text(json.dumps(report))
    at = page("compare").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Speed-up (1 sentence)"] == "not measured"
    assert "Speed was not measured" in texts(at.info)


def test_compare_classifies_a_sentence(runs_dir, monkeypatch):
    import workbench.studio

    run = make_finished_distill(runs_dir, "20261127-100000-distill-try")
    monkeypatch.setattr(workbench.studio, "load_run_models", lambda run_dir: ("T", "S", 32))
    seen = []

    def fake_classify(teacher, student, text, max_length):
        seen.append((teacher, student, text, max_length))
        return [
            {"model": "teacher", "prediction": "positive", "negative": 0.1, "positive": 0.9},
            {"model": "student", "prediction": "negative", "negative": 0.6, "positive": 0.4},
        ]

    monkeypatch.setattr(workbench.studio, "classify_both", fake_classify)
    at = page("compare").run()
    at.text_input[0].input("a great film")
    next(b for b in at.button if "Classify" in b.label).click().run()
    assert not at.exception
    assert seen == [("T", "S", "a great film", 32)]
    assert at.dataframe[-1].value["prediction"].tolist() == ["positive", "negative"]
    assert "The models disagree on this one." in texts(at.markdown)
    assert run.is_dir()


def test_choices_survive_switching_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = tiny_config()
    at.run()
    at.number_input(key="setup_max_train").set_value(128)
    at.radio(key="setup_student_kind").set_value("scratch").run()
    at.slider(key="setup_scratch_layers").set_value(2).run()
    at.switch_page("pages/train.py").run()
    assert "(128 training examples)" in texts(at.markdown)
    at.switch_page("pages/setup.py").run()
    assert not at.exception
    assert at.number_input(key="setup_max_train").value == 128
    assert at.radio(key="setup_student_kind").value == "scratch"
    assert at.slider(key="setup_scratch_layers").value == 2
    assert at.session_state["wb_cfg"].student.num_layers == 2


# --------------------------------------------------------------------------- nothing silently lost


def app_session() -> AppTest:
    """A fresh browser session (a reload): nothing in session_state, only what is on disk."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT)


def test_settings_survive_a_reload_and_a_page_change(runs_dir):
    from workbench.studio import load_draft, save_draft
    from workbench.studio.drafts import draft_path

    save_draft(tiny_config(), runs_dir)  # what an earlier session left (tiny: fast pages)
    at = app_session().run()
    assert not at.exception
    assert at.number_input(key="setup_max_train").value == 64  # the draft came back, not the defaults
    at.number_input(key="setup_max_train").set_value(128).run()
    at.switch_page("pages/train.py").run()
    at.number_input(key="dt_epochs").set_value(2.0).run()
    assert not at.exception
    assert load_draft(runs_dir).training.epochs == 2.0  # a change writes the draft at once
    assert draft_path(runs_dir).parent.name == ".drafts"

    reloaded = app_session().run()  # a browser reload: a new session on the same runs folder
    assert not reloaded.exception
    assert reloaded.number_input(key="setup_max_train").value == 128
    reloaded.switch_page("pages/train.py").run()
    assert reloaded.number_input(key="dt_epochs").value == 2.0
    assert reloaded.session_state["wb_cfg"].training.epochs == 2.0


def test_unreadable_draft_starts_from_defaults_and_says_so(runs_dir):
    from workbench.studio import save_draft
    from workbench.studio.drafts import draft_path

    save_draft(tiny_config(), runs_dir)
    draft_path(runs_dir).write_text("data: [not, a, mapping\n")
    at = AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=30).run()
    assert not at.exception
    assert "default settings" in texts(at.toast)
    assert at.session_state["wb_cfg"].data.max_train_examples == default_config().data.max_train_examples


def test_typed_sentence_survives_a_page_change(runs_dir):
    from workbench.studio import save_draft

    save_draft(tiny_config(), runs_dir)
    at = app_session().run()
    at.switch_page("pages/temperature.py").run()
    at.text_input(key="temp_typed").input("a wonderful, moving film").run()
    at.selectbox(key="temp_typed_label").set_value("positive").run()
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/temperature.py").run()
    assert not at.exception
    assert at.text_input(key="temp_typed").value == "a wonderful, moving film"
    assert at.selectbox(key="temp_typed_label").value == "positive"
    assert "typed" in at.dataframe[0].value["example"].tolist()


def test_compare_sentence_survives_a_page_change(runs_dir, monkeypatch):
    import workbench.studio

    make_finished_distill(runs_dir)
    monkeypatch.setattr(workbench.studio, "load_run_models", lambda run_dir: ("T", "S", 32))
    monkeypatch.setattr(workbench.studio, "classify_both", lambda *a: [{"model": "teacher", "prediction": "positive"}])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = tiny_config()
    at.run()
    at.switch_page("pages/compare.py").run()
    at.text_input(key="cmp_try_text").input("a great film")
    next(b for b in at.button if "Classify" in b.label).click().run()
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert at.text_input(key="cmp_try_text").value == "a great film"


# --------------------------------------------------------------------------- uploads and invalid fields

INTERNALS = ("C error", "Expected", "Traceback", "tokenizing")


def local_setup(runs_dir, rows: str, name: str = "reviews.csv") -> AppTest:
    """Setup with a good upload already chosen (the draft), then `rows` uploaded as `name`."""
    from workbench.studio import save_upload

    good = "text,label\n" + "".join(f"film number {i},{'good' if i % 2 else 'bad'}\n" for i in range(40))
    cfg = tiny_config()
    cfg.data.source, cfg.data.path = "local", str(save_upload("old.csv", good.encode(), root=runs_dir))
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    assert not at.exception and not at.error
    at.file_uploader(key="setup_upload").set_value((name, rows.encode(), "text/csv")).run()
    assert not at.exception
    return at


def test_upload_error_names_the_file_without_parser_internals(runs_dir):
    rows = "review\n" + "".join(f"fine film number {i}\n" for i in range(6)) + "good,bad,ugly\n"
    at = local_setup(runs_dir, rows)
    message = texts(at.error)
    assert "reviews.csv: line 8 has 3 fields where the header has 1. Is the separator a comma?" in message
    assert not any(bad in message for bad in INTERNALS)
    assert "-reviews.csv" not in message  # not the stored, hashed name


def test_failed_upload_clears_the_previous_file(runs_dir):
    at = local_setup(runs_dir, "review\nfine\nbad,worse,worst\n")
    assert at.session_state["wb_cfg"].data.path is None  # the old file is no longer used
    assert not at.dataframe  # no preview of the old data
    # says what is wrong with the file just uploaded, not that no file was uploaded (issue 18: both at once)
    assert texts(at.error) == "reviews.csv: line 3 has 3 fields where the header has 1. Is the separator a comma?"


def test_headerless_upload_is_detected(runs_dir):
    rows = "".join(f"film number {i},{'positive' if i % 2 else 'negative'}\n" for i in range(30))
    at = local_setup(runs_dir, rows, "noheader.csv")
    assert "noheader.csv seems to have no header row" in texts(at.error)
    assert at.session_state["wb_cfg"].data.path is None


def test_same_column_for_text_and_label_is_refused(runs_dir):
    rows = "review,stars\n" + "".join(f"film number {i},{i % 2}\n" for i in range(30))
    at = local_setup(runs_dir, rows)
    at.selectbox(key="setup_col_label").set_value("review").run()
    assert not at.exception
    assert "two different columns (both are 'review')" in texts(at.error)
    assert not at.dataframe  # nothing goes on with that choice


def test_too_few_rows_of_a_class_says_which(runs_dir):
    rows = "text,label\n" + "".join(f"film number {i},{'good' if i % 2 else 'bad'}\n" for i in range(30))
    at = local_setup(runs_dir, rows + "one odd film,meh\n")
    assert "reviews.csv: class 'meh' has only 1 row" in texts(at.error)


def test_start_is_disabled_with_a_reason_for_an_invalid_setting(launched):
    cfg = tiny_config()
    cfg.data.source, cfg.data.path = "local", None
    at = page("train", cfg).run()
    assert not at.exception
    buttons = {b.label: b for b in at.button}
    assert buttons["Distil the student"].disabled and buttons["Fine-tune the teacher"].disabled
    message = texts(at.error)
    assert "Cannot start yet" in message and "none has been uploaded" in message
    assert "data.path" not in message and "data.source" not in message  # no config keys
    assert launched["launch"] == []


def test_a_run_that_learned_nothing_is_not_shown_green(runs_dir):
    run = make_finished_distill(runs_dir, "20261127-100000-distill-zero")
    report = json.loads((run / "report.json").read_text())
    report["student"]["test"].update(accuracy=0.0, confusion_matrix=[[0, 2], [2, 0]])
    (run / "report.json").write_text(json.dumps(report))
    at = page("train").run()
    assert not at.exception
    assert "keeps" not in texts(at.success)
    assert "below what always answering the most common label scores (50%)" in texts(at.error)


def test_train_says_why_a_stopped_run_without_checkpoint_cannot_resume(runs_dir):
    make_run(runs_dir, "20261127-110000-distill-early", state="stopped")
    at = page("train").run()
    assert not at.exception
    assert not any(b.label.startswith("Resume") for b in at.button)
    assert "cannot be resumed: it ended before it saved any progress" in texts(at.caption)

"""Setup: the student families and the teacher signals reach the config a run is launched with.

Nothing trains: `workbench.runs.jobs.launch` is patched to record the config it gets. The Setup page reads
the bundled teacher's config.json and tokenizer on a tiny slice of the bundled data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import workbench.runs.jobs
from tests.fakeruns import make_run
from tests.test_pages import MODEL_TIMEOUT, texts, tiny_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def launched(monkeypatch, runs_dir):
    calls: list = []

    def fake_launch(cfg, kind, root=None):
        calls.append((cfg, kind))
        return runs_dir / "fake-run"

    monkeypatch.setattr(workbench.runs.jobs, "launch", fake_launch)
    return calls


def setup_page(cfg=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "setup.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = cfg or tiny_config()
    return at.run()


def test_bilstm_and_transfer_set_reach_the_launched_config(launched):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = tiny_config()
    at.run()
    at.radio(key="setup_student_kind").set_value("bilstm").run()
    assert not at.exception
    at.select_slider(key="setup_lstm_hidden").set_value(128)
    at.checkbox(key="setup_prune_vocab").uncheck()
    at.slider(key="setup_augment").set_value(3).run()
    assert not at.exception
    # 64 training texts (the tiny config's limit), 3 copies each: 192 more, epochs 4x as long
    assert "**192 extra texts**" in texts(at.info) and "4.0 times longer" in texts(at.info)
    assert "Not for this student" in texts(at.caption)  # no hidden / attention losses for a BiLSTM
    at.switch_page("pages/train.py").run()
    at.checkbox(key="dt_weak").check().run()
    next(b for b in at.button if b.label == "Distil the student").click().run()
    assert not at.exception
    (cfg, kind), *_ = launched
    assert kind == "distill"
    assert cfg.student.kind == "bilstm" and cfg.student.lstm_hidden_size == 128 and cfg.student.prune_vocab is False
    assert cfg.transfer.augment_factor == 3


def test_bilstm_size_is_shown_against_the_teacher():
    cfg = tiny_config()
    cfg.student.kind = "bilstm"
    at = setup_page(cfg)
    assert not at.exception
    # bundled MiniLM: 22.7M; BiLSTM 128/128/1 over the 808 word pieces of the 64 training texts: 433,922
    # (workbench/models/sizing.py, tests/test_sizing.py)
    assert (
        "About **434k parameters**, 2% of the teacher's 22.7M. Its vocabulary keeps the 808 of the teacher's "
        "30,522 word pieces that occur in the training texts."
    ) in texts(at.caption)
    at.checkbox(key="setup_prune_vocab").uncheck().run()  # the whole vocabulary: 4,237,314
    assert "About **4.2M parameters**, 19% of the teacher's 22.7M." in texts(at.caption)


def test_hidden_and_attention_weights_for_a_cut_student():
    at = setup_page()
    at.number_input(key="setup_hidden_weight").set_value(1.5)
    at.number_input(key="setup_attention_weight").set_value(2.0).run()
    assert not at.exception and not at.error
    d = at.session_state["wb_cfg"].distill
    assert (d.hidden_weight, d.attention_weight) == (1.5, 2.0)


def test_a_pruned_scratch_student_cannot_take_hidden_losses():
    cfg = tiny_config()
    cfg.student.kind, cfg.student.prune_vocab = "scratch", True
    at = setup_page(cfg)
    assert not at.exception and not at.error
    assert at.number_input(key="setup_hidden_weight").disabled
    assert "Untick *Prune vocabulary to training words*" in texts(at.caption)
    at.checkbox(key="setup_prune_vocab").uncheck().run()
    assert not at.number_input(key="setup_hidden_weight").disabled


def test_unlabelled_file_and_extra_teachers(runs_dir):
    for run_id in ("20261127-090000-teacher-a", "20261127-091000-teacher-b"):
        d = make_run(runs_dir, run_id, kind="teacher")
        (d / "model").mkdir()
        (d / "model" / "config.json").write_text("{}")
    at = setup_page()
    at.file_uploader(key="setup_unlabelled").set_value(("more.txt", b"a film\n\nanother film\n", "text/plain")).run()
    assert not at.exception
    assert "Using 2 unlabelled texts from more.txt." in texts(at.caption)
    assert "**2 extra texts**" in texts(at.info)
    at.multiselect(key="setup_extra_teachers").select(str(runs_dir / "20261127-091000-teacher-b")).run()
    at.radio(key="setup_ensemble").set_value("logits").run()
    cfg = at.session_state["wb_cfg"]
    assert cfg.transfer.unlabelled_path.endswith("more.txt")
    assert cfg.extra_teachers == [str(runs_dir / "20261127-091000-teacher-b")] and cfg.distill.ensemble == "logits"


def test_an_empty_unlabelled_file_is_one_line(runs_dir):
    at = setup_page()
    at.file_uploader(key="setup_unlabelled").set_value(("more.txt", b"\n  \n", "text/plain")).run()
    assert not at.exception
    assert texts(at.error) == "more.txt is empty"
    assert at.session_state["wb_cfg"].transfer.unlabelled_path is None


def test_temperature_page_explains_the_extra_signals_with_the_current_settings():
    cfg = tiny_config()
    cfg.distill.hidden_weight, cfg.transfer.augment_factor = 1.5, 4
    at = AppTest.from_file(str(ROOT / "pages" / "temperature.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = cfg
    at.run()
    assert not at.exception
    (box,) = [e for e in at.expander if e.label.startswith("More ways to learn from the teacher")]
    assert "**Hidden states** (TinyBERT)" in texts(box.markdown)
    assert "hidden-state weight 1.5, attention weight 0, 4 augmented copies per text." in texts(box.caption)

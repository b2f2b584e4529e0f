"""Each student family trains at its own learning rate and epochs (issue 18, item 4).

A BiLSTM at the cut student's 1e-4 for one pass stays near the majority class; the engine holds one
table of per-family defaults, Setup applies it when a family is picked, and a value changed by hand
is never silently reset."""

from __future__ import annotations

import pytest

from tests.test_pages import MODEL_TIMEOUT, ROOT, texts, tiny_config
from workbench.config import FAMILY_DEFAULTS, apply_family_defaults, family_defaults, preset
from workbench.core import WorkbenchError
from workbench.runs.guided import first_run_configs


@pytest.mark.parametrize("kind", list(FAMILY_DEFAULTS))
def test_each_family_gets_its_own_values(kind):
    cfg = preset("first-run")
    change = apply_family_defaults(cfg, kind)
    want = family_defaults(kind)
    assert cfg.student.kind == kind
    for name, value in want["training"].items():
        assert getattr(cfg.training, name) == value
    for name, value in want["student"].items():
        assert getattr(cfg.student, name) == value
    assert not change.kept


def test_measured_values_of_the_students_benchmark():
    assert family_defaults("bilstm")["training"] == {
        "learning_rate": 2e-3,
        "epochs": 4,
        "freeze_word_embeddings": False,
    }
    assert family_defaults("scratch")["training"]["learning_rate"] == 5e-4
    assert family_defaults("layers")["training"] == {"learning_rate": 1e-4, "epochs": 1, "freeze_word_embeddings": True}
    # the first-run preset's student is a cut student with exactly its family's defaults
    cfg = preset("first-run")
    assert apply_family_defaults(cfg, "layers", previous="layers").applied == {}
    before = cfg.training.learning_rate, cfg.training.epochs, cfg.training.freeze_word_embeddings
    apply_family_defaults(cfg, "layers")
    assert (cfg.training.learning_rate, cfg.training.epochs, cfg.training.freeze_word_embeddings) == before


def test_the_benchmark_reads_the_engine_table():
    from benchmarks.students import family_settings

    fams = family_settings(quick=False)
    for kind in ("bilstm", "scratch", "layers"):
        assert fams[kind]["training"] == family_defaults(kind)["training"]
        assert fams[kind]["student"]["kind"] == kind
    assert family_settings(quick=True)["bilstm"]["training"]["epochs"] == 1


def test_a_hand_changed_value_survives_re_picking_and_switching():
    cfg = preset("first-run")
    apply_family_defaults(cfg, "bilstm", previous="layers")
    cfg.training.learning_rate = 3e-3  # set by hand
    assert apply_family_defaults(cfg, "bilstm", previous="bilstm").applied == {}
    assert cfg.training.learning_rate == 3e-3
    change = apply_family_defaults(cfg, "layers", previous="bilstm")
    assert cfg.training.learning_rate == 3e-3 and change.kept == {"training.learning_rate": 3e-3}
    assert cfg.training.epochs == 1 and cfg.training.freeze_word_embeddings is True  # the rest: the new family's
    apply_family_defaults(cfg, "bilstm", previous="layers")
    assert cfg.training.learning_rate == 3e-3 and cfg.training.epochs == 4


def test_switching_family_applies_the_new_familys_defaults():
    cfg = preset("first-run")
    apply_family_defaults(cfg, "bilstm", previous="layers")
    assert (cfg.training.learning_rate, cfg.training.epochs) == (2e-3, 4)
    apply_family_defaults(cfg, "scratch", previous="bilstm")
    assert (cfg.training.learning_rate, cfg.training.epochs) == (5e-4, 4)
    assert (cfg.student.num_layers, cfg.student.hidden_size, cfg.student.num_heads) == (2, 128, 2)
    apply_family_defaults(cfg, "layers", previous="scratch")
    assert (cfg.training.learning_rate, cfg.training.epochs, cfg.training.freeze_word_embeddings) == (1e-4, 1, True)


def test_an_unknown_family_is_a_coded_error():
    with pytest.raises(WorkbenchError) as err:
        family_defaults("gru")
    assert err.value.code == "config.bad_choice"


def test_guided_story_with_the_bilstm_uses_its_defaults_for_student_and_baseline():
    base = preset("first-run")
    teacher, distilled, baseline = first_run_configs(base, "/runs/t", student="bilstm")
    assert teacher.teacher_training == base.teacher_training and teacher.student.kind == "layers"
    for cfg in (distilled, baseline):
        assert cfg.student.kind == "bilstm"
        assert (cfg.training.learning_rate, cfg.training.epochs, cfg.training.freeze_word_embeddings) == (
            2e-3,
            4,
            False,
        )
    assert baseline.distill.alpha == 0
    # without a student choice the story is what it always was
    _, same, _ = first_run_configs(base, "/runs/t")
    assert same.training == base.training and same.student == base.student


# --------------------------------------------------------------------------- Setup (AppTest)
def _setup():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "setup.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = tiny_config()
    return at.run()


def test_picking_bilstm_on_setup_shows_its_rate_and_says_so(runs_dir):
    at = _setup()
    assert not at.exception
    at.radio(key="setup_student_kind").set_value("bilstm").run()
    assert not at.exception
    assert "BiLSTM students train at a higher learning rate: 0.002 for 4 passes." in texts(at.info)
    # said once: the caption below points to the Train page instead of repeating the numbers
    assert "0.002" not in texts(at.caption) and "Train page" in texts(at.caption)
    cfg = at.session_state["wb_cfg"]
    assert (cfg.training.learning_rate, cfg.training.epochs) == (2e-3, 4)
    # a rate set by hand afterwards (the Train page's widget) stays when the family is picked again
    cfg.training.learning_rate = 1e-3
    at.radio(key="setup_student_kind").set_value("layers").run()
    at.radio(key="setup_student_kind").set_value("bilstm").run()
    assert not at.exception
    cfg = at.session_state["wb_cfg"]
    assert cfg.training.learning_rate == 1e-3 and cfg.training.epochs == 4
    assert "Your learning rate 0.001 stays." in texts(at.info)
    # changed on the Train page after the pick: the caption states the values in force, not the note's
    cfg.training.epochs = 2
    at.run()
    assert "Trains at learning rate 0.001 for 2 passes" in texts(at.caption)


def test_guided_story_offers_the_tiny_student_with_its_own_time(runs_dir, monkeypatch, tmp_path):
    import json

    import ui.guided

    (tmp_path / "first_run.json").write_text(json.dumps({"minutes": 4.6, "data_sizes": {"train": 64}}))
    (tmp_path / "first_run_bilstm.json").write_text(json.dumps({"minutes": 7.2, "data_sizes": {"train": 64}}))
    monkeypatch.setattr(ui.guided, "MEASURED", tmp_path / "first_run.json")
    at = _setup()
    assert not at.exception
    assert "measured 4.6 minutes" in texts(at.markdown)
    at.radio(key="guided_student").set_value("bilstm").run()
    assert not at.exception
    assert "measured 7.2 minutes" in texts(at.markdown)
    cfg = at.session_state["wb_cfg"]
    assert cfg.student.kind == "bilstm" and cfg.training.learning_rate == 2e-3
    assert at.radio(key="setup_student_kind").value == "bilstm"  # the Student column follows

"""Config round trips and one-line errors for bad values."""

import re

import pytest
import yaml

from workbench.config import RunConfig, dump_config, from_dict, load_config, preset, to_commented_yaml, to_dict
from workbench.core import WorkbenchError


def test_commented_yaml_round_trips(tmp_path):
    cfg = preset("quick")
    text = to_commented_yaml(cfg)
    assert "# Loss convention" in text and "temperature: 2.0  #" in text
    path = tmp_path / "c.yaml"
    path.write_text(text)
    assert to_dict(load_config(path)) == to_dict(cfg)


def test_plain_dump_round_trips(tmp_path):
    cfg = RunConfig()
    cfg.student.layers = [0, 3]
    cfg.distill.temperature = 5.5
    dump_config(cfg, tmp_path / "c.yaml")
    assert to_dict(load_config(tmp_path / "c.yaml")) == to_dict(cfg)


def test_quick_preset_is_small():
    cfg = preset("quick")
    assert cfg.data.max_train_examples == 2000 and cfg.training.epochs == 1


def test_first_run_preset_is_the_measured_one():
    """The settings chosen in benchmarks/results/first_run_search.md, on the whole bundled train split."""
    cfg = preset("first-run")
    assert cfg.data.max_train_examples is None and cfg.data.source == "bundled"
    t, s = cfg.teacher_training, cfg.training
    assert (t.epochs, t.learning_rate, t.freeze_word_embeddings) == (1, 1e-4, True)
    assert (s.epochs, s.freeze_word_embeddings) == (1, True)
    assert cfg.after is None and cfg.group is None and cfg.role is None


def test_ui_starts_from_the_first_run_preset():
    from ui.state import default_config

    cfg, ref = default_config(), preset("first-run")
    assert to_dict(cfg.teacher_training) == to_dict(ref.teacher_training) and to_dict(cfg.data) == to_dict(ref.data)


def test_yaml_strings_are_coerced():
    # PyYAML reads 5e-5 (no dot) as a string; the config must still take it as a float
    cfg = from_dict(
        RunConfig, yaml.safe_load("training: {learning_rate: 5e-5, batch_size: '16'}\nstudent: {layers: '0, 2'}")
    )
    assert cfg.training.learning_rate == 5e-5 and cfg.training.batch_size == 16 and cfg.student.layers == [0, 2]


def test_missing_sections_take_defaults():
    cfg = from_dict(RunConfig, {"distill": {"alpha": 0.9}})
    assert cfg.distill.alpha == 0.9 and cfg.teacher_training.learning_rate == 5e-5


@pytest.mark.parametrize(
    "text,needle",
    [
        ("distill: {temperature: 0}", "temperature must be > 0"),
        ("distill: {temperature: -2}", "temperature must be > 0"),
        ("distill: {alpha: 1.5}", "alpha must be in [0, 1]"),
        ("training: {learning_rate: 0}", "learning_rate must be > 0"),
        ("training: {batch_size: 0}", "batch_size must be a positive"),
        ("training: {epochs: 0}", "epochs must be > 0"),
        ("training: {batch_size: many}", "training.batch_size must be int"),
        ("trainig: {epochs: 1}", "unknown setting trainig"),
        ("data: {source: ftp}", "data.source must be"),
        ("data: {source: local}", "data.path is required"),
        ("student: {kind: scratch, hidden_size: 100, num_heads: 3}", "must divide hidden_size"),
        ("[1, 2", "not valid YAML"),
        ("data: {text_column: review, label_column: review}", "two different columns (both are 'review')"),
    ],
)
def test_bad_values_give_one_line_errors(tmp_path, text, needle):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(WorkbenchError) as err:
        load_config(path)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_config_file():
    with pytest.raises(WorkbenchError, match="config file not found"):
        load_config("/nonexistent/c.yaml")


def test_article_preset_is_the_hub_setup():
    cfg = preset("article")
    assert (cfg.teacher.source, cfg.teacher.name) == ("hub", "bert-base-uncased")
    assert (cfg.student.kind, cfg.student.name) == ("pretrained", "distilbert-base-uncased")
    assert (cfg.data.source, cfg.data.name) == ("hub", "rotten_tomatoes")


def test_partial_teacher_section_keeps_teacher_defaults():
    cfg = from_dict(RunConfig, {"teacher_training": {"epochs": 1}, "training": {"epochs": 5}})
    assert cfg.teacher_training.learning_rate == 5e-5 and cfg.teacher_training.epochs == 1
    assert cfg.training.learning_rate == 1e-4 and cfg.training.epochs == 5


@pytest.mark.parametrize(
    "section, key, value, says",
    [
        ("training", "eval_every_steps", -5, "training.eval_every_steps must be 0 or more"),
        ("training", "checkpoint_every_steps", -1, "training.checkpoint_every_steps must be 0 or more"),
        ("teacher_training", "num_threads", -2, "teacher_training.num_threads must be 0 or more"),
        ("training", "log_every_steps", 0, "training.log_every_steps must be at least 1"),
        ("training", "weight_decay", -0.1, "training.weight_decay must be 0 or more"),
        ("training", "max_grad_norm", -1.0, "training.max_grad_norm must be 0 or more"),
        ("student", "layers", [0, 0, 2], "student.layers must be distinct"),
        ("student", "layers", [-1, 2], "student.layers must be distinct"),
        (None, "min_teacher_accuracy_margin", 1.5, "min_teacher_accuracy_margin must be in [0, 1)"),
    ],
)
def test_out_of_range_settings_get_one_line(tmp_path, section, key, value, says):
    """Fields that used to pass unchecked (negative intervals, thread counts, repeated layers)."""
    data = {section: {key: value}} if section else {key: value}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(WorkbenchError, match=re.escape(says)):
        load_config(path)

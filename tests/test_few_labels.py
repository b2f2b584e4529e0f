"""Few labels + many unlabelled texts: the label budget, its config checks, the SetFit-style teacher, the CLI."""

from collections import Counter

import pytest
import torch

from workbench.config import RunConfig, validate_values
from workbench.core import WorkbenchError
from workbench.data import load_data
from workbench.data.label_budget import sample_per_class
from workbench.data.textdata import LabeledSplit
from workbench.training.few_labels import contrastive_pairs, mean_pool


def _split(n_per_class=(10, 6)):
    texts, labels = [], []
    for label, n in enumerate(n_per_class):
        texts += [f"class {label} text {i}" for i in range(n)]
        labels += [label] * n
    return LabeledSplit(texts, labels)


def test_sample_per_class_is_stratified_seeded_and_disjoint():
    split = _split()
    kept, rest = sample_per_class(split, 4, seed=1)
    assert Counter(split.labels[i] for i in kept) == {0: 4, 1: 4}
    assert sorted(kept + rest) == list(range(len(split)))  # every row once: labelled or pool
    assert sample_per_class(split, 4, seed=1) == (kept, rest)  # seeded
    assert sample_per_class(split, 4, seed=2)[0] != kept


def test_sample_per_class_refuses_a_budget_larger_than_a_class():
    with pytest.raises(WorkbenchError, match="class 1 has only 6") as exc:
        sample_per_class(_split(), 7, seed=1)
    assert exc.value.code == "data.budget_too_large"


def test_load_data_keeps_the_budget_and_hides_the_pool_labels(tiny_config):
    full = load_data(tiny_config.data)
    tiny_config.data.labels_per_class = 5
    tiny_config.data.unlabelled_pool = "rest-of-train"
    data = load_data(tiny_config.data)
    assert Counter(data.train.labels) == {0: 5, 1: 5}
    assert len(data.train) + len(data.unlabelled) == len(full.train)
    assert all(isinstance(t, str) for t in data.unlabelled)  # texts only: no label travels with the pool
    assert Counter(data.train.texts) + Counter(data.unlabelled) == Counter(full.train.texts)  # each row once
    assert data.validation.texts == full.validation.texts and data.test.texts == full.test.texts
    assert any("5 labelled texts per class" in n for n in data.notes)
    tiny_config.data.unlabelled_pool = None  # a budget without a pool drops the rest
    assert load_data(tiny_config.data).unlabelled == []


def test_unlabelled_pool_from_a_file(tiny_config, tmp_path):
    pool = tmp_path / "pool.txt"
    pool.write_text("an unlabelled review\nanother one\n", encoding="utf-8")
    tiny_config.data.unlabelled_pool = str(pool)
    assert load_data(tiny_config.data).unlabelled == ["an unlabelled review", "another one"]


@pytest.mark.parametrize(
    "change, match",
    [
        ({"labels_per_class": 1}, "labels_per_class must be at least 2"),
        ({"unlabelled_pool": "rest-of-train"}, "needs data.labels_per_class"),
    ],
)
def test_config_refuses_bad_budgets(change, match):
    cfg = RunConfig()
    for k, v in change.items():
        setattr(cfg.data, k, v)
    with pytest.raises(WorkbenchError, match=match):
        validate_values(cfg)


def test_config_refuses_an_unknown_teacher_method_and_bad_pair_settings():
    cfg = RunConfig()
    cfg.few_labels.teacher_method = "magic"
    with pytest.raises(WorkbenchError, match="finetune or setfit") as exc:
        validate_values(cfg)
    assert exc.value.code == "config.bad_choice"
    cfg.few_labels.teacher_method = "setfit"
    cfg.few_labels.pair_iterations = 0
    with pytest.raises(WorkbenchError, match="pair_iterations"):
        validate_values(cfg)


def test_contrastive_pairs_pair_same_and_other_classes():
    labels = [0, 0, 0, 1, 1, 1]
    pairs = contrastive_pairs(labels, iterations=3, seed=0)
    assert len(pairs) == 2 * 3 * len(labels)
    for i, j, target in pairs:
        assert (labels[i] == labels[j]) == (target == 1.0)
        assert target == 0.0 or i != j
    assert contrastive_pairs(labels, 3, seed=0) == pairs
    capped = contrastive_pairs(labels, 3, seed=0, max_pairs=10)
    assert capped == pairs[:10]  # the cap keeps a shuffled prefix: both kinds of pair, still seeded
    assert {t for _, _, t in capped} == {0.0, 1.0}


def test_mean_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, 1.0], [3.0, 3.0], [100.0, 100.0]]])  # (1, 3, 2); the last token is padding
    assert mean_pool(hidden, torch.tensor([[1, 1, 0]])).tolist() == [[2.0, 2.0]]


@pytest.mark.slowish
def test_setfit_teacher_trains_its_encoder_and_saves_a_sequence_classifier(tiny_config, tmp_path):
    """End to end on the tiny BERT: contrastive pairs move the encoder, the loop trains the head, and the
    saved folder loads as the teacher of a distillation over the few labels plus the pool."""
    from transformers import AutoModelForSequenceClassification

    from workbench.training import run_distill, run_teacher

    tiny_config.data.labels_per_class = 6
    tiny_config.data.unlabelled_pool = "rest-of-train"
    tiny_config.few_labels.teacher_method = "setfit"
    tiny_config.few_labels.pair_iterations = 2
    tiny_config.few_labels.pair_learning_rate = 1e-3
    events = []
    report = run_teacher(tiny_config, tmp_path / "teacher", events.append, lambda: False)
    few = report["few_labels"]
    assert few["method"] == "setfit" and few["pairs"] == 2 * 2 * 12 and few["steps"] > 0
    assert few["last_loss"] < few["first_loss"]  # the pairs were learned from
    assert any(e.get("phase") == "contrastive" for e in events)
    assert report["data"]["sizes"]["train"] == 12
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "teacher" / "model")
    assert model.config.num_labels == 2

    tiny_config.teacher.source, tiny_config.teacher.name = "run", str(tmp_path / "teacher")
    student = run_distill(tiny_config, tmp_path / "student", lambda e: None, lambda: False)
    assert student["transfer"]["unlabelled"] > 0  # the pool, labelled by the teacher
    assert student["data"]["sizes"]["train"] == 12


def test_setfit_is_off_by_default(tiny_config, tmp_path):
    from workbench.training import run_teacher

    tiny_config.teacher_training.epochs = 1
    report = run_teacher(tiny_config, tmp_path / "teacher", lambda e: None, lambda: False)
    assert "few_labels" not in report


def test_cli_flags_override_the_config_and_are_validated(tiny_config, tmp_path, capsys):
    from workbench.cli import main
    from workbench.config import dump_config

    path = tmp_path / "run.yaml"
    dump_config(tiny_config, path)
    code = main(["teacher", str(path), "--labels-per-class", "1", "--run-dir", str(tmp_path / "r")])
    assert code == 2
    assert "labels_per_class must be at least 2" in capsys.readouterr().err
    code = main(["distill", str(path), "--pool", "rest-of-train", "--run-dir", str(tmp_path / "r2")])
    assert code == 2
    assert "needs data.labels_per_class" in capsys.readouterr().err


def test_setup_asks_how_many_labels_and_sets_the_recipe():
    from tests.test_pages import MODEL_TIMEOUT, page

    at = page("setup", timeout=MODEL_TIMEOUT).run()
    assert at.radio(key="setup_label_budget").value == "all"
    at.radio(key="setup_label_budget").set_value("few").run()
    at.number_input(key="setup_labels_per_class").set_value(8).run()
    cfg = at.session_state["wb_cfg"]
    assert (cfg.data.labels_per_class, cfg.data.unlabelled_pool) == (8, "rest-of-train")
    assert cfg.few_labels.teacher_method == "finetune"  # the bundled MPNet needs no pairs
    assert not at.exception
    # the recipe swapped the models, and the Teacher and Student columns above show the swap
    assert (cfg.teacher.source, cfg.teacher.name, cfg.student.kind) == ("bundled", "all-mpnet-base-v2", "pretrained")
    assert at.selectbox(key="setup_teacher_bundled").value == "all-mpnet-base-v2"
    assert at.radio(key="setup_student_kind").value == "pretrained"
    assert any("The bundled all-mpnet-base-v2 learns from 8 labelled texts" in c.value for c in at.caption)
    at.run()  # a later rerun keeps the swap (the widgets hold it now)
    assert at.session_state["wb_cfg"].teacher.name == "all-mpnet-base-v2"
    at.radio(key="setup_label_budget").set_value("all").run()
    cfg = at.session_state["wb_cfg"]
    assert (cfg.data.labels_per_class, cfg.data.unlabelled_pool, cfg.few_labels.teacher_method) == (
        None, None, "finetune"
    )  # fmt: skip
    assert (cfg.teacher.name, cfg.student.kind) == ("", "layers")
    assert at.selectbox(key="setup_teacher_bundled").value == ""


def test_cli_flags_set_the_budget_pool_and_method():
    import argparse

    from workbench.cli import _apply_few_label_flags

    cfg = RunConfig()
    _apply_few_label_flags(cfg, argparse.Namespace(labels_per_class=64, pool="rest-of-train", method="setfit"))
    assert (cfg.data.labels_per_class, cfg.data.unlabelled_pool, cfg.few_labels.teacher_method) == (
        64, "rest-of-train", "setfit"
    )  # fmt: skip
    _apply_few_label_flags(cfg, argparse.Namespace(labels_per_class=None, pool=None, method=None))
    assert cfg.data.labels_per_class == 64  # flags not given leave the config alone


def test_apply_few_labels_sets_and_undoes_the_recipe():
    from workbench.config import apply_few_labels

    cfg = RunConfig()
    apply_few_labels(cfg, 32)
    assert (cfg.data.labels_per_class, cfg.data.unlabelled_pool, cfg.few_labels.teacher_method) == (
        32,
        "rest-of-train",
        "finetune",
    )  # fmt: skip (MPNet needs no pairs)
    assert cfg.teacher_training.batch_size == 16 and cfg.teacher_training.epochs > RunConfig().teacher_training.epochs
    assert cfg.teacher_training.evals_per_epoch == 1  # an 8-step pass validated 4 times costs more than it learns
    assert cfg.teacher_training.early_stopping_patience == 3 and cfg.teacher_training.keep_best
    # the bundled MPNet teaches, the bundled MiniLM learns (a cut of MPNet would be larger than MiniLM)
    assert (cfg.teacher.source, cfg.teacher.name) == ("bundled", "all-mpnet-base-v2")
    assert (cfg.student.kind, cfg.student.source, cfg.student.name) == ("pretrained", "bundled", "")
    assert cfg.training.epochs == 3  # the student distils 3 passes over the pool the teacher labelled
    validate_values(cfg)
    apply_few_labels(cfg, 64)  # another budget: the pair stays
    assert (cfg.teacher.name, cfg.student.kind) == ("all-mpnet-base-v2", "pretrained")
    apply_few_labels(cfg, None)
    assert cfg.teacher == RunConfig().teacher and cfg.student == RunConfig().student
    assert cfg.data.unlabelled_pool is None and cfg.few_labels.teacher_method == "finetune"
    assert cfg.teacher_training.epochs == RunConfig().teacher_training.epochs
    assert cfg.teacher_training.evals_per_epoch == RunConfig().teacher_training.evals_per_epoch
    assert cfg.teacher_training.early_stopping_patience == RunConfig().teacher_training.early_stopping_patience


def test_apply_few_labels_keeps_a_teacher_a_person_picked():
    from workbench.config import apply_few_labels

    cfg = RunConfig()
    cfg.teacher.source, cfg.teacher.name = "hub", "bert-base-uncased"
    apply_few_labels(cfg, 16)
    assert (cfg.teacher.source, cfg.teacher.name, cfg.student.kind) == ("hub", "bert-base-uncased", "layers")
    assert cfg.few_labels.teacher_method == "setfit"  # pairs for any teacher but the bundled MPNet
    apply_few_labels(cfg, None)
    assert (cfg.teacher.source, cfg.teacher.name, cfg.student.kind) == ("hub", "bert-base-uncased", "layers")


def test_the_few_label_story_time_comes_from_the_benchmark(tmp_path, monkeypatch):
    import json

    import ui.guided as guided

    monkeypatch.setattr(guided, "MEASURED", tmp_path / "first_run.json")
    assert "half an hour or more" in guided.few_labels_estimate_text()  # nothing measured: said plainly
    runs = [{"teacher_seconds": 600, "student_seconds": 1200}, {"teacher_seconds": 700, "student_seconds": 1300}]
    (tmp_path / "few_labels.json").write_text(json.dumps({"runs": runs}))
    assert guided.few_labels_estimate_text().startswith("About **30-36 minutes**")

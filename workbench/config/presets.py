"""Named starting points (`init-config --preset NAME`, the app's first screen): complete configs, not fragments."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from workbench.config.model import BUNDLED_MODEL_NAMES, StudentConfig
from workbench.config.run import RunConfig
from workbench.config.training import TrainConfig
from workbench.core import WorkbenchError

PRESETS = ("first-run", "quick", "default", "article")


def preset(name: str = "default") -> RunConfig:
    """A complete config.

    `first-run` is what the app starts from: the whole bundled train split, tuned (by measurement,
    `benchmarks/results/first_run_search.md`) so that teacher, distilled student and the student's
    no-distillation baseline finish in minutes on a 2-core laptop with a teacher above 80% test
    accuracy. `quick` is a smaller smoke-sized run (its teacher is too weak to show anything);
    `article` is the set-up of the article this project grew from (bert-base-uncased ->
    distilbert-base-uncased on the hub's rotten_tomatoes, 2,000 examples a split), which needs the
    model hub."""
    if name not in PRESETS:
        raise WorkbenchError(
            f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}",
            code="config.unknown_preset",
            name=name,
            choices=PRESETS,
        )
    cfg = RunConfig()
    if name == "first-run":
        cfg.name = "first-run"
        # one pass at twice the default rate reaches the two-pass teacher's accuracy; a frozen
        # word-embedding table (half of MiniLM's weights) makes each step cheaper for both models
        cfg.teacher_training.epochs = 1
        cfg.teacher_training.learning_rate = 1e-4
        cfg.training.epochs = 1
        for tc in (cfg.teacher_training, cfg.training):
            tc.freeze_word_embeddings = True
    if name == "quick":
        cfg.name = "quick"
        cfg.data.max_train_examples = 2000
        cfg.data.max_eval_examples = 500
        for tc in (cfg.teacher_training, cfg.training):
            tc.epochs = 1
            tc.max_length = 64
    if name == "article":
        cfg.name = "article"
        cfg.data.source, cfg.data.name = "hub", "rotten_tomatoes"
        cfg.data.max_train_examples = cfg.data.max_eval_examples = 2000
        cfg.teacher.source, cfg.teacher.name = "hub", "bert-base-uncased"
        cfg.student.kind, cfg.student.source, cfg.student.name = "pretrained", "hub", "distilbert-base-uncased"
        cfg.training.batch_size = cfg.teacher_training.batch_size = 16
        cfg.training.learning_rate = 5e-5
    return cfg


# --------------------------------------------------------------------------- per student family
# Measured by `python -m benchmarks.students` (benchmarks/results/students.md) on the bundled data:
# a BiLSTM at the transformers' 1e-4 for one pass stays near the majority class (58% against 54%),
# at 2e-3 for 4 passes it keeps ~96% of the teacher. Small randomly initialised models need a higher
# rate and more passes than a student cut from a pretrained teacher. `pretrained` is not measured
# here: it gets the usual fine-tuning recipe of a pretrained transformer (5e-5, 3 passes).
FAMILY_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "layers": {
        "training": {"learning_rate": 1e-4, "epochs": 1, "freeze_word_embeddings": True},
        "student": {},
    },
    "pretrained": {
        "training": {"learning_rate": 5e-5, "epochs": 3, "freeze_word_embeddings": False},
        "student": {},
    },
    "scratch": {
        "training": {"learning_rate": 5e-4, "epochs": 4, "freeze_word_embeddings": False},
        "student": {"prune_vocab": True, "num_layers": 2, "hidden_size": 128, "num_heads": 2, "intermediate_size": 256},
    },
    "bilstm": {
        "training": {"learning_rate": 2e-3, "epochs": 4, "freeze_word_embeddings": False},
        "student": {"prune_vocab": True, "embedding_size": 128, "lstm_hidden_size": 128},
    },
}


def family_defaults(kind: str) -> dict[str, dict[str, Any]]:
    """The student family's own starting values: {"training": {...}, "student": {...}} (a copy).

    One table for the app (Setup applies it when a family is picked), the guided first run and the
    students benchmark, so the rate a family is measured at is the rate it is offered at."""
    if kind not in FAMILY_DEFAULTS:
        raise WorkbenchError(
            f"unknown student kind {kind!r}; choose one of {', '.join(FAMILY_DEFAULTS)}",
            code="config.bad_choice",
            field="student.kind",
            value=kind,
            choices=tuple(FAMILY_DEFAULTS),
        )
    return copy.deepcopy(FAMILY_DEFAULTS[kind])


@dataclass
class FamilyChange:
    """What `apply_family_defaults` did: fields set to the new family's value, and fields left as
    the person set them ("section.field" -> value), so the UI can say both."""

    kind: str
    applied: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)


def apply_family_defaults(cfg: RunConfig, kind: str, previous: str | None = None) -> FamilyChange:
    """Make `cfg`'s student a `kind` student with that family's training and size defaults.

    A value is only replaced when nobody chose it: when it still holds what `previous` (the family
    picked before; None = treat every value as a default) would have given it, else the dataclass
    default. So re-picking the same family changes nothing, and a learning rate typed by hand
    survives a switch of family (it is reported in `kept`)."""
    new = family_defaults(kind)
    old = family_defaults(previous) if previous in FAMILY_DEFAULTS else None
    change = FamilyChange(kind)
    cfg.student.kind = kind
    if previous == kind:
        return change
    pristine = {"training": TrainConfig(), "student": StudentConfig()}
    sections = {"training": cfg.training, "student": cfg.student}
    for section, values in new.items():
        target = sections[section]
        for name, value in values.items():
            current = getattr(target, name)
            untouched = (
                old is None or current == old[section].get(name, getattr(pristine[section], name)) or current == value
            )
            if untouched:
                setattr(target, name, value)
                change.applied[f"{section}.{name}"] = value
            else:
                change.kept[f"{section}.{name}"] = current
    return change


# --------------------------------------------------------------------------- few labels
FEW_LABEL_TEACHER_EPOCHS = 10  # passes of the head fine-tuning after the pairs
FEW_LABEL_PATIENCE = 3  # validations without a better score before the few-label teacher stops
# with few labels the encoder decides: MPNet's embeddings alone score 82.2% test at 64 labels per class
# where MiniLM's score 69.0% (`benchmarks.setfit_head_probe --model`), so the recipe swaps the bundled
# MiniLM teacher for the bundled MPNet, and the student becomes the bundled MiniLM (a cut of MPNet's
# own layers would be 3x larger than MiniLM)
FEW_LABEL_TEACHER = BUNDLED_MODEL_NAMES[1]
# MiniLM distilled over the pool MPNet labelled, seed 42: 1 pass 80.3% test (keeps 93.9% of 85.5%),
# 3 passes 82.8% (96.8%); its best validation came at pass 2.75
FEW_LABEL_STUDENT_EPOCHS = 3


def apply_few_labels(cfg: RunConfig, per_class: int | None) -> None:
    """Set `cfg` up for `per_class` labels per class (None: every label, the ordinary recipe back).

    The recipe `benchmarks/few_labels.py` measures: the rest of train is the unlabelled pool; the
    bundled MiniLM teacher is swapped for the bundled MPNet (and its cut student for the bundled
    MiniLM), which fine-tunes on the few labels directly; any other teacher learns with SetFit-style
    pairs first. Either way the fine-tuning takes more passes in smaller batches (128 labelled texts
    at the usual 32 per batch for 1-2 passes would be 4-8 steps).
    """
    d, t, base = cfg.data, cfg.teacher_training, RunConfig().teacher_training
    if per_class is None:  # back to every label: the ordinary teacher recipe too
        d.labels_per_class = None
        d.unlabelled_pool = None if d.unlabelled_pool == "rest-of-train" else d.unlabelled_pool
        cfg.few_labels.teacher_method = "finetune"
        t.epochs, t.batch_size, t.learning_rate = base.epochs, base.batch_size, base.learning_rate
        t.evals_per_epoch, t.early_stopping_patience = base.evals_per_epoch, base.early_stopping_patience
        _few_label_models(cfg, False)
        return
    d.labels_per_class = per_class
    d.unlabelled_pool = d.unlabelled_pool or "rest-of-train"
    mpnet = _few_label_models(cfg, True)
    # MPNet needs no pairs: plain fine-tuning of it on 64 per class scored 85.5% test (seed 42), SetFit's
    # pairs would add ~15 minutes; a smaller encoder such as MiniLM gains from them (73.4% vs 69.0%)
    cfg.few_labels.teacher_method = "finetune" if mpnet else "setfit"
    t.epochs, t.batch_size, t.learning_rate = FEW_LABEL_TEACHER_EPOCHS, 16, base.learning_rate
    # 128 labelled texts are 8 steps a pass: 4 validation passes an epoch would validate every 2 steps,
    # and validating 1,276 texts 40 times costs more than the 80 steps that learn
    t.evals_per_epoch = 1
    t.freeze_word_embeddings = False
    # the best checkpoint is kept anyway; 3 passes without a better validation score end it: MPNet's
    # 64-per-class teacher peaked at pass 3 of 10 (seed 42) and each pass validates for a minute
    t.early_stopping_patience = FEW_LABEL_PATIENCE


def _few_label_models(cfg: RunConfig, few: bool) -> bool:
    """Few labels: the bundled MPNet teaches the bundled MiniLM; every label: back to MiniLM and its cut.

    Only the bundled defaults are swapped, so a hub, local or earlier-run teacher a person picked stays;
    going back restores MiniLM only while the pair is still the one this set. -> the teacher is the bundled MPNet."""
    t, s = cfg.teacher, cfg.student
    minilm = t.source == "bundled" and t.name in ("", BUNDLED_MODEL_NAMES[0])
    mpnet = t.source == "bundled" and t.name == FEW_LABEL_TEACHER
    minilm_student = s.kind == "pretrained" and s.source == "bundled" and s.name in ("", BUNDLED_MODEL_NAMES[0])
    if few and (minilm or mpnet):
        t.name = FEW_LABEL_TEACHER
        if s.kind == "layers":
            s.kind, s.source, s.name = "pretrained", "bundled", ""
            cfg.training.epochs = FEW_LABEL_STUDENT_EPOCHS
    elif not few and mpnet and minilm_student:
        t.name = ""
        s.kind, s.source = "layers", StudentConfig().source
        if cfg.training.epochs == FEW_LABEL_STUDENT_EPOCHS:
            cfg.training.epochs = FAMILY_DEFAULTS["layers"]["training"]["epochs"]
    return (t.source, t.name) == ("bundled", FEW_LABEL_TEACHER)

"""Named starting points (`init-config --preset NAME`, the app's first screen): complete configs, not fragments."""

from __future__ import annotations

from workbench.config.run import RunConfig
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

"""The `few_labels:` section: how a teacher learns from a handful of labels per class.

`finetune` is the ordinary cross-entropy fine-tuning. `setfit` first trains the sentence encoder
contrastively on pairs of labelled texts (same class -> cosine 1, different -> 0; Tunstall et al.
2022, "Efficient Few-Shot Learning Without Prompts"), which makes many training signals out of few
labels, and then fine-tunes the classifier head (and body) on the labels as `finetune` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.config.fields import option

if TYPE_CHECKING:
    from workbench.config.run import RunConfig

TEACHER_METHODS = ("finetune", "setfit")
FEW_LABEL_TEACHER_EPOCHS = 10  # passes of the head fine-tuning after the pairs (see apply_few_labels)


@dataclass
class FewLabelsConfig:
    teacher_method: str = option("finetune", "finetune | setfit (contrastive pairs first; for few labels)")
    pair_iterations: int = option(20, "setfit: pairs drawn per labelled text, half same-class, half not")
    pair_batch_size: int = option(16, "setfit: pairs per contrastive step")
    pair_learning_rate: float = option(2e-5, "setfit: AdamW learning rate of the contrastive stage")
    pair_epochs: int = option(1, "setfit: passes over the pairs")


def apply_few_labels(cfg: RunConfig, per_class: int | None) -> None:
    """Set `cfg` up for `per_class` labels per class (None: every label, the ordinary recipe back).

    The recipe `benchmarks/few_labels.py` measures: the rest of train is the unlabelled pool, the
    teacher learns with SetFit-style pairs, then fine-tunes its head over more passes in smaller
    batches (128 labelled texts at the usual 32 per batch for 1-2 passes would be 4-8 steps).
    """
    from workbench.config.run import _teacher_training_default

    d, t = cfg.data, cfg.teacher_training
    if per_class is None:
        d.labels_per_class = None
        d.unlabelled_pool = None if d.unlabelled_pool == "rest-of-train" else d.unlabelled_pool
        cfg.few_labels.teacher_method = "finetune"
        return
    d.labels_per_class = per_class
    d.unlabelled_pool = d.unlabelled_pool or "rest-of-train"
    cfg.few_labels.teacher_method = "setfit"
    base = _teacher_training_default()
    t.epochs, t.batch_size, t.learning_rate, t.freeze_word_embeddings = (
        FEW_LABEL_TEACHER_EPOCHS,
        16,
        base.learning_rate,
        False,
    )

"""The `few_labels:` section: how a teacher learns from a handful of labels per class.

`finetune` is the ordinary cross-entropy fine-tuning. `setfit` first trains the sentence encoder
contrastively on pairs of labelled texts (same class -> cosine 1, different -> 0; Tunstall et al.
2022, "Efficient Few-Shot Learning Without Prompts"), which makes many training signals out of few
labels, and then fine-tunes the classifier head (and body) on the labels as `finetune` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option

TEACHER_METHODS = ("finetune", "setfit")


@dataclass
class FewLabelsConfig:
    teacher_method: str = option("finetune", "finetune | setfit (contrastive pairs first; for few labels)")
    pair_iterations: int = option(20, "setfit: pairs drawn per labelled text, half same-class, half not")
    pair_batch_size: int = option(16, "setfit: pairs per contrastive step")
    pair_learning_rate: float = option(2e-5, "setfit: AdamW learning rate of the contrastive stage")
    pair_epochs: int = option(1, "setfit: passes over the pairs")
    max_pairs: int = option(
        5120,
        "setfit: at most this many pairs a pass (SetFit's max_steps): 64 labels per class x 2 classes x 20 pairs "
        "x 2 fills it; larger budgets draw as many, so 256 per class costs what 64 does",
    )

"""The distillation signals: Hinton's loss, intermediate losses, ensembles, teacher logits (computed once and
cached), extra teachers and the transfer set.

It knows nothing of the training loop: it produces targets and losses the loop consumes.
"""

from workbench.distill import logits_cache
from workbench.distill.intermediate import HiddenProjections, attention_kl, hidden_mse, resolve_layer_map
from workbench.distill.losses import (
    DistillationLoss,
    check_hyperparameters,
    distillation_loss,
    soft_loss_per_example,
    soft_targets,
    with_intermediate,
)
from workbench.distill.teacher_logits import check_teacher, teacher_logits
from workbench.distill.teachers import (
    ensemble_report,
    ensemble_targets,
    extra_logits,
    load_extra_teachers,
    members_on_texts,
)
from workbench.distill.transfer import label_transfer, training_set

__all__ = [
    "DistillationLoss",
    "HiddenProjections",
    "attention_kl",
    "check_hyperparameters",
    "check_teacher",
    "distillation_loss",
    "ensemble_report",
    "ensemble_targets",
    "extra_logits",
    "hidden_mse",
    "label_transfer",
    "load_extra_teachers",
    "logits_cache",
    "members_on_texts",
    "resolve_layer_map",
    "soft_loss_per_example",
    "soft_targets",
    "teacher_logits",
    "training_set",
    "with_intermediate",
]

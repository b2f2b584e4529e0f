"""The knowledge-distillation loss (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a
Neural Network", arXiv:1503.02531).

    soft_i  = T^2 * KL( softmax(z_t,i / T) || softmax(z_s,i / T) )
    hard_i  = CE( z_s,i, y_i )
    total_i = alpha * soft_i + (1 - alpha) * hard_i     labelled example
            = soft_i                                    transfer example (y_i = -100, no label)
    total   = mean_i total_i                            (over the whole batch)
    soft    = mean_i soft_i,  hard = mean of hard_i over the labelled examples (0 when none)
    [total += hidden_weight * hidden + attention_weight * attention]   (`with_intermediate`)

With every example labelled this is Hinton's total = alpha * soft + (1 - alpha) * hard. Transfer
examples (Tang et al. 2019, arXiv:1903.12136: texts the teacher labels, `augment.py`) carry label
-100, PyTorch's `ignore_index`; they add soft loss at full weight, since they have nothing else.

- `z_t`, `z_s`: teacher and student *logits*. Never pass probabilities: softmaxing an already
  softmaxed output flattens the targets towards uniform (the article this project grew from did).
- `T` (temperature > 0): both distributions are softened with the same T. The T^2 factor keeps the
  soft loss's gradients the same size as T changes, so alpha means the same thing at every T.
- `hidden`, `attention`: the intermediate-layer losses of `intermediate.py` (TinyBERT, MiniLM),
  added on top with their own weights; None when off.
- `alpha` in [0, 1] weights the *soft* loss. alpha = 0 is plain fine-tuning on labels; alpha = 1
  learns from the teacher alone. (torchdistill's alpha weights the hard loss instead, and TextBrewer
  omits T^2: this project uses Hinton's form above, stated the same way in the UI.)

The module knows nothing about models or tokenisation: it maps logits and labels to numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from workbench.core import WorkbenchError
from workbench.data import NO_LABEL


class DistillationLoss(NamedTuple):
    total: torch.Tensor  # () scalar
    soft: torch.Tensor  # () scalar, already multiplied by T^2
    hard: torch.Tensor  # () scalar
    hidden: torch.Tensor | None = None  # () scalar, unweighted hidden-state MSE; None when off
    attention: torch.Tensor | None = None  # () scalar, unweighted attention KL; None when off


def check_hyperparameters(temperature: float, alpha: float) -> None:
    """Raise a one-line error for T <= 0 or alpha outside [0, 1]."""
    if not temperature > 0:  # also catches NaN
        raise WorkbenchError(f"temperature must be > 0, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise WorkbenchError(f"alpha must be in [0, 1], got {alpha}")


def soft_targets(teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(z_t / T): the teacher's softened class distribution. (n, C) -> (n, C)."""
    return F.softmax(teacher_logits.float() / temperature, dim=-1)


def soft_loss_per_example(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float
) -> torch.Tensor:
    """T^2 * KL(teacher_T || student_T) for each example. (n, C), (n, C) -> (n,)."""
    log_p_s = F.log_softmax(student_logits.float() / temperature, dim=-1)  # (n, C)
    log_p_t = F.log_softmax(teacher_logits.float() / temperature, dim=-1)  # (n, C)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=-1)  # (n,)
    return kl * temperature**2


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
) -> DistillationLoss:
    """Hinton's loss from logits: returns (total, soft, hard), each a scalar mean over the batch.

    student_logits: (bs, C), teacher_logits: (bs, C), labels: (bs,) int64 class ids, or
    `NO_LABEL` (-100) for transfer examples, which get the soft loss alone (module docstring).
    """
    check_hyperparameters(temperature, alpha)
    if student_logits.shape != teacher_logits.shape:
        raise WorkbenchError(
            f"student and teacher disagree on the number of classes: {tuple(student_logits.shape)} vs "
            f"{tuple(teacher_logits.shape)}"
        )
    soft_i = soft_loss_per_example(student_logits, teacher_logits.detach(), temperature)  # (bs,)
    # 0 for unlabelled examples; no branch on their presence, which would sync a GPU with the host
    hard_i = F.cross_entropy(student_logits.float(), labels, ignore_index=NO_LABEL, reduction="none")  # (bs,)
    labelled = (labels != NO_LABEL).float()  # (bs,)
    total_i = labelled * (alpha * soft_i + (1.0 - alpha) * hard_i) + (1.0 - labelled) * soft_i  # (bs,)
    hard = hard_i.sum() / labelled.sum().clamp(min=1.0)
    return DistillationLoss(total_i.mean(), soft_i.mean(), hard)


def with_intermediate(
    loss: DistillationLoss,
    hidden: torch.Tensor | None,
    attention: torch.Tensor | None,
    hidden_weight: float,
    attention_weight: float,
) -> DistillationLoss:
    """`loss` plus the weighted intermediate parts: total += hidden_weight * hidden + attention_weight * attention.

    The parts are kept unweighted in the result (what the charts show); a part that is None is off.
    """
    total = loss.total
    if hidden is not None:
        total = total + hidden_weight * hidden
    if attention is not None:
        total = total + attention_weight * attention
    return loss._replace(total=total, hidden=hidden, attention=attention)

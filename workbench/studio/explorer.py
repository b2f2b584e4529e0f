"""The numbers behind the Temperature & alpha page: softened probabilities, entropy, and the loss
of a handful of examples split into its soft and hard parts.

The page lets a non-engineer move T and alpha and watch what they do, so everything here is cheap
once the logits are known: models run once per example (`logits_for_texts`), and moving a slider
only re-does the softmax arithmetic. All loss math comes from `workbench.distill.losses`, so the page shows
exactly the convention training uses:

    total = alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE(z_s, y)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from workbench.config import RunConfig
from workbench.data import encode
from workbench.distill import check_hyperparameters, distillation_loss, soft_loss_per_example, soft_targets
from workbench.models import LoadedModel, accepted_inputs, build_student, load_teacher, predict_logits

DEFAULT_TEMPERATURES = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]


def load_models(cfg: RunConfig, label_names: list[str]) -> tuple[LoadedModel, LoadedModel]:
    """The teacher and the (untrained) student the config describes, as training would build them."""
    teacher = load_teacher(cfg.teacher, label_names)
    torch.manual_seed(cfg.seed)
    student = build_student(cfg.student, teacher, label_names)
    return teacher, student


def logits_for_texts(loaded: LoadedModel, texts: list[str], max_length: int = 128) -> torch.Tensor:
    """Raw logits of `texts` on CPU in fp32: -> (n, C). Logits do not depend on T, so this runs
    once per example and the sliders only re-do the softmax."""
    if not texts:
        return torch.empty(0, loaded.num_labels)
    enc = encode(loaded.tokenizer, texts, [0] * len(texts), max_length, accepted_inputs(loaded.model))
    device = next(loaded.model.parameters()).device
    return predict_logits(loaded.model, enc, 32, device)  # (n, C)


def entropy_bits(probs: torch.Tensor) -> torch.Tensor:
    """Shannon entropy in bits of each row: (..., C) -> (...). 0 = certain, log2(C) = uniform."""
    p = probs.float().clamp_min(1e-12)  # (..., C)
    return -(p * p.log2()).sum(dim=-1)


def temperature_curve(logits: torch.Tensor | list[float], temperatures: list[float] | None = None) -> dict[str, Any]:
    """How one example's softened distribution flattens as T grows.

    logits: (C,) -> {"temperatures": [K], "probs": (K, C) list, "entropy": [K] bits, "max_entropy": bits}.
    """
    temps = list(temperatures or DEFAULT_TEMPERATURES)
    for t in temps:
        check_hyperparameters(t, 0.5)
    z = torch.as_tensor(logits, dtype=torch.float32).reshape(1, -1)  # (1, C)
    probs = torch.cat([soft_targets(z, t) for t in temps])  # (K, C)
    return {
        "temperatures": temps,
        "probs": probs.tolist(),
        "entropy": entropy_bits(probs).tolist(),
        "max_entropy": math.log2(z.shape[-1]),
    }


@dataclass
class LossBreakdown:
    """Per-example loss parts (lists of n floats) and their batch means, as training computes them."""

    soft: list[float]  # T^2 * KL(teacher_T || student_T)
    hard: list[float]  # CE(student, label)
    weighted_soft: list[float]  # alpha * soft
    weighted_hard: list[float]  # (1 - alpha) * hard
    total: list[float]  # weighted_soft + weighted_hard
    mean_soft: float
    mean_hard: float
    mean_total: float


def loss_breakdown(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor, temperature: float, alpha: float
) -> LossBreakdown:
    """Split the distillation loss of a few examples into its parts.

    student_logits: (n, C), teacher_logits: (n, C), labels: (n,) int64. The means equal
    `losses.distillation_loss` on the same batch (the tests check it).
    """
    check_hyperparameters(temperature, alpha)
    soft = soft_loss_per_example(student_logits, teacher_logits, temperature)  # (n,)
    hard = F.cross_entropy(student_logits.float(), labels, reduction="none")  # (n,)
    w_soft, w_hard = alpha * soft, (1.0 - alpha) * hard  # (n,), (n,)
    means = distillation_loss(student_logits, teacher_logits, labels, temperature, alpha)
    return LossBreakdown(
        soft=soft.tolist(),
        hard=hard.tolist(),
        weighted_soft=w_soft.tolist(),
        weighted_hard=w_hard.tolist(),
        total=(w_soft + w_hard).tolist(),
        mean_soft=float(means.soft),
        mean_hard=float(means.hard),
        mean_total=float(means.total),
    )


def softened(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(z / T) of each row: (n, C) -> (n, C)."""
    check_hyperparameters(temperature, 0.5)
    return soft_targets(logits, temperature)


@dataclass
class Explanation:
    """Everything the page draws for the chosen examples at one (T, alpha), as plain lists."""

    teacher_probs: list[list[float]]  # (n, C) softmax(z_t / T)
    student_probs: list[list[float]]  # (n, C) softmax(z_s / T)
    teacher_entropy: list[float]  # (n,) bits of the teacher's softened distribution
    loss: LossBreakdown


def explain(
    teacher_logits: list[list[float]] | torch.Tensor,
    student_logits: list[list[float]] | torch.Tensor,
    labels: list[int],
    temperature: float,
    alpha: float,
) -> Explanation:
    """Softened probabilities, the teacher's entropy and the loss parts for n examples at (T, alpha).

    Takes the logits the page cached (lists are fine), so moving a slider never re-runs a model.
    """
    z_t = torch.as_tensor(teacher_logits, dtype=torch.float32)  # (n, C)
    z_s = torch.as_tensor(student_logits, dtype=torch.float32)  # (n, C)
    y = torch.as_tensor(labels, dtype=torch.long)  # (n,)
    p_t, p_s = softened(z_t, temperature), softened(z_s, temperature)  # (n, C), (n, C)
    return Explanation(
        teacher_probs=p_t.tolist(),
        student_probs=p_s.tolist(),
        teacher_entropy=entropy_bits(p_t).tolist(),
        loss=loss_breakdown(z_s, z_t, y, temperature, alpha),
    )

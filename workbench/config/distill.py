"""The `distill:` section: how the student's loss mixes the teacher's soft targets, hidden states and labels."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option


@dataclass
class DistillConfig:
    temperature: float = option(2.0, "T > 0: both distributions are softened with softmax(logits / T)")
    alpha: float = option(0.5, "weight of the soft (teacher) loss; 1 - alpha weights cross-entropy on labels")
    hidden_weight: float = option(
        0.0,
        "weight of the hidden-state loss (TinyBERT): MSE between student and teacher layer outputs through a "
        "learned projection; transformer students sharing the teacher's tokenizer; 0 = off",
    )
    attention_weight: float = option(
        0.0,
        "weight of the attention loss (MiniLM): KL between teacher and student attention distributions of mapped "
        "layers (heads averaged); 0 = off",
    )
    layer_map: list[int] | None = option(
        None,
        "teacher layer (0-based) each student layer learns from in the hidden and attention losses; "
        "empty = the kept layers (kind: layers) or evenly spaced",
    )
    ensemble: str = option(
        "probs",
        "with several teachers: probs (targets = mean of the teachers' softened probabilities) | "
        "logits (mean of their logits)",
    )

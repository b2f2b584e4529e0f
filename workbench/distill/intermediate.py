"""Intermediate-layer distillation losses: what the student's layers should look like inside.

Hinton's loss (losses.py) only matches the teacher's output distribution. A transformer student that
shares the teacher's tokenizer can also be told what each of its layers should compute:

- Hidden-state MSE (TinyBERT: Jiao et al. 2020, "TinyBERT: Distilling BERT for Natural Language
  Understanding", arXiv:1909.10351, eq. 7). For student layer i mapped to teacher layer m(i):

      L_hidden = 1/|map| * sum_i  MSE( H_s^i W_i , H_t^{m(i)} )

  H_s^i: (bs, seq, H_s) output of student layer i; H_t^{m(i)}: (bs, seq, H_t); W_i: a learned
  (H_s -> H_t) linear projection, so a narrower student can still be compared (identity start when
  the widths are equal). MSE averages over the real (non-padding) tokens and the H_t features.

- Attention KL (MiniLM: Wang et al. 2020, "MiniLM: Deep Self-Attention Distillation for
  Task-Agnostic Compression of Pre-Trained Transformers", arXiv:2002.10957, self-attention
  distribution transfer, eq. 4):

      A^l = mean over heads of softmax(Q K^T / sqrt(d))          (bs, seq_q, seq_k), rows sum to 1
      L_attention = 1/|map| * sum_i  mean over real queries q of  KL( A_t^{m(i)}[q] || A_s^i[q] )

  MiniLM compares head by head and so needs equal head counts. Here the heads are averaged first
  (the average of distributions is a distribution), so a student with fewer heads than the teacher
  (a scratch student, say) can learn from it too; the price is that head-specific patterns are
  only matched on average. Padding keys get probability 0 from both models (the attention mask),
  padding queries are left out.

- Layer map: `distill.layer_map` when given, else the teacher layers a `layers` student was cut
  from (its layer i *is* a copy of teacher layer keep[i]), else evenly spaced
  m(i) = round_half_up((i + 1) * L_t / L_s) - 1, so the student's last layer learns from the
  teacher's last.

Hidden states are indexed as Hugging Face returns them: `hidden_states[0]` is the embedding output,
`hidden_states[l + 1]` the output of layer l; `attentions[l]` belongs to layer l.

The module knows nothing about training or data: tensors in, scalars out.
"""

from __future__ import annotations

import torch
from torch import nn

from workbench.core import WorkbenchError


def evenly_spaced(n_student: int, n_teacher: int) -> list[int]:
    """Student layer i -> teacher layer round_half_up((i + 1) * L_t / L_s) - 1: 3 of 6 -> [1, 3, 5]."""
    return [int((i + 1) * n_teacher / n_student + 0.5) - 1 for i in range(n_student)]


def resolve_layer_map(
    layer_map: list[int] | None, n_student: int, n_teacher: int, kept: list[int] | None = None
) -> list[int]:
    """The teacher layer (0-based) for each student layer, or a one-line error when it doesn't fit.

    `kept`: the teacher layers a student cut from the teacher keeps (kind layers), the default map.
    """
    chosen = layer_map if layer_map else (sorted(kept) if kept else evenly_spaced(n_student, n_teacher))
    if len(chosen) != n_student:
        raise WorkbenchError(
            f"distill.layer_map needs one teacher layer per student layer ({n_student}), got {len(chosen)}: {chosen}"
        )
    if any(not 0 <= m < n_teacher for m in chosen):
        raise WorkbenchError(f"distill.layer_map values must be teacher layers 0..{n_teacher - 1}, got {chosen}")
    return list(chosen)


class HiddenProjections(nn.Module):
    """One learned W_i (H_s -> H_t) per student layer: training-only, never part of the saved student.

    Equal widths start at the identity (with zero bias), so the loss starts as the plain distance
    between the two models' states; otherwise nn.Linear's default initialisation.
    """

    def __init__(self, n_student: int, student_width: int, teacher_width: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(student_width, teacher_width) for _ in range(n_student))
        if student_width == teacher_width:
            with torch.no_grad():
                for lin in self.layers:
                    lin.weight.copy_(torch.eye(teacher_width))
                    lin.bias.zero_()


def hidden_mse(
    student_hidden: tuple[torch.Tensor, ...],
    teacher_hidden: tuple[torch.Tensor, ...],
    projections: nn.Module,
    layer_map: list[int],
    attention_mask: torch.Tensor,
) -> torch.Tensor:
    """TinyBERT's hidden-state loss (see the module docstring) -> () scalar.

    student_hidden / teacher_hidden: Hugging Face `hidden_states` (L + 1 tensors, embeddings first),
    each (bs, seq, H). projections: anything indexable as projections.layers[i] (H_s -> H_t).
    attention_mask: (bs, seq), 1 for real tokens.
    """
    mask = attention_mask.to(student_hidden[0].device).float().unsqueeze(-1)  # (bs, seq, 1)
    real = mask.sum().clamp_min(1.0)
    losses = []
    for i, m in enumerate(layer_map):
        hs = student_hidden[i + 1].float()  # (bs, seq, H_s)
        ht = teacher_hidden[m + 1].float().detach()  # (bs, seq, H_t)
        proj = projections.layers[i](hs)  # (bs, seq, H_t)
        sq = (proj - ht).pow(2) * mask  # (bs, seq, H_t), zero at padding
        losses.append(sq.sum() / (real * ht.shape[-1]))
    return torch.stack(losses).mean()


def attention_kl(
    student_attentions: tuple[torch.Tensor, ...],
    teacher_attentions: tuple[torch.Tensor, ...],
    layer_map: list[int],
    attention_mask: torch.Tensor,
    eps: float = 1e-12,
) -> torch.Tensor:
    """MiniLM's attention-distribution loss with heads averaged (see the module docstring) -> () scalar.

    student_attentions / teacher_attentions: Hugging Face `attentions` (one per layer), each
    (bs, heads, seq, seq) with rows that sum to 1; the two models may have different head counts.
    attention_mask: (bs, seq), 1 for real tokens; padding queries are left out of the mean.
    """
    mask = attention_mask.to(student_attentions[0].device).float()  # (bs, seq)
    real = mask.sum().clamp_min(1.0)
    losses = []
    for i, m in enumerate(layer_map):
        a_s = student_attentions[i].float().mean(dim=1)  # (bs, seq, seq)
        a_t = teacher_attentions[m].float().detach().mean(dim=1)  # (bs, seq, seq)
        # 0 * log 0 = 0: padding keys have probability 0 in the teacher and contribute nothing
        kl = (a_t * (torch.log(a_t.clamp_min(eps)) - torch.log(a_s.clamp_min(eps)))).sum(-1)  # (bs, seq)
        losses.append((kl * mask).sum() / real)
    return torch.stack(losses).mean()

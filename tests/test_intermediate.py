"""Intermediate-layer losses (workbench/distill/intermediate.py) against values worked by hand on tiny tensors."""

import math

import pytest
import torch
from torch import nn

from workbench.core import WorkbenchError
from workbench.distill import (
    DistillationLoss,
    HiddenProjections,
    attention_kl,
    hidden_mse,
    resolve_layer_map,
    with_intermediate,
)
from workbench.distill.intermediate import evenly_spaced


class FixedProjection(nn.Module):
    """W = [[1, 0], [0, 1], [1, 1]] (H_s 2 -> H_t 3), no bias: token [a, b] -> [a, b, a + b]."""

    def __init__(self, layers: int = 1) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(2, 3, bias=False) for _ in range(layers))
        with torch.no_grad():
            for lin in self.layers:
                lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))


STUDENT_LAYER = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])  # (1, 2, 2): projected [1, 2, 3], [3, 4, 7]
TEACHER_LAYER = torch.tensor([[[0.0, 2.0, 3.0], [3.0, 4.0, 5.0]]])  # (1, 2, 3): squared errors 1 and 4


def test_hidden_mse_with_a_fixed_projection_by_hand():
    student = (torch.zeros(1, 2, 2), STUDENT_LAYER)  # embeddings, layer 0
    teacher = (torch.zeros(1, 2, 3), torch.full((1, 2, 3), 9.0), TEACHER_LAYER)  # embeddings, layers 0, 1
    both = torch.tensor([[1, 1]])
    # (1 + 4) / (2 tokens * 3 features)
    assert hidden_mse(student, teacher, FixedProjection(), [1], both).item() == pytest.approx(5 / 6)
    # the second token is padding: only its 1 / 3 is left
    assert hidden_mse(student, teacher, FixedProjection(), [1], torch.tensor([[1, 0]])).item() == pytest.approx(1 / 3)


def test_hidden_mse_averages_over_mapped_layers():
    student = (torch.zeros(1, 2, 2), STUDENT_LAYER, STUDENT_LAYER)
    # teacher layer 0 is the projection itself (loss 0), layer 1 gives 5 / 6
    teacher = (torch.zeros(1, 2, 3), torch.tensor([[[1.0, 2.0, 3.0], [3.0, 4.0, 7.0]]]), TEACHER_LAYER)
    loss = hidden_mse(student, teacher, FixedProjection(2), [0, 1], torch.tensor([[1, 1]]))
    assert loss.item() == pytest.approx((0 + 5 / 6) / 2)


def test_projection_starts_at_identity_and_learns():
    proj = HiddenProjections(2, 4, 4)
    x = torch.randn(3, 4)
    assert torch.equal(proj.layers[1](x), x)
    h = torch.randn(1, 3, 4, requires_grad=True)
    loss = hidden_mse((h, h, h), (h, h + 1, h + 1), proj, [0, 1], torch.ones(1, 3))
    assert loss.item() == pytest.approx(1.0)  # every feature off by exactly 1
    loss.backward()
    assert proj.layers[0].bias.grad is not None and proj.layers[0].bias.grad.abs().sum() > 0
    assert HiddenProjections(1, 2, 5).layers[0].weight.shape == (5, 2)


A_T = torch.tensor([[[[0.5, 0.5], [0.9, 0.1]]]])  # (1, 1 head, 2 queries, 2 keys)
A_S = torch.tensor([[[[0.25, 0.75], [0.5, 0.5]]]])
ROW0 = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
ROW1 = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)


def test_attention_kl_on_2x2_distributions_by_hand():
    both = torch.tensor([[1, 1]])
    assert attention_kl((A_S,), (A_T,), [0], both).item() == pytest.approx((ROW0 + ROW1) / 2)
    # the second query is padding: left out of the mean
    assert attention_kl((A_S,), (A_T,), [0], torch.tensor([[1, 0]])).item() == pytest.approx(ROW0)
    assert attention_kl((A_T,), (A_T,), [0], both).item() == pytest.approx(0.0, abs=1e-7)


def test_attention_kl_averages_heads_first_so_head_counts_may_differ():
    # two student heads whose mean is A_S; the teacher has one head
    heads = torch.tensor([[[[0.5, 0.5], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]]])  # (1, 2, 2, 2)
    assert attention_kl((heads,), (A_T,), [0], torch.tensor([[1, 1]])).item() == pytest.approx((ROW0 + ROW1) / 2)


def test_attention_kl_ignores_padding_keys_and_maps_layers():
    # a padded third key has probability 0 in both models: same value as without it, and finite
    a_t = torch.tensor([[[[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.5, 0.5, 0.0]]]])
    a_s = torch.tensor([[[[0.25, 0.75, 0.0], [0.25, 0.75, 0.0], [0.25, 0.75, 0.0]]]])
    mask = torch.tensor([[1, 1, 0]])
    other = torch.full((1, 1, 3, 3), 1 / 3)
    # student layer 0 learns from teacher layer 1 (the second of the teacher's attentions)
    assert attention_kl((a_s,), (other, a_t), [1], mask).item() == pytest.approx(ROW0)


def test_layer_maps():
    assert evenly_spaced(3, 6) == [1, 3, 5]
    assert evenly_spaced(4, 6) == [1, 2, 4, 5]  # (i + 1) * 1.5 = 1.5, 3, 4.5, 6, rounded half up, minus 1
    assert evenly_spaced(2, 4) == [1, 3]
    assert resolve_layer_map(None, 3, 6, kept=[4, 0, 2]) == [0, 2, 4]  # the layers a cut student kept
    assert resolve_layer_map(None, 2, 4) == [1, 3]
    assert resolve_layer_map([0, 5], 2, 6) == [0, 5]
    with pytest.raises(WorkbenchError, match="one teacher layer per student layer"):
        resolve_layer_map([0, 1, 2], 2, 6)
    with pytest.raises(WorkbenchError, match=r"teacher layers 0\.\.3"):
        resolve_layer_map([0, 4], 2, 4)


def test_with_intermediate_adds_weighted_parts():
    one = torch.tensor(1.0)
    base = DistillationLoss(one, torch.tensor(0.5), torch.tensor(1.5))
    assert base.hidden is None and base.attention is None
    out = with_intermediate(base, torch.tensor(2.0), torch.tensor(0.1), 0.5, 3.0)
    assert out.total.item() == pytest.approx(1.0 + 0.5 * 2.0 + 3.0 * 0.1)
    assert out.hidden.item() == 2.0 and out.attention.item() == pytest.approx(0.1)
    only_hidden = with_intermediate(base, torch.tensor(2.0), None, 0.5, 3.0)
    assert only_hidden.total.item() == pytest.approx(2.0) and only_hidden.attention is None

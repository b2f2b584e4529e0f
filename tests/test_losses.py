"""The distillation loss against values worked out independently (plain Python math, no torch)."""

import math

import pytest
import torch

from workbench.core import WorkbenchError
from workbench.distill import distillation_loss, soft_targets


def _softmax(xs, t=1.0):
    exps = [math.exp(x / t) for x in xs]
    s = sum(exps)
    return [e / s for e in exps]


def _golden(student, teacher, labels, t, alpha):
    """Hinton's loss computed with the math module, example by example."""
    soft, hard = 0.0, 0.0
    for zs, zt, y in zip(student, teacher, labels, strict=True):
        p_t, p_s = _softmax(zt, t), _softmax(zs, t)
        soft += t * t * sum(pt * (math.log(pt) - math.log(ps)) for pt, ps in zip(p_t, p_s, strict=True))
        hard += -math.log(_softmax(zs)[y])
    n = len(labels)
    soft, hard = soft / n, hard / n
    return alpha * soft + (1 - alpha) * hard, soft, hard


CASES = [
    ([[2.0, -1.0], [0.5, 0.3]], [[3.0, -2.0], [-1.0, 1.5]], [0, 1], 2.0, 0.5),
    ([[1.0, 0.0, -1.0]], [[0.2, 2.5, -0.3]], [2], 4.0, 0.9),
    ([[0.1, 0.2], [5.0, -5.0], [-3.0, 3.0]], [[1.0, 1.0], [2.0, 0.0], [0.0, 0.1]], [1, 0, 0], 1.0, 0.25),
]


@pytest.mark.parametrize("student,teacher,labels,t,alpha", CASES)
def test_matches_golden_values(student, teacher, labels, t, alpha):
    torch.set_num_threads(1)
    out = distillation_loss(torch.tensor(student), torch.tensor(teacher), torch.tensor(labels), t, alpha)
    total, soft, hard = _golden(student, teacher, labels, t, alpha)
    assert out.total.item() == pytest.approx(total, rel=1e-5)
    assert out.soft.item() == pytest.approx(soft, rel=1e-5)
    assert out.hard.item() == pytest.approx(hard, rel=1e-5)


def test_hand_worked_value():
    # teacher [0, ln 3] at T=1 -> [0.25, 0.75]; student [0, 0] -> [0.5, 0.5]
    # KL = 0.25 ln(0.5) + 0.75 ln(1.5) = 0.130812...; CE(label 1) = ln 2
    out = distillation_loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, math.log(3)]]), torch.tensor([1]), 1.0, 0.5)
    kl = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    assert out.soft.item() == pytest.approx(kl, rel=1e-6)
    assert out.total.item() == pytest.approx(0.5 * kl + 0.5 * math.log(2), rel=1e-6)


def test_alpha_zero_is_cross_entropy():
    s, t, y = torch.randn(5, 3), torch.randn(5, 3), torch.tensor([0, 1, 2, 1, 0])
    out = distillation_loss(s, t, y, 3.0, 0.0)
    assert out.total.item() == pytest.approx(torch.nn.functional.cross_entropy(s, y).item(), rel=1e-6)


def test_identical_logits_have_zero_soft_loss():
    z = torch.randn(4, 2)
    out = distillation_loss(z, z.clone(), torch.tensor([0, 1, 1, 0]), 2.5, 1.0)
    assert out.soft.item() == pytest.approx(0.0, abs=1e-6)
    assert out.total.item() == pytest.approx(0.0, abs=1e-6)


def test_temperature_squared_scaling_keeps_gradients_comparable():
    """Without T^2 the soft gradient shrinks about as 1/T^2; with it, it stays the same order."""
    s = torch.tensor([[1.0, -1.0]], requires_grad=True)
    t = torch.tensor([[-1.0, 1.0]])
    norms = []
    for temp in (1.0, 10.0):
        s.grad = None
        distillation_loss(s, t, torch.tensor([0]), temp, 1.0).total.backward()
        norms.append(s.grad.norm().item())
    assert 0.2 < norms[1] / norms[0] < 5.0


def test_gradient_does_not_reach_teacher():
    s = torch.randn(3, 2, requires_grad=True)
    t = torch.randn(3, 2, requires_grad=True)
    distillation_loss(s, t, torch.tensor([0, 1, 0]), 2.0, 0.7).total.backward()
    assert t.grad is None and s.grad is not None


@pytest.mark.parametrize("t,alpha", [(0.0, 0.5), (-1.0, 0.5), (float("nan"), 0.5), (1.0, -0.1), (1.0, 1.5)])
def test_rejects_bad_hyperparameters(t, alpha):
    with pytest.raises(WorkbenchError):
        distillation_loss(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([0]), t, alpha)


def test_soft_targets_flatten_with_temperature():
    z = torch.tensor([[4.0, 0.0]])
    assert soft_targets(z, 1.0)[0, 0] > soft_targets(z, 4.0)[0, 0] > soft_targets(z, 50.0)[0, 0] > 0.5

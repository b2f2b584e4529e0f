"""Ensemble of teachers (workbench/distill/ensemble.py): its soft targets are the stated averages."""

import math

import pytest
import torch

from workbench.core import WorkbenchError
from workbench.distill import soft_loss_per_example, soft_targets
from workbench.distill.ensemble import combine_logits


def test_logits_rule_is_the_mean_of_logits():
    z = combine_logits([torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 0.0]])], "logits", 2.0)
    assert z.tolist() == [[2.0, 1.0]]


def test_probs_rule_soft_targets_are_the_mean_of_softened_probabilities():
    T = 2.0
    z1 = torch.tensor([[0.0, 2 * math.log(3)]])  # softmax(z1 / 2) = [1/4, 3/4]
    z2 = torch.tensor([[0.0, 0.0]])  # [1/2, 1/2]
    z = combine_logits([z1, z2], "probs", T)
    assert soft_targets(z, T)[0].tolist() == pytest.approx([0.375, 0.625])
    assert z[0].tolist() == pytest.approx([T * math.log(0.375), T * math.log(0.625)])
    # the loss against the ensemble is T^2 * KL(mean || student), worked by hand for a uniform student
    kl = 0.375 * math.log(0.375 / 0.5) + 0.625 * math.log(0.625 / 0.5)
    assert soft_loss_per_example(torch.zeros(1, 2), z, T).item() == pytest.approx(T**2 * kl)


def test_probs_rule_differs_from_logits_rule_and_one_teacher_is_itself():
    z1, z2 = torch.tensor([[4.0, 0.0, 0.0]]), torch.tensor([[0.0, 0.0, 4.0]])
    p = soft_targets(combine_logits([z1, z2], "probs", 1.0), 1.0)
    mean = (torch.softmax(z1, -1) + torch.softmax(z2, -1)) / 2
    assert torch.allclose(p, mean)
    assert not torch.allclose(p, soft_targets(combine_logits([z1, z2], "logits", 1.0), 1.0))
    assert torch.allclose(soft_targets(combine_logits([z1], "probs", 3.0), 3.0), soft_targets(z1, 3.0))


def test_bad_ensembles():
    with pytest.raises(WorkbenchError, match="disagree"):
        combine_logits([torch.zeros(2, 2), torch.zeros(2, 3)], "probs", 1.0)
    with pytest.raises(WorkbenchError, match="probs or logits"):
        combine_logits([torch.zeros(2, 2)], "median", 1.0)

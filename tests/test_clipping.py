"""Gradient clipping that skips the multiply by one: the same gradients as torch's `clip_grad_norm_`."""

import pytest
import torch

from workbench.config import TrainConfig
from workbench.training import make_accelerator
from workbench.training.clipping import clip_gradients


def params_with_grads(scale, seed=0):
    torch.manual_seed(seed)
    params = [
        torch.nn.Parameter(torch.randn(5, 3)),
        torch.nn.Parameter(torch.randn(7)),
        torch.nn.Parameter(torch.ones(2)),
    ]
    for p in params[:2]:
        p.grad = torch.randn_like(p) * scale
    return params  # the last one has no gradient


@pytest.fixture
def accelerator():
    return make_accelerator(TrainConfig(device="cpu", precision="fp32", num_threads=1))[0]


@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_same_gradients_and_norm_as_torch(accelerator, scale):
    ours, theirs = params_with_grads(scale), params_with_grads(scale)
    norm = clip_gradients(accelerator, ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert torch.equal(norm, expected)
    for a, b in zip(ours, theirs, strict=True):
        assert (a.grad is None and b.grad is None) or torch.equal(a.grad, b.grad)


def test_multiplies_only_when_over_the_limit(accelerator, monkeypatch):
    calls = []
    real = torch.nn.utils.clip_grads_with_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grads_with_norm_", lambda *a, **k: calls.append(1) or real(*a, **k))
    clip_gradients(accelerator, params_with_grads(0.01), 1.0)
    assert calls == []
    clip_gradients(accelerator, params_with_grads(10.0), 1.0)
    assert calls == [1]


def test_a_nan_gradient_spreads_as_with_torch(accelerator):
    ours, theirs = params_with_grads(0.01), params_with_grads(0.01)
    ours[0].grad[0, 0] = theirs[0].grad[0, 0] = float("nan")
    clip_gradients(accelerator, ours, 1.0)
    torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert torch.isnan(ours[1].grad).all() and torch.isnan(theirs[1].grad).all()

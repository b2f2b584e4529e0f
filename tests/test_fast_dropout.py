"""Dropout masks from 64-bit random words: torch's dropout in distribution, patched only within the `with`,
and what the training loop uses on the CPU."""

import pytest
import torch

import workbench.models.dropout_masks as fd
from tests.test_train_loop import run, toy_config, toy_encoded, toy_model
from workbench.models import fast_dropout


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5])
def test_noise_drops_p_of_the_elements_and_keeps_the_mean(p):
    torch.manual_seed(0)
    x = torch.ones(400, 1000)
    noise = fd.dropout_noise(x, p)  # (400, 1000)
    assert noise.shape == x.shape and noise.dtype == x.dtype
    dropped = (noise == 0).float().mean().item()
    assert abs(dropped - p) < 0.005  # 400k draws: the standard error is under 0.001
    assert abs(noise.mean().item() - 1.0) < 0.005  # kept values scaled by 1 / keep probability
    kept = noise[noise != 0]
    assert torch.allclose(kept, torch.full_like(kept, 1 / (1 - round(p * 65536) / 65536)))


def test_all_four_16_bit_lanes_of_a_word_are_used_alike():
    """A word read as four draws: a lane that never dropped (e.g. the sign half of a non-negative
    int64) would show as a column without zeros."""
    torch.manual_seed(1)
    noise = fd.dropout_noise(torch.ones(200_000, 4), 0.5)  # row i = the four draws of word i
    per_lane = (noise == 0).float().mean(0)  # (4,)
    assert torch.all((per_lane - 0.5).abs() < 0.01), per_lane


def test_dtype_edges_and_reproducible_from_the_seed():
    x = torch.randn(8, 5, 7, dtype=torch.bfloat16)
    torch.manual_seed(3)
    a = fd.dropout_noise(x, 0.1)
    torch.manual_seed(3)
    b = fd.dropout_noise(x, 0.1)
    assert a.dtype == torch.bfloat16 and torch.equal(a, b)
    assert torch.equal(fd.dropout_noise(x, 1.0), torch.zeros_like(x))


def test_patched_modules_drop_in_training_pass_through_in_eval_and_come_back():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5), torch.nn.Dropout(0.0))
    x = torch.ones(64, 4, requires_grad=True)
    with fast_dropout(model) as patched:
        assert patched == 2
        assert all("forward" in vars(m) for m in model if isinstance(m, torch.nn.Dropout))
        model[1].train()
        y = model[1](x)  # (64, 4)
        assert 0.3 < (y == 0).float().mean().item() < 0.7
        y.sum().backward()  # the gradient is the mask times the scale: 0 or 2
        assert torch.equal(x.grad, (y != 0).float() * 2.0)
        model.eval()
        assert torch.equal(model[1](x), x)
        with fast_dropout(model) as inner:  # nested: the outer patch stays, nothing is patched twice
            assert inner == 0
        assert "forward" in vars(model[1])
    assert not any("forward" in vars(m) for m in model.modules())


def test_off_when_disabled_or_not_on_the_cpu():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4, device="meta"), torch.nn.Dropout(0.1))
    with fast_dropout(model) as patched:
        assert patched == 0
    with fast_dropout(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.1)), enabled=False) as patched:
        assert patched == 0


@pytest.mark.parametrize("off", [False, True])
def test_the_training_loop_draws_its_masks_here_unless_switched_off(monkeypatch, off):
    calls = []
    real = fd.dropout_noise
    monkeypatch.setattr(fd, "dropout_noise", lambda x, p: calls.append(p) or real(x, p))
    if off:
        monkeypatch.setenv("WORKBENCH_SPEED_OFF", "dropout_masks")
    model = toy_model()  # BERT dropouts 0.1
    result, _ = run(toy_config(epochs=1), model, toy_encoded(8))
    assert result.steps == 4
    assert (calls == []) == off
    assert not any("forward" in vars(m) for m in model.modules())  # unpatched once the loop returns

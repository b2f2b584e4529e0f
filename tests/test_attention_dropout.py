"""The training loop's attention on the CPU: SDPA's math-path arithmetic with the workbench's dropout masks,
switched on only within the `with`, passing everything it does not cover to transformers' own SDPA."""

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from transformers.integrations.sdpa_attention import sdpa_attention_forward

import workbench.models.attention_dropout as ad
import workbench.models.dropout_masks as fd
from tests.test_train_loop import run, toy_config, toy_encoded, toy_model
from workbench.models import fast_attention, first_token_only


class _Module(torch.nn.Module):
    is_causal = False


def _qkv(dtype, b=3, h=4, lq=7, lk=7, d=8):
    torch.manual_seed(0)
    q = torch.randn(b, h, lq, d, dtype=dtype, requires_grad=True)
    k = torch.randn(b, h, lk, d, dtype=dtype, requires_grad=True)
    v = torch.randn(b, h, lk, d, dtype=dtype, requires_grad=True)
    return q, k, v


def _out_and_grads(fn, q, k, v, mask, **kw):
    for t in (q, k, v):
        t.grad = None
    out, weights = fn(_Module(), q, k, v, mask, scaling=0.3, **kw)  # (b, Lq, h, d)
    out.float().pow(2).sum().backward()
    return out.detach().float(), [t.grad.float().clone() for t in (q, k, v)], weights


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("mask_kind", ["none", "bool", "additive"])
def test_same_output_and_gradients_as_sdpa_math_without_dropout(dtype, mask_kind):
    q, k, v = _qkv(dtype)
    keep = torch.ones(3, 1, 7, 7, dtype=torch.bool)
    keep[1, ..., 4:] = False  # the second text padded after 4 tokens
    mask = {"none": None, "bool": keep, "additive": torch.zeros(keep.shape).masked_fill(~keep, -1e9)}[mask_kind]
    ours, ours_grads, weights = _out_and_grads(ad.dropout_attention, q, k, v, mask)
    with sdpa_kernel(SDPBackend.MATH):  # the path torch takes on the CPU in training
        ref, ref_grads, _ = _out_and_grads(sdpa_attention_forward, q, k, v, mask)
    assert ours.shape == (3, 7, 4, 8) and weights is None
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == torch.float32 else dict(rtol=0, atol=0)
    torch.testing.assert_close(ours, ref, **tol)
    for a, b in zip(ours_grads, ref_grads, strict=True):
        torch.testing.assert_close(a, b, **tol)


def test_dropout_uses_the_workbench_masks_and_keeps_the_expected_value(monkeypatch):
    calls = []
    real = fd.dropout_noise
    monkeypatch.setattr(ad, "dropout_noise", lambda x, p: calls.append((tuple(x.shape), p)) or real(x, p))
    torch.manual_seed(0)
    q = torch.zeros(2, 2, 1, 4)  # all scores 0: uniform probabilities over 200 keys
    v = torch.ones(2, 2, 200, 4)
    out, _ = ad.dropout_attention(_Module(), q, torch.zeros(2, 2, 200, 4), v, None, dropout=0.25)  # (2, 1, 2, 4)
    assert calls == [((2, 2, 1, 200), 0.25)]
    # each output is (kept keys / 200) / keep probability: 1 on average, not exactly 1 for any
    assert abs(out.mean().item() - 1.0) < 0.1 and not torch.allclose(out, torch.ones_like(out))
    torch.manual_seed(5)
    a, _ = ad.dropout_attention(_Module(), q, torch.zeros(2, 2, 200, 4), v, None, dropout=0.25)
    torch.manual_seed(5)
    b, _ = ad.dropout_attention(_Module(), q, torch.zeros(2, 2, 200, 4), v, None, dropout=0.25)
    assert torch.equal(a, b)  # the masks come from torch's seeded generator


def test_a_row_with_every_key_masked_gives_no_nan():
    q, k, v = _qkv(torch.float32)
    mask = torch.ones(3, 1, 7, 7, dtype=torch.bool)
    mask[0, 0, 2] = False  # one query row sees nothing
    out, grads, _ = _out_and_grads(ad.dropout_attention, q, k, v, mask, dropout=0.1)
    assert torch.isfinite(out).all() and all(torch.isfinite(g).all() for g in grads)


def test_what_it_does_not_cover_goes_to_transformers_sdpa(monkeypatch):
    seen = []
    import transformers.integrations.sdpa_attention as sdpa_module

    real = sdpa_module.sdpa_attention_forward
    monkeypatch.setattr(sdpa_module, "sdpa_attention_forward", lambda *a, **kw: seen.append(kw) or real(*a, **kw))
    q, k, v = _qkv(torch.float32)
    with torch.no_grad():  # an evaluation forward: nothing to drop, no backward to speed up
        ad.dropout_attention(_Module(), q, k, v, None)
    causal = _Module()
    causal.is_causal = True
    ad.dropout_attention(causal, q, k, v, None, dropout=0.1)  # causal without a mask
    ad.dropout_attention(_Module(), q, k, v, None, dropout=0.1, output_attentions=True)
    assert len(seen) == 3
    ad.dropout_attention(_Module(), q, k, v, None, dropout=0.1)  # training: ours
    ad.dropout_attention(_Module(), q, k, v, None)  # gradients flowing without dropout: ours too
    assert len(seen) == 3


def test_the_switch_is_only_within_the_with_and_only_for_sdpa_on_the_cpu():
    model = toy_model(attn_implementation="sdpa")
    with fast_attention(model) as on:
        assert on and model.config._attn_implementation == ad.IMPLEMENTATION
        with fast_attention(model) as inner:  # nested: still on, and the outer with restores it
            assert inner
        assert model.config._attn_implementation == ad.IMPLEMENTATION
    assert model.config._attn_implementation == "sdpa"
    with fast_attention(model, enabled=False) as on:
        assert not on and model.config._attn_implementation == "sdpa"
    eager = toy_model(attn_implementation="eager")
    with fast_attention(eager) as on:
        assert not on and eager.config._attn_implementation == "eager"
    with fast_attention(torch.nn.Linear(2, 2)) as on:  # no config: a BiLSTM, say
        assert not on


def test_a_model_gives_the_same_logits_and_gradients_with_it_and_with_first_token_only():
    model = toy_model(attn_implementation="sdpa", attention_probs_dropout_prob=0.0, hidden_dropout_prob=0.0)
    ids = torch.tensor([[1, 5, 7, 9, 2], [1, 4, 2, 0, 0]])  # (2, 5), the second padded
    mask = (ids != 0).long()

    def logits_and_grads():
        model.zero_grad()
        logits = model(input_ids=ids, attention_mask=mask).logits  # (2, C)
        logits.pow(2).sum().backward()
        return logits.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None]

    model.train()
    with sdpa_kernel(SDPBackend.MATH):
        ref, ref_grads = logits_and_grads()
    with fast_attention(model), first_token_only(model) as first:
        assert first
        ours, grads = logits_and_grads()
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-6)
    for a, b in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("off", [False, True])
def test_the_training_loop_attends_through_it_unless_switched_off(monkeypatch, off):
    calls = []
    real = ad.dropout_attention
    monkeypatch.setattr(ad, "dropout_attention", lambda *a, **kw: calls.append(kw.get("dropout")) or real(*a, **kw))
    if off:
        monkeypatch.setenv("WORKBENCH_SPEED_OFF", "attention_dropout")
    model = toy_model(attn_implementation="sdpa")  # attention dropout 0.1
    result, _ = run(toy_config(epochs=1), model, toy_encoded(8))
    assert result.steps == 4
    assert (calls == []) == off
    assert off or 0.1 in calls
    assert model.config._attn_implementation == "sdpa"  # back once the loop returns

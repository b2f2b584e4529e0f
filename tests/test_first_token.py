"""The last layer run for the first token alone: same logits and gradients, used by training and
prediction, and left off where it would not be exact."""

from types import SimpleNamespace

import pytest
import torch

from workbench.config import TrainConfig
from workbench.data import Encoded
from workbench.distill import DistillationLoss
from workbench.models import first_token_only, predict_logits
from workbench.training import make_accelerator, train_loop


def bert(layers=2, dropout=0.1, seed=0):
    from transformers import AutoModelForSequenceClassification, BertConfig

    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=60, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=32, num_labels=3, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout,
    )  # fmt: skip
    return AutoModelForSequenceClassification.from_config(cfg)


def padded_batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, 60, (5, 9), generator=g)  # (b, L)
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    mask[3, 2:] = 0
    return ids, mask


def last_layer_widths(model):
    """Record the sequence width of the last layer's output on each call (after the patch's one-off check)."""
    with first_token_only(model):
        pass
    widths = []
    model.bert.encoder.layer[-1].register_forward_hook(lambda m, i, out: widths.append(tuple(out.shape[:2])))
    return widths


def test_same_logits_and_the_last_layer_sees_one_position():
    model = bert().eval()
    ids, mask = padded_batch()
    widths = last_layer_widths(model)
    with torch.no_grad():
        plain = model(input_ids=ids, attention_mask=mask).logits  # (5, 3)
        with first_token_only(model) as on:
            fast = model(input_ids=ids, attention_mask=mask).logits
        after = model(input_ids=ids, attention_mask=mask).logits
    assert on is True
    assert [w for _, w in widths] == [9, 1, 9]  # patched only inside the `with`
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(after, plain)


def test_same_gradients_without_dropout():
    ids, mask = padded_batch(1)
    labels = torch.tensor([0, 1, 2, 1, 0])
    grads = []
    for on in (False, True):
        model = bert(dropout=0.0).train()
        with first_token_only(model, on):
            model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    assert all(g is not None for g in grads[1].values())  # every weight of the last layer still learns
    for name, g in grads[0].items():
        torch.testing.assert_close(grads[1][name], g, rtol=1e-4, atol=1e-6, msg=name)


def test_a_nested_with_leaves_the_outer_patch_in_place():
    model = bert().eval()
    ids, mask = padded_batch()
    widths = last_layer_widths(model)
    with torch.no_grad(), first_token_only(model):
        with first_token_only(model) as inner:
            pass
        model(input_ids=ids, attention_mask=mask)
    assert inner is True and widths == [(5, 1)]


class MeanPooled(torch.nn.Module):
    """A head that reads every position of the last layer: the patch would change its logits."""

    def __init__(self):
        super().__init__()
        self.inner = bert(dropout=0.0)
        self.config = self.inner.config
        self.head = torch.nn.Linear(16, 3)

    def forward(self, input_ids, attention_mask=None):
        hidden = self.inner.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (b, L, H)
        return SimpleNamespace(logits=self.head(hidden.mean(1)))


def test_left_off_where_it_would_not_be_exact(tiny_distilbert):
    from transformers import AutoModelForSequenceClassification

    pooled = MeanPooled().eval()
    ids, mask = padded_batch()
    with torch.no_grad():
        plain = pooled(ids, mask).logits
        with first_token_only(pooled) as on:
            same = pooled(ids, mask).logits
    assert on is False
    torch.testing.assert_close(same, plain)
    distil = AutoModelForSequenceClassification.from_pretrained(tiny_distilbert)
    with first_token_only(distil) as on_distil:
        pass
    assert on_distil is False
    with first_token_only(bert(), enabled=False) as off:
        pass
    assert off is False


def toy_encoded(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, 10, (n,), generator=g).tolist()
    ids = [[1] + torch.randint(5, 59, (k,), generator=g).tolist() + [2] for k in lengths]
    return Encoded({"input_ids": ids}, [i % 3 for i in range(n)], pad_id=0, truncated=0)


def test_predict_logits_same_either_way():
    model = bert()
    enc = toy_encoded(11)
    fast = predict_logits(model, enc, 4, torch.device("cpu"))
    plain = predict_logits(model, enc, 4, torch.device("cpu"), first_token=False)
    torch.testing.assert_close(fast, plain, rtol=1e-5, atol=1e-6)


def train(first_token, forward_outputs=()):
    tc = TrainConfig(
        epochs=1, batch_size=4, eval_batch_size=8, learning_rate=1e-3, warmup_ratio=0.0, log_every_steps=1,
        checkpoint_every_steps=0, precision="fp32", device="cpu", num_threads=1, group_by_length=False,
        first_token_last_layer=first_token,
    )  # fmt: skip
    model = bert(dropout=0.0)
    widths = last_layer_widths(model)

    def loss_fn(logits, batch, out=None):
        ce = torch.nn.functional.cross_entropy(logits.float(), batch["labels"])
        return DistillationLoss(ce, torch.zeros(()), ce)

    accelerator, precision = make_accelerator(tc)
    train_loop(
        accelerator=accelerator, precision=precision, model=model, train_enc=toy_encoded(16),
        val_enc=toy_encoded(6, seed=1), tc=tc, seed=0, num_labels=3, compute_loss=loss_fn,
        emit=lambda e: None, should_stop=lambda: False, report_soft=False, forward_outputs=forward_outputs,
    )  # fmt: skip
    return model, widths


@pytest.mark.slowish
def test_training_uses_it_and_learns_the_same_weights():
    fast, fast_widths = train(True)
    plain, plain_widths = train(False)
    assert {w for _, w in fast_widths} == {1}  # steps and evaluations
    assert all(w > 1 for _, w in plain_widths)
    for (name, a), b in zip(fast.state_dict().items(), plain.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=name)


@pytest.mark.slowish
def test_training_that_reads_hidden_states_runs_every_position():
    _, widths = train(True, forward_outputs=("hidden_states",))
    steps = [w for b, w in widths if b == 4]  # the evaluations (6 examples) read logits only: cut
    assert len(steps) == 4 and all(w > 1 for w in steps)


def test_the_check_runs_the_plain_forward_of_a_model_accelerate_wrapped():
    model = bert().eval()
    plain = model.forward
    calls = []

    def original(*args, **kwargs):
        calls.append(torch.is_autocast_enabled("cpu"))
        return plain(*args, **kwargs)

    model._original_forward = original  # what Accelerate keeps when it wraps forward in autocast
    model.forward = torch.autocast("cpu", dtype=torch.bfloat16)(plain)
    with first_token_only(model) as on:
        pass
    assert on is True and calls == [False, False]  # both sides of the check in fp32

"""The training loop itself, on a one-layer model and hand-made token ids: accumulation, resume timing,
and the fp16 scaler in checkpoints."""

import random

import pytest
import torch

from workbench.config import TrainConfig
from workbench.data import Encoded
from workbench.distill import DistillationLoss
from workbench.training import checkpoint, make_accelerator, train_loop


def toy_encoded(n, seed=0):
    rng = random.Random(seed)
    ids = [[1] + [rng.randint(5, 49) for _ in range(rng.randint(2, 9))] + [2] for _ in range(n)]
    return Encoded({"input_ids": ids}, [i % 2 for i in range(n)], pad_id=0, truncated=0)


def toy_model(**overrides):
    from transformers import AutoModelForSequenceClassification, BertConfig

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=32, **overrides,
    )  # fmt: skip
    return AutoModelForSequenceClassification.from_config(cfg)


def toy_config(**overrides):
    tc = TrainConfig(
        epochs=2, batch_size=2, eval_batch_size=8, learning_rate=1e-3, warmup_ratio=0.0, log_every_steps=1,
        checkpoint_every_steps=0, precision="fp32", device="cpu", num_threads=1, group_by_length=False,
    )  # fmt: skip
    for k, v in overrides.items():
        setattr(tc, k, v)
    return tc


def run(tc, model, train_enc, seen=None, events=None, **kwargs):
    events = [] if events is None else events

    def loss_fn(logits, batch):
        if seen is not None:
            seen.extend(batch["index"].tolist())
        ce = torch.nn.functional.cross_entropy(logits.float(), batch["labels"])
        return DistillationLoss(ce, torch.zeros(()), ce)

    accelerator, precision = make_accelerator(tc)
    result = train_loop(
        accelerator=accelerator, precision=precision, model=model, train_enc=train_enc,
        val_enc=toy_encoded(6, seed=1), tc=tc, seed=0, num_labels=2, compute_loss=loss_fn,
        emit=events.append, should_stop=kwargs.pop("should_stop", lambda: False), report_soft=False, **kwargs,
    )  # fmt: skip
    return result, events


@pytest.mark.slowish
def test_accumulation_ends_every_epoch_with_a_step_and_sees_each_example_per_epoch():
    n, bs, accum = 13, 2, 3  # 7 batches an epoch: windows of 3, 3 and 1
    seen: list[int] = []
    result, events = run(
        toy_config(batch_size=bs, gradient_accumulation_steps=accum), toy_model(), toy_encoded(n), seen
    )
    steps = [e for e in events if e["type"] == "step"]
    assert sorted(seen) == sorted(list(range(n)) * 2)  # every example exactly twice in 2 epochs
    assert result.total_steps == 2 * 3 == result.steps
    assert [e["step"] for e in steps] == list(range(1, 7))
    assert steps[-1]["lr"] == 0.0  # the linear schedule reaches its end on the last step
    assert [e["epoch"] for e in steps][2] == 1.0  # step 3 closes epoch 1


@pytest.mark.slowish
def test_examples_per_s_after_resume_counts_from_the_resume(tmp_path):
    tc = toy_config(epochs=4, checkpoint_every_steps=2)
    enc = toy_encoded(16)
    ckpt = tmp_path / "checkpoint"
    first: list[dict] = []

    def stop_after_two():
        return len([e for e in first if e["type"] == "step"]) >= 2

    result, _ = run(tc, toy_model(), enc, events=first, checkpoint_dir=ckpt, should_stop=stop_after_two)
    assert result.state == "stopped" and result.steps == 2
    # pretend the time before the checkpoint was long: a rate measured across the resume would be tiny
    state = torch.load(ckpt / "state.pt", weights_only=True)
    state["position"]["elapsed_s"] += 1000.0
    torch.save(state, ckpt / "state.pt")
    _, events = run(tc, toy_model(), enc, checkpoint_dir=ckpt, resume=True)
    steps = [e for e in events if e["type"] == "step"]
    assert steps[0]["step"] == 3
    assert steps[0]["elapsed_s"] > 1000  # total training time still includes the time before
    before = [e["examples_per_s"] for e in first if e["type"] == "step"]
    assert steps[0]["examples_per_s"] > min(before) / 20  # not 2 examples / 1000 s


class FakeScaler:
    """What `accelerator.scaler` (a torch GradScaler, fp16 on CUDA only) exposes to checkpoints."""

    def __init__(self, scale):
        self.state = {"scale": scale, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
                      "_growth_tracker": 17}  # fmt: skip

    def state_dict(self):
        return dict(self.state)

    def load_state_dict(self, state):
        self.state = dict(state)


def test_grad_scaler_state_round_trips_through_a_checkpoint(tmp_path):
    tc = toy_config()
    accelerator, _ = make_accelerator(tc)
    model = toy_model()
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
    model, optimizer = accelerator.prepare(model, optimizer)
    accelerator.scaler = FakeScaler(scale=1024.0)
    pos = checkpoint.Position(3, 0, 3, 0.5, 2, 1.0, 6)
    checkpoint.save(tmp_path / "ck", accelerator, model, optimizer, scheduler, pos, None)
    accelerator.scaler = FakeScaler(scale=65536.0)  # a fresh process starts from the default scale
    checkpoint.load(tmp_path / "ck", accelerator, model, optimizer, scheduler)
    assert accelerator.scaler.state["scale"] == 1024.0
    assert accelerator.scaler.state["_growth_tracker"] == 17


@pytest.mark.slowish
def test_accumulated_windows_train_like_one_big_batch():
    """bs 2 x accum 3 over 13 examples = bs 6 (windows of 6, 6, 1 examples in the same order): same weights."""
    no_dropout = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    enc = toy_encoded(13)
    small, big = toy_model(**no_dropout), toy_model(**no_dropout)
    run(toy_config(batch_size=2, gradient_accumulation_steps=3, max_grad_norm=0.0), small, enc)
    run(toy_config(batch_size=6, max_grad_norm=0.0), big, enc)
    for (name, a), b in zip(small.state_dict().items(), big.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-5), name


def test_max_steps_repeats_epochs_until_made_and_the_schedule_ends_there():
    """`training.max_steps` past the epochs' steps: passes repeat, and the LR reaches 0 on the last step."""
    n, bs, accum = 13, 2, 3  # 3 steps an epoch
    seen: list[int] = []
    result, events = run(
        toy_config(batch_size=bs, gradient_accumulation_steps=accum, epochs=1, max_steps=8),
        toy_model(),
        toy_encoded(n),
        seen,
    )
    steps = [e for e in events if e["type"] == "step"]
    assert result.steps == result.total_steps == 8
    assert [e["step"] for e in steps] == list(range(1, 9))
    assert steps[-1]["lr"] == 0.0  # the schedule spans the 8 steps made, not the one epoch's 3
    assert sorted(seen[: 2 * n]) == sorted(list(range(n)) * 2)  # whole passes first, the third cut short

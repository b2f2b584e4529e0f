"""A bf16 prediction pass casts each weight once, not once per batch, and gives the logits a cast per batch gives."""

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from tests.test_train_loop import toy_encoded, toy_model
from workbench.core import autocast
from workbench.models import predict_logits


class _WeightCasts(TorchDispatchMode):
    """Counts bf16 casts of tensors shaped like the model's (16, 16) projection weights."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.ops.aten._to_copy.default and kwargs.get("dtype") == torch.bfloat16:
            self.count += tuple(args[0].shape) == (16, 16)
        return func(*args, **kwargs)


def test_weights_are_cast_once_per_pass_and_the_logits_are_those_of_a_cast_per_batch():
    model = toy_model().eval()  # query, key, value, attention output and pooler: five (16, 16) weights
    enc = toy_encoded(12)
    with _WeightCasts() as casts:
        logits = predict_logits(model, enc, 4, torch.device("cpu"), "bf16", first_token=False)  # 3 batches
    assert casts.count == 5

    per_batch = torch.empty_like(logits)  # (12, C), each batch in its own autocast region
    for start in range(0, 12, 4):
        idx = list(range(start, start + 4))
        single = predict_logits(model, enc, 4, torch.device("cpu"), "bf16", indices=idx, first_token=False)
        per_batch[idx] = single
    assert torch.equal(logits, per_batch)

    with autocast(torch.device("cpu"), "bf16"), torch.no_grad():  # a caller's region around it is fine too
        assert torch.equal(predict_logits(model, enc, 4, torch.device("cpu"), "bf16", first_token=False), logits)

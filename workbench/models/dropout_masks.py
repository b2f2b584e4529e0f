"""Dropout masks drawn four at a time from 64-bit random words: the same dropout at a third of the mask cost on CPU.

torch's CPU dropout draws every mask element with `bernoulli_`, about 4 ns an element on the 2-core
benchmark machine: ~11 ms of an ~80 ms student training step, more than any matmul but the largest.
Here one `random_` call fills 64-bit words and each word is read as four 16-bit draws; a draw at or
above the drop threshold keeps its element. The drop probability becomes round(p * 65536) / 65536
(p = 0.1 is 0.100006), and kept values are scaled by the inverse of the effective keep probability, so
each output's expected value is its input, as with torch's dropout. The backward multiplies by the
same mask (autograd of `x * noise`).

The masks come from torch's default generator: a seeded run repeats itself, and a resumed one too
(checkpoints keep the generator's state), but they are not the masks torch's own dropout would draw.

It patches the `forward` of the model's `nn.Dropout` modules for the duration of a `with` (the
weights and what `save_pretrained` writes are untouched), on the CPU only: CUDA's dropout is fused
and fast already. SDPA takes no mask from outside, so dropout of attention probabilities gets these
masks through the workbench's own attention function (`models.attention_dropout`).
"""

from __future__ import annotations

import contextlib
import math
import types
from collections.abc import Iterator

import torch

_LEVELS = 1 << 16  # a 16-bit draw takes this many values


@contextlib.contextmanager
def fast_dropout(model: torch.nn.Module, enabled: bool = True) -> Iterator[int]:
    """Within the `with`, `model`'s `nn.Dropout` modules draw their masks from 64-bit words (yields how many).

    Nothing changes on a model whose weights are not on the CPU, or when `enabled` is False. Modules
    whose `forward` an enclosing `with` (or anyone else) already replaced are left as they are.
    """
    patched: list[torch.nn.Module] = []
    first = next(model.parameters(), None)
    if enabled and first is not None and first.device.type == "cpu":
        for module in model.modules():
            if type(module) is torch.nn.Dropout and "forward" not in vars(module):
                module.forward = types.MethodType(_dropout_forward, module)
                patched.append(module)
    try:
        yield len(patched)
    finally:
        for module in patched:
            del module.forward


def _dropout_forward(self: torch.nn.Dropout, x: torch.Tensor) -> torch.Tensor:
    """nn.Dropout.forward with masks from `dropout_noise`; the identity in eval mode, as torch's."""
    if not self.training or self.p == 0.0:
        return x
    return x * dropout_noise(x, self.p)


def dropout_noise(x: torch.Tensor, p: float) -> torch.Tensor:
    """The multiplier of one dropout draw for `x`: 0 where dropped, 1 / keep probability elsewhere (x's shape and dtype)."""
    dropped_levels = round(p * _LEVELS)  # draws below the threshold drop their element
    if dropped_levels >= _LEVELS:
        return torch.zeros_like(x)
    n = x.numel()
    # (ceil(n / 4),) uniform over the whole int64 range: four uniform 16-bit draws each
    words = torch.empty(math.ceil(n / 4), dtype=torch.int64, device=x.device).random_(-(2**63), None)
    draws = words.view(torch.int16)[:n].view(x.shape)  # x's shape, uniform over [-32768, 32767]
    keep = draws >= dropped_levels - _LEVELS // 2
    # through uint8: the same 0/1 values, and torch converts uint8 to floats ~7x faster than bool
    return keep.view(torch.uint8).to(x.dtype).mul_(_LEVELS / (_LEVELS - dropped_levels))

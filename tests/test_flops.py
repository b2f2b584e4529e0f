"""The benchmark's FLOP count (benchmarks/flops.py) against PyTorch's own counter on a real encoder."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import BertConfig, BertForSequenceClassification

from benchmarks.flops import encoder_forward_flops, matmul_peak, share
from workbench.models import first_token_only


@pytest.mark.parametrize("length", [7, 40])
def test_the_analytic_count_matches_torchs_counter(length: int) -> None:
    config = BertConfig(
        vocab_size=100, hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4, num_labels=3
    )
    # eager attention: torch's counter sees its two matmuls as bmm (it misses the CPU's fused SDPA kernel)
    config._attn_implementation = "eager"
    model = BertForSequenceClassification(config).eval()
    ids = torch.randint(0, 100, (1, length))  # (1, s): one sequence, no padding
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    counted = counter.get_total_flops()
    assert encoder_forward_flops(config, [length]) == pytest.approx(counted, rel=0.01)
    # a student of some of the layers: the count scales with them
    one_layer = encoder_forward_flops(config, [length], layers=1)
    assert one_layer < encoder_forward_flops(config, [length]) < 2.1 * one_layer
    # the last layer for the first token only, as the workbench runs it (its one-off check first, uncounted)
    with first_token_only(model):
        pass
    with torch.no_grad(), FlopCounterMode(display=False) as counter, first_token_only(model):
        model(input_ids=ids)
    cut = encoder_forward_flops(config, [length], first_token=True)
    assert cut == pytest.approx(counter.get_total_flops(), rel=0.01)
    assert cut < encoder_forward_flops(config, [length])


def test_the_peak_and_the_share_are_plain_numbers() -> None:
    peak = matmul_peak(torch.float32, n=128, seconds=0.05)
    assert peak > 0
    assert share(peak, 1.0, peak) == pytest.approx(1.0)
    assert share(1.0, 0.0, peak) is None

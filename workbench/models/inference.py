"""Batched predictions: a model's logits on pre-tokenised texts, in the original order, on one or many processes.

Predictions run in length-sorted batches (little padding) and come back in the order the texts were given.
`predict_sharded` splits the rows across `accelerate launch` processes and gathers them back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from workbench.core import Emit, autocast, gather_rows, progress, shard_indices
from workbench.data import Encoded, collate, encode, model_inputs, sorted_batches
from workbench.models.first_token import first_token_only
from workbench.models.footprint import accepted_inputs


@torch.no_grad()
def predict_logits(
    model: torch.nn.Module,
    enc: Encoded,
    batch_size: int,
    device: torch.device,
    precision: str = "fp32",
    indices: list[int] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    first_token: bool = True,
) -> torch.Tensor:
    """Logits for every example of `enc` (or the given `indices`), in their order. -> (n, C) fp32 on CPU.

    With `first_token`, a BERT-family model's last layer runs for the first token alone (`first_token.py`:
    the same logits, less arithmetic).

    `on_batch(done, total)` is called after each batch with examples done so far (a long split takes
    minutes: the run panel shows how far it is; `progress.Progress` throttles what gets written).
    """
    model.eval()
    chosen = list(range(len(enc))) if indices is None else list(indices)
    lengths = [len(enc.features["input_ids"][i]) for i in chosen]
    out: torch.Tensor | None = None
    done = 0
    # one autocast region for the whole pass: it keeps the bf16 copies of the weights it makes for the
    # first batch (its cache lives as long as the region), where one region per batch cast them again
    # every batch; the same logits, 2-4% faster on the teacher pass (scratch A/B, 3000 texts)
    with first_token_only(model, first_token), autocast(device, precision):
        for local in sorted_batches(lengths, batch_size):
            batch = collate(enc, [chosen[j] for j in local])
            inputs = {k: v.to(device) for k, v in model_inputs(batch).items()}
            logits = model(**inputs).logits.float().cpu()  # (bs, C)
            if out is None:
                out = torch.empty(len(chosen), logits.shape[-1])
            out[torch.tensor(local)] = logits
            done += len(local)
            if on_batch is not None:
                on_batch(done, len(chosen))
    return out if out is not None else torch.empty(0, model.config.num_labels)


def classify(loaded_model: torch.nn.Module, tokenizer: Any, texts: list[str], max_length: int = 128) -> torch.Tensor:
    """Class probabilities for raw texts (the Compare page's typed sentence). -> (n, C)."""
    enc = encode(tokenizer, texts, [0] * len(texts), max_length, accepted_inputs(loaded_model))
    device = next(loaded_model.parameters()).device
    return predict_logits(loaded_model, enc, 32, device).softmax(-1)


def predict_sharded(
    accelerator: Any,
    model: torch.nn.Module,
    enc: Encoded,
    batch_size: int,
    precision: str,
    emit: Emit | None = None,
    phase: str = "evaluating",
    first_token: bool = True,
    **fields: Any,
) -> torch.Tensor:
    """Logits for all of `enc`, each process predicting its share, gathered. -> (n, C) on CPU.

    With `emit`, progress events of `phase` (plus `fields`, e.g. split and role) while it runs.
    """
    idx = shard_indices(len(enc), accelerator)
    on_batch = progress(emit, phase, scale=accelerator.num_processes, whole=len(enc), unit="examples", **fields)
    part = predict_logits(
        model, enc, batch_size, accelerator.device, precision, indices=idx, on_batch=on_batch, first_token=first_token
    )
    return gather_rows(accelerator, idx, part, len(enc))

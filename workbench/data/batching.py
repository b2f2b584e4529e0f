"""Tokenisation once per (tokenizer, split), length-grouped batches, and dynamic padding.

Each model gets its own tokenizer and only the inputs its `forward` accepts (DistilBERT takes no
`token_type_ids`). Texts are tokenised once without padding; a batch is padded to its own longest
text, and batches are formed from texts of similar length, so little compute goes to pad tokens
(the article this project grew from padded every example to the longest in the whole data set).

Every call of a tokenizer goes through `tokenize`, which holds that tokenizer's lock. A fast (Rust)
tokenizer keeps truncation and padding as state that each call with `truncation=`/`max_length=`/
`padding=` overwrites before encoding, and the UI shares one loaded tokenizer between every browser
session (each a thread of the server): without the lock a session's texts are cut at another
session's max_length, or the call fails with `RuntimeError: Already borrowed`.
"""

from __future__ import annotations

import random
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import torch

NO_LABEL = -100  # label of a transfer example: soft loss only (PyTorch's cross-entropy ignore_index)
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass
class Encoded:
    """Token ids of one split for one tokenizer, unpadded."""

    features: dict[str, list[list[int]]]  # name -> n lists of token ids, each of its own length
    labels: list[int]
    pad_id: int
    truncated: int  # texts cut at max_length

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.features["input_ids"]]


_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def tokenizer_lock(tokenizer: Any) -> threading.Lock:
    """The one lock of this tokenizer object (made on first use, gone with the tokenizer)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(tokenizer)
        if lock is None:
            lock = _LOCKS[tokenizer] = threading.Lock()
        return lock


def tokenize(tokenizer: Any, texts: list[str], **kwargs: Any) -> Any:
    """`tokenizer(texts, **kwargs)` under the tokenizer's lock: safe on a tokenizer shared by threads.

    The lock covers setting the truncation/padding state and encoding with it; the returned
    BatchEncoding is the caller's own. Encoding is parallel inside the Rust library, so callers
    that take turns lose little.
    """
    with tokenizer_lock(tokenizer):
        return tokenizer(texts, **kwargs)


def encode(tokenizer: Any, texts: list[str], labels: list[int], max_length: int, inputs: set[str]) -> Encoded:
    """Tokenise `texts` (truncating at `max_length`), keeping only the features in `inputs`."""
    enc = tokenize(tokenizer, texts, truncation=True, max_length=max_length, padding=False)
    at_limit = [texts[i] for i, ids in enumerate(enc["input_ids"]) if len(ids) >= max_length]
    full = tokenize(tokenizer, at_limit, truncation=False, padding=False)["input_ids"] if at_limit else []
    truncated = sum(len(ids) > max_length for ids in full)
    keep = [k for k in MODEL_INPUTS if k in enc and k in inputs and k != "attention_mask"]
    features = {k: list(enc[k]) for k in keep}
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return Encoded(features, list(labels), pad_id, truncated)


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int, mega: int = 50) -> list[list[int]]:
    """Shuffled batches of similar-length examples.

    Shuffle, cut into mega-batches of `mega * batch_size`, sort each by length, cut into batches,
    shuffle the batches: random order, but each batch pads to a length close to its members'.
    """
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    for start in range(0, len(order), mega * batch_size):
        chunk = sorted(order[start : start + mega * batch_size], key=lambda i: lengths[i], reverse=True)
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def shuffled_batches(n: int, batch_size: int, seed: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Deterministic batches for inference: longest first, so padding is minimal."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def collate(enc: Encoded, indices: list[int]) -> dict[str, torch.Tensor]:
    """Pad the chosen examples to their longest: {input_ids: (bs, L), attention_mask: (bs, L), ...,
    labels: (bs,), index: (bs,)}."""
    width = max(len(enc.features["input_ids"][i]) for i in indices)
    batch: dict[str, torch.Tensor] = {}
    for name, rows in enc.features.items():
        pad = enc.pad_id if name == "input_ids" else 0
        batch[name] = torch.tensor([rows[i] + [pad] * (width - len(rows[i])) for i in indices], dtype=torch.long)
    batch["attention_mask"] = torch.tensor(
        [[1] * len(enc.features["input_ids"][i]) + [0] * (width - len(enc.features["input_ids"][i])) for i in indices],
        dtype=torch.long,
    )
    batch["labels"] = torch.tensor([enc.labels[i] for i in indices], dtype=torch.long)
    batch["index"] = torch.tensor(indices, dtype=torch.long)
    return batch


def model_inputs(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The part of a collated batch that goes into `model(**...)`."""
    return {k: v for k, v in batch.items() if k in MODEL_INPUTS}

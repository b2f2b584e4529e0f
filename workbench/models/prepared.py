"""A model with its data tokenised by its own tokenizer: what training, teacher logits and reports share.

Teacher and student may tokenise differently (BERT passes token_type_ids, DistilBERT takes none), so
each model gets its own encoding of every split, keeping only the inputs its `forward` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.data import NO_LABEL, SPLITS, Encoded, TextData, encode
from workbench.models import fingerprints
from workbench.models.footprint import accepted_inputs
from workbench.models.loaded import LoadedModel


@dataclass
class Prepared:
    """A model with its splits tokenised by its own tokenizer, keeping only inputs it accepts."""

    loaded: LoadedModel
    encoded: dict[str, Encoded]
    _fingerprint: str | None = None

    def cache_fingerprint(self) -> str:
        """Content hash of the weights and tokenizer (computed once: hashing 100 MB takes a while)."""
        if self._fingerprint is None:
            self._fingerprint = fingerprints.model_fingerprint(self.loaded.model) + fingerprints.tokenizer_fingerprint(
                self.loaded.tokenizer
            )
        return self._fingerprint


def tokenise(loaded: LoadedModel, data: TextData, max_length: int, splits=SPLITS) -> Prepared:
    inputs = accepted_inputs(loaded.model)
    encoded = {}
    for name in splits:
        split = data.split(name)
        encoded[name] = encode(loaded.tokenizer, split.texts, split.labels, max_length, inputs)
    return Prepared(loaded, encoded)


def encode_unlabelled(loaded: LoadedModel, texts: list[str], max_length: int) -> Encoded:
    """Texts with no labels (a transfer set) in `loaded`'s encoding; each label is -100, which the loss
    reads as "soft loss only" (`losses.NO_LABEL`, PyTorch's ignore_index)."""
    return encode(loaded.tokenizer, texts, [NO_LABEL] * len(texts), max_length, accepted_inputs(loaded.model))


def truncation_note(prepared: Prepared, max_length: int, who: str) -> str | None:
    n = sum(e.truncated for e in prepared.encoded.values())
    return f"{n} text(s) longer than {max_length} tokens were truncated for the {who}" if n else None

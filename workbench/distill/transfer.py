"""The transfer set inside a distillation run: the teacher labels it, the student trains on it.

`augment.py` makes the texts; here the teacher's logits on them come through the same
content-keyed cache as every split (`teacher_logits.logits_for`), and the student's training set
becomes train + transfer, in that order, so the index a batch carries (`batching.collate`) picks the
right teacher row from train logits and transfer logits concatenated the same way. Transfer
examples carry label -100 (`losses.NO_LABEL`): the loss gives them the soft term alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from workbench.config import RunConfig, TrainConfig
from workbench.core import Emit
from workbench.data import Encoded, TextData, make_transfer_set, transfer_wanted
from workbench.distill.teacher_logits import logits_for
from workbench.models import Prepared, encode_unlabelled


@dataclass
class LabelledTransfer:
    """The transfer texts, the teacher's logits on them ((n, C) on CPU) and the report's `transfer` block."""

    texts: list[str] = field(default_factory=list)
    logits: torch.Tensor | None = None
    report: dict[str, Any] | None = None  # None: no transfer set configured
    notes: list[str] = field(default_factory=list)  # for the report's data notes

    def __len__(self) -> int:
        return len(self.texts)


def label_transfer(
    accelerator: Any,
    cfg: RunConfig,
    data: TextData,
    teacher: Prepared,
    tc: TrainConfig,
    precision: str,
    emit: Emit,
) -> LabelledTransfer:
    """Build the transfer set and have the teacher label it (or read its labels from the cache).

    Emits `labelling_transfer` with the counts before the teacher starts.
    """
    if not transfer_wanted(cfg):
        return LabelledTransfer()
    ts = make_transfer_set(cfg, data, teacher.loaded.tokenizer)
    report: dict[str, Any] = {"augmented": ts.augmented, "unlabelled": ts.unlabelled, "teacher_seconds": 0.0}
    if not ts.texts:
        note = "the transfer set is empty: every augmented or unlabelled text repeated a text of the data"
        return LabelledTransfer(report={**report, "cached": False}, notes=[*ts.notes, note])
    emit(
        {
            "type": "phase",
            "phase": "labelling_transfer",
            "examples": len(ts),
            "augmented": ts.augmented,
            "unlabelled": ts.unlabelled,
        }
    )
    enc = encode_unlabelled(teacher.loaded, ts.texts, tc.max_length)
    logits, info = logits_for(accelerator, teacher, ts.texts, enc, "transfer", tc, precision, emit)
    report.update(teacher_seconds=info["seconds"], cached=info["cached"])
    return LabelledTransfer(ts.texts, logits, report, ts.notes)


def concat_encoded(a: Encoded, b: Encoded) -> Encoded:
    """`a`'s examples then `b`'s, one tokenizer's encodings: index i < len(a) is a[i], else b[i - len(a)]."""
    if a.pad_id != b.pad_id or set(a.features) != set(b.features):
        raise ValueError("cannot join encodings of different tokenizers")
    features = {k: a.features[k] + b.features[k] for k in a.features}
    return Encoded(features, a.labels + b.labels, a.pad_id, a.truncated + b.truncated)


def training_set(
    student: Prepared, transfer: LabelledTransfer, train_logits: torch.Tensor, max_length: int
) -> tuple[Encoded, torch.Tensor]:
    """The student's training examples and their teacher targets: train, then transfer.

    -> (Encoded of n_train + n_transfer examples, (n_train + n_transfer, C) teacher logits on CPU).
    """
    train_enc = student.encoded["train"]
    if not len(transfer):
        return train_enc, train_logits
    extra = encode_unlabelled(student.loaded, transfer.texts, max_length)
    return concat_encoded(train_enc, extra), torch.cat([train_logits, transfer.logits])  # (n_train + n_transfer, C)

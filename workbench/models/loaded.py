"""What a loaded classifier is: the model, its tokenizer and where it came from.

Kept apart from loading so that cutting, sizing and saving can name the type without pulling in
the loaders (and their hub error handling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

# top-level module names of a classification head: a head whose weights are missing was initialised fresh
HEAD_PREFIXES = ("classifier", "pre_classifier", "score", "pooler")


@dataclass
class LoadedModel:
    model: Any  # transformers PreTrainedModel for sequence classification
    tokenizer: Any  # transformers tokenizer
    location: str  # folder or hub id it came from ("" for a model built here)
    description: str
    head_trained: bool  # False when the classification head was freshly initialised
    # (V_student,) long: the teacher-vocabulary id of each student token id, for a pruned vocabulary
    token_map: torch.Tensor | None = None

    @property
    def num_labels(self) -> int:
        return int(self.model.config.num_labels)

    @property
    def label_names(self) -> list[str]:
        id2label = self.model.config.id2label
        return [str(id2label[i]) for i in range(self.num_labels)]

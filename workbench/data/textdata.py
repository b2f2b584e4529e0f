"""What every data source ends in: train / validation / test splits of (text, integer label) and label names.

Also the one form texts are compared in (`normalise_text`), which overlap checks, carving and
augmentation must agree on, or a duplicate slips between splits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workbench.core import WorkbenchError

SPLITS = ("train", "validation", "test")
MIN_TRAIN_PER_CLASS = 2  # fewer and the class cannot be learned; carving never takes a class below it


@dataclass
class LabeledSplit:
    texts: list[str]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: list[int]) -> LabeledSplit:
        return LabeledSplit([self.texts[i] for i in indices], [self.labels[i] for i in indices])


@dataclass
class TextData:
    train: LabeledSplit
    validation: LabeledSplit
    test: LabeledSplit
    label_names: list[str]
    description: str = ""
    notes: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)  # texts with no label, for the teacher to label

    @property
    def num_labels(self) -> int:
        return len(self.label_names)

    def split(self, name: str) -> LabeledSplit:
        if name not in SPLITS:
            raise WorkbenchError(f"unknown split {name!r}; choose train, validation or test")
        return getattr(self, name)

    def label_counts(self) -> dict[str, dict[str, int]]:
        """{split: {label name: count}}, for balance charts."""
        out = {}
        for name in SPLITS:
            counts = Counter(self.split(name).labels)
            out[name] = {self.label_names[i]: counts.get(i, 0) for i in range(self.num_labels)}
        return out


def normalise_text(text: str) -> str:
    """The form texts are compared in: stripped, lower-cased, runs of whitespace made one space."""
    return " ".join(text.split()).lower()

"""The `transfer:` section: extra texts (augmented or unlabelled) that only the teacher labels."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option


@dataclass
class TransferConfig:
    augment_factor: int = option(
        0,
        "augmented copies per training text (Tang et al. 2019: token masking and n-gram sampling); "
        "the teacher labels them and they add only the soft loss; 0 = none",
    )
    mask_prob: float = option(0.1, "augmentation: chance that a word is replaced by the mask token")
    ngram_prob: float = option(0.25, "augmentation: chance that a text is cut to a random n-gram of 1-5 words")
    unlabelled_path: str | None = option(
        None, "a .txt (one text per line) or .csv/.jsonl (text column) of unlabelled texts the teacher labels"
    )
    max_examples: int | None = option(None, "keep at most this many transfer examples (augmented + unlabelled)")

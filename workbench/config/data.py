"""The `data:` section: where the labelled texts come from and how they are split and sampled."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option


@dataclass
class DataConfig:
    source: str = option("bundled", "bundled | hub | local")
    name: str = option("rotten_tomatoes", "hub data set name (source: hub), e.g. rotten_tomatoes, sst2, imdb, ag_news")
    subset: str | None = option(None, "hub configuration name, e.g. sst2 for glue (source: hub)")
    path: str | None = option(None, "training file, .csv/.jsonl/.parquet (source: local)")
    validation_path: str | None = option(None, "validation file (source: local); carved from train when empty")
    test_path: str | None = option(None, "test file (source: local); carved from train when empty")
    text_column: str = option("text", "column holding the text")
    label_column: str = option("label", "column holding the label (ints or strings)")
    train_split: str = option("train", "hub split used for training")
    validation_split: str | None = option("validation", "hub split for validation; carved from train when missing")
    test_split: str | None = option("test", "hub split for test; carved from train when missing")
    validation_fraction: float = option(0.1, "share of train carved out when there is no validation split")
    test_fraction: float = option(0.1, "share of train carved out when there is no test split")
    max_train_examples: int | None = option(None, "keep at most this many training examples (deterministic)")
    max_eval_examples: int | None = option(None, "keep at most this many validation and test examples each")
    seed: int = option(42, "seed for splitting and sampling")
    labels_per_class: int | None = option(
        None,
        "keep only this many labelled training texts per class (seeded); empty = every label. "
        "For 'I have a few labels and many unlabelled texts'",
    )
    unlabelled_pool: str | None = option(
        None,
        "unlabelled texts the teacher labels for the student: rest-of-train (the train texts that "
        "labels_per_class left out, their labels hidden) or a .txt/.csv/.jsonl file; empty = none",
    )

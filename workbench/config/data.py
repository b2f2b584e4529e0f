"""The `data:` section: where the labelled texts come from, how they are split and sampled, and which
test sets from elsewhere (`extra_eval`) the finished models are also measured on."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option


@dataclass
class ExtraEvalSet:
    """A labelled file from another place than the training data ("reviews from our shop", "tweets").

    Both models are measured on it after training, beside the in-domain test split: how much of the
    teacher's accuracy a student keeps on text unlike its training data is what a person deploying it needs.
    Labels are matched to the run's class names ignoring case; `labels` maps other values first
    (`{"pos": "positive", "0": "negative"}`), so a file labelled 0/1 or pos/neg needs no rewriting.
    A row whose label is neither is refused, never guessed.
    """

    name: str = option("", "a short name shown beside the in-domain test, e.g. tweets")
    path: str = option("", "the file, .csv/.tsv/.jsonl/.json/.parquet")
    text_column: str | None = option(
        None, "column holding the text; empty = the run's data.text_column or a usual name"
    )
    label_column: str | None = option(
        None, "column holding the label; empty = the run's data.label_column or a usual name"
    )
    labels: dict[str, str] = option({}, "this file's label -> the run's class name, e.g. {pos: positive}")


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
    extra_eval: list[ExtraEvalSet] = option(
        [], "more labelled files to measure both models on after training: [{name, path, labels?}]"
    )
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

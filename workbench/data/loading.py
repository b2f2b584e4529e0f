"""Data sources: bundled Rotten Tomatoes, any hub data set, or local CSV / JSONL / Parquet files.

Every source ends in the same `TextData`: train / validation / test splits of (text, integer label)
plus the label names. Splits that a source lacks are carved from train, deterministically for a
seed, and each such choice is written into `notes` so the UI and the run folder can say it.

Leaks between splits. A text in more than one split (compared after `normalise_text`: stripped,
lower-cased, runs of whitespace collapsed) would score the model on something it trained on or was
selected on. The training split is never touched: a duplicate is dropped from the *evaluation* split,
validation when it is also in train, test when it is also in train or validation (test has to be
independent of everything used to choose the model). Each drop is a note that says how many; a split
that would become empty is a one-line error instead, since the data then cannot measure anything.
Splits carved from train take every copy of a text together, so carving itself never leaks.

Bad files. Every degenerate input (empty, header-only, binary junk, not the format its extension
says, all texts empty, unusable labels, a class too small to train on) is a one-line
`WorkbenchError`. Two repairs are made and noted rather than refused: bytes that are not UTF-8 are
replaced (one bad byte should not cost a whole file), and rows with an empty text or no label are
dropped. Labels may be ints, whole floats, strings or booleans (False/True become names sorted like
strings: False = 0, True = 1); texts that are numbers are read as their text.

This module is the entry point and the checks on the finished splits (overlap, limits, classes); the
sources are `workbench.data.sources`, frame parsing and carving `workbench.data.frames`. None of them
knows about tokenisers or models: they return strings and integers.
"""

from __future__ import annotations

import random
from collections import Counter

import pandas as pd

from workbench.config import DataConfig
from workbench.core import WorkbenchError
from workbench.data.frames import frames_to_data
from workbench.data.label_budget import apply_label_budget
from workbench.data.sources import load_bundled, load_hub, load_local
from workbench.data.textdata import MIN_TRAIN_PER_CLASS, SPLITS, LabeledSplit, TextData, normalise_text

# --------------------------------------------------------------------------- entry point


def load_data(cfg: DataConfig) -> TextData:
    """Load, split, limit and check a data set described by `cfg`."""
    if cfg.source == "bundled":
        data = load_bundled(cfg.seed, cfg.validation_fraction, cfg.test_fraction)
    elif cfg.source == "hub":
        data = load_hub(cfg)
    elif cfg.source == "local":
        data = load_local(cfg)
    else:
        raise WorkbenchError(f"data.source must be bundled, hub or local, got {cfg.source!r}")
    return _finished(data, cfg)


def check_frame(frame: pd.DataFrame, cfg: DataConfig) -> TextData:
    """The data a run would train on if `frame` were its only file, checked exactly as `load_data` checks it.

    For a file still being chosen (an upload whose columns are being picked): the same column mapping,
    carving, limits and `check_data`, so whatever the page accepts is what a run accepts, and the reverse.
    """
    return _finished(frames_to_data({"train": frame, "validation": None, "test": None}, cfg, None), cfg)


def _finished(data: TextData, cfg: DataConfig) -> TextData:
    """Overlap dropped, limits applied, then the one check of whether the data can train."""
    data = drop_split_overlap(data)
    data = apply_limits(data, cfg.max_train_examples, cfg.max_eval_examples, cfg.seed)
    data = apply_label_budget(data, cfg)
    check_data(data)
    return data


def drop_split_overlap(data: TextData) -> TextData:
    """Drop evaluation texts already in an earlier split (train, then validation), with a note.

    A split that would lose every text is an error: it could not measure anything.
    """
    seen = {normalise_text(t) for t in data.train.texts}
    for name, earlier in (("validation", "train"), ("test", "train or validation")):
        split = data.split(name)
        keep = [i for i, t in enumerate(split.texts) if normalise_text(t) not in seen]
        dropped = len(split) - len(keep)
        if dropped and not keep:
            raise WorkbenchError(
                f"all {len(split)} {name} texts also appear in {earlier}, so the {name} split would be empty; "
                f"give a {name} file with different texts, or none to carve one from train"
            )
        if dropped:
            data.notes.append(f"{dropped} {name} text(s) also in {earlier} were dropped from {name}")
            setattr(data, name, split.subset(keep))
        seen.update(normalise_text(t) for t in data.split(name).texts)
    return data


def apply_limits(data: TextData, max_train: int | None, max_eval: int | None, seed: int) -> TextData:
    """Keep a seeded random subset of each split (the same subset for the same seed)."""

    def limit(split: LabeledSplit, n: int | None, name: str) -> LabeledSplit:
        if n is None or len(split) <= n:
            return split
        idx = list(range(len(split)))
        random.Random(f"{seed}-{name}").shuffle(idx)
        data.notes.append(f"{name} limited to {n} of {len(split)} examples")
        return split.subset(sorted(idx[:n]))

    data.train = limit(data.train, max_train, "train")
    data.validation = limit(data.validation, max_eval, "validation")
    data.test = limit(data.test, max_eval, "test")
    return data


def check_data(data: TextData) -> None:
    """Refuse data that cannot train a classifier, with the reason in one line."""
    if data.num_labels < 2:
        raise WorkbenchError(
            f"the data has only one class ({data.label_names[0] if data.label_names else '?'}); a classifier needs at least two"
        )
    for name in SPLITS:
        split = data.split(name)
        if len(split) == 0:
            raise WorkbenchError(f"the {name} split is empty")
        bad = [y for y in split.labels if not 0 <= y < data.num_labels]
        if bad:
            raise WorkbenchError(
                f"the {name} split has label {bad[0]} outside the label space 0..{data.num_labels - 1}"
            )
    train_classes = set(data.train.labels)
    if len(train_classes) < 2:
        raise WorkbenchError(f"the train split holds only one class ({data.label_names[next(iter(train_classes))]})")
    per_class = Counter(data.train.labels)
    rare = [i for i in sorted(per_class) if per_class[i] < MIN_TRAIN_PER_CLASS]
    if rare:
        raise WorkbenchError(
            f"class {data.label_names[rare[0]]!r} has only {per_class[rare[0]]} training example(s); "
            f"a classifier needs at least {MIN_TRAIN_PER_CLASS} per class to learn it: add examples or drop the class",
            code="data.rare_class",
            label=data.label_names[rare[0]],
            count=per_class[rare[0]],
            minimum=MIN_TRAIN_PER_CLASS,
        )
    for name in ("validation", "test"):
        missing = set(data.split(name).labels) - train_classes
        if missing:
            raise WorkbenchError(f"class {data.label_names[min(missing)]!r} appears in {name} but never in train")

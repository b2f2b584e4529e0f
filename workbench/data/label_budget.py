"""A label budget: keep N labelled training texts per class and let the rest become unlabelled texts.

For "I have 16-64 labels per class and a pile of unlabelled texts", and for measuring it on data that
is fully labelled: the bundled train split then stands in for the pile, its labels hidden. The rows
kept are a seeded sample inside each class (stratified: every class keeps exactly N), so the same
seed keeps the same rows across the teacher run, the student run and a benchmark. The pool keeps
texts only: nothing downstream can read a hidden label, because none is carried.
"""

from __future__ import annotations

import random
from collections import Counter

from workbench.config import DataConfig
from workbench.core import WorkbenchError
from workbench.data.augment import read_unlabelled
from workbench.data.textdata import LabeledSplit, TextData

REST_OF_TRAIN = "rest-of-train"


def sample_per_class(split: LabeledSplit, per_class: int, seed: int) -> tuple[list[int], list[int]]:
    """-> (indices kept, labelled; indices left, in order). Every class keeps `per_class` rows, chosen
    by a seeded shuffle inside the class; a class with fewer rows is a one-line error."""
    counts = Counter(split.labels)
    kept: list[int] = []
    for label in sorted(counts):
        rows = [i for i, y in enumerate(split.labels) if y == label]
        if len(rows) < per_class:
            raise WorkbenchError(
                f"data.labels_per_class is {per_class} but class {label} has only {len(rows)} training texts; "
                f"choose {len(rows)} or fewer",
                code="data.budget_too_large",
                label=label,
                count=len(rows),
                asked=per_class,
            )
        random.Random(f"{seed}-labels-{label}").shuffle(rows)
        kept += rows[:per_class]
    chosen = set(kept)
    return sorted(kept), [i for i in range(len(split)) if i not in chosen]


def apply_label_budget(data: TextData, cfg: DataConfig) -> TextData:
    """Cut train to `cfg.labels_per_class` per class and fill `data.unlabelled` from `cfg.unlabelled_pool`."""
    if cfg.labels_per_class is not None:
        kept, rest = sample_per_class(data.train, cfg.labels_per_class, cfg.seed)
        pool = [data.train.texts[i] for i in rest]
        data.notes.append(
            f"train kept {cfg.labels_per_class} labelled texts per class ({len(kept)} of {len(data.train)})"
            + (f"; the other {len(pool)} are the unlabelled pool, labels hidden" if _is_rest(cfg) else "")
        )
        data.train = data.train.subset(kept)
        if _is_rest(cfg):
            data.unlabelled = pool
    if cfg.unlabelled_pool and not _is_rest(cfg):
        texts, notes = read_unlabelled(cfg.unlabelled_pool, cfg.text_column)
        data.unlabelled = texts
        data.notes += notes
    return data


def _is_rest(cfg: DataConfig) -> bool:
    return cfg.unlabelled_pool == REST_OF_TRAIN

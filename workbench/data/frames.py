"""Frames to `TextData`: pick the text and label columns, settle the label space, carve missing splits.

Bad columns and labels are one-line errors here; rows with an empty text or no label are dropped
with a note. Splits a source lacks are carved from train, deterministically for a seed, taking every
copy of a text together so that carving never leaks.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from workbench.config import DataConfig
from workbench.core import WorkbenchError
from workbench.data.textdata import MIN_TRAIN_PER_CLASS, LabeledSplit, TextData, normalise_text


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
    if frames.get("train") is None:
        raise WorkbenchError("no training data was given", code="data.path_missing")
    if cfg.text_column == cfg.label_column:
        raise WorkbenchError(
            f"data.text_column and data.label_column are both {cfg.text_column!r}; they must be two different columns",
            code="data.same_column",
            column=cfg.text_column,
        )
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

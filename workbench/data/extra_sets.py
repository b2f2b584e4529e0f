"""Test sets from elsewhere: a labelled file read into the run's own label space, or one line why not.

A run trains and is tested on one kind of text; a person deploying it wants to know how it does on
theirs ("reviews from our shop", "tweets"). Such a file is read by the same readers as training data
(`read_table`: CSV, TSV, JSON Lines, JSON, Parquet, refusals coded data.unreadable), and its labels are
matched to the run's class names: first through the entry's `labels` mapping, then by name ignoring
case. A label that matches neither is refused rather than guessed: a "neutral" row silently counted
as "negative" would make every number on the page wrong. Rows with an empty text or no label are
dropped with a note, as they are in training data.

Codes (besides the readers' data.unreadable and data.same_columns): data.extra_eval_column (facts: role
"text" / "label", column: the one asked for or None when none was found, columns), data.extra_eval_label
(value, count, classes), data.extra_eval_empty (no row has both a text and a label).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.config import DataConfig, ExtraEvalSet
from workbench.core import WorkbenchError
from workbench.data.frames import column_texts
from workbench.data.readers import read_table

TEXT_NAMES = ("text", "sentence", "review", "tweet", "content", "body", "snippet")
LABEL_NAMES = ("label", "labels", "sentiment", "polarity", "class", "category", "rating")


@dataclass
class ExtraSet:
    """One test set from elsewhere, ready to score: texts with label ids in the run's label space."""

    name: str
    texts: list[str]
    labels: list[int]
    notes: list[str] = field(default_factory=list)


def _pick_column(
    frame: pd.DataFrame, given: str | None, run_default: str, usual: tuple[str, ...], role: str, where: str
) -> str:
    """The entry's column, else the run's column name when the file has it, else a usual name (any case)."""
    columns = [str(c) for c in frame.columns]
    if given:
        if given not in columns:
            raise WorkbenchError(
                f"{where}: {role} column {given!r} not found; columns are: {', '.join(columns[:12])}",
                code="data.extra_eval_column",
                role=role,
                column=given,
                columns=columns[:12],
            )
        return given
    lowered = {c.lower(): c for c in columns}
    for name in (run_default, *usual):
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise WorkbenchError(
        f"{where}: no {role} column found (tried {run_default!r} and usual names); columns are: {', '.join(columns[:12])}",
        code="data.extra_eval_column",
        role=role,
        column=None,
        columns=columns[:12],
    )


def _label_key(value: object) -> str:
    """A label cell as the text it is matched by: 1.0 and 1 are both "1", names are stripped."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def map_labels(values: list[object], label_names: list[str], mapping: dict[str, str], where: str) -> list[int]:
    """Label cells -> the run's label ids: `mapping` first (keys ignoring case), then the class name ignoring case.

    A mapping target that is not one of the run's classes, or a value neither rule places, is a one-line
    `WorkbenchError` (code data.extra_eval_label) naming the value, how many rows have it and the classes."""
    ids = {n.lower(): i for i, n in enumerate(label_names)}
    table: dict[str, int] = {}
    for key, target in mapping.items():
        if str(target).strip().lower() not in ids:
            raise WorkbenchError(
                f"{where}: labels maps {key!r} to {target!r}, which is not one of this run's classes "
                f"({', '.join(label_names)})",
                code="data.extra_eval_label",
                value=str(target),
                count=0,
                classes=list(label_names),
            )
        table[_label_key(key).lower()] = ids[str(target).strip().lower()]
    out: list[int] = []
    unknown: dict[str, int] = {}
    for value in values:
        key = _label_key(value).lower()
        found = table.get(key, ids.get(key))
        if found is None:
            unknown[_label_key(value)] = unknown.get(_label_key(value), 0) + 1
        else:
            out.append(found)
    if unknown:
        value, count = next(iter(unknown.items()))
        raise WorkbenchError(
            f"{where}: label {value!r} ({count} row(s)) is not one of this run's classes ({', '.join(label_names)}); "
            "map it to one, or remove those rows",
            code="data.extra_eval_label",
            value=value,
            count=count,
            classes=list(label_names),
        )
    return out


def _where(entry: ExtraEvalSet) -> str:
    """How messages name the set: by its name when it has one, always by its file."""
    return f"test set {entry.name!r} ({Path(entry.path).name})" if entry.name else Path(entry.path).name


def _read_columns(entry: ExtraEvalSet, data: DataConfig | None) -> tuple[pd.DataFrame, str, str, list[str]]:
    """`entry`'s file with its text and label columns chosen -> (frame, text column, label column, notes)."""
    where, run = _where(entry), data or DataConfig()
    frame, notes = read_table(entry.path)
    text_col = _pick_column(frame, entry.text_column, run.text_column, TEXT_NAMES, "text", where)
    label_col = _pick_column(frame, entry.label_column, run.label_column, LABEL_NAMES, "label", where)
    if text_col == label_col:
        raise WorkbenchError(
            f"{where}: the text and the label must come from two different columns (both are {text_col!r})",
            code="data.same_columns",
            column=text_col,
        )
    return frame, text_col, label_col, notes


def unmatched_labels(entry: ExtraEvalSet, label_names: list[str], data: DataConfig | None = None) -> list[str]:
    """The label values of `entry`'s file that neither its `labels` mapping nor a class name places, sorted:
    what a person must map before the set can be scored (Setup asks for each)."""
    frame, _, label_col, _ = _read_columns(entry, data)
    known = {n.lower() for n in label_names} | {_label_key(k).lower() for k in entry.labels}
    values = {_label_key(v) for v in frame[label_col].dropna()}
    return sorted(v for v in values if v.lower() not in known)


def load_extra_set(entry: ExtraEvalSet, label_names: list[str], data: DataConfig | None = None) -> ExtraSet:
    """Read `entry`'s file and place its labels among `label_names` (the run's classes)."""
    where = _where(entry)
    frame, text_col, label_col, notes = _read_columns(entry, data)
    no_label = int(frame[label_col].isna().sum())
    frame = frame[frame[label_col].notna()]
    texts, empty = column_texts(frame, text_col, where)
    keep = frame[text_col].notna() & (frame[text_col].astype(str).str.strip() != "")
    if not texts:
        raise WorkbenchError(f"{where} has no rows with both a text and a label", code="data.extra_eval_empty")
    labels = map_labels(frame.loc[keep, label_col].tolist(), label_names, entry.labels, where)
    dropped = ((empty, "an empty text"), (no_label, "no label"))
    notes += [f"{entry.name}: dropped {n} row(s) with {what}" for n, what in dropped if n]
    return ExtraSet(entry.name, texts, labels, notes)


def load_extra_sets(data: DataConfig, label_names: list[str]) -> list[ExtraSet]:
    """Every `data.extra_eval` set of a run, read before training starts: a file that cannot be scored is
    refused in the first seconds of a run, not after hours of training."""
    return [load_extra_set(entry, label_names, data) for entry in data.extra_eval]

"""Saving files people upload in the browser, safely.

An uploaded data file has to outlive the browser tab (a run started from it reads it later, in
another process), so it goes to disk under `RUNS_ROOT/uploads/`. The name comes from the user's
machine and cannot be trusted: it is reduced to a plain file name (no folders, no `..`, no hidden
files), prefixed with a content hash (the same file uploaded twice is stored once, two different
files with the same name never overwrite each other), and the final path is checked to be inside
the uploads folder. Size is capped here as well as in Streamlit's own `server.maxUploadSize`.

Reading an upload (`read_upload`, `check_columns`) speaks to the person who chose the file: their own
file name in every message (never the hashed one on disk), no parser internals ("C error: Expected 1
fields in line 8"), and the mistakes people make with spreadsheets exports said in their words: a
missing header row, the wrong separator. Whether the chosen columns can train is the engine's one
check (`check_frame`), prefixed with the person's file name.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from workbench.config import DataConfig, ExtraEvalSet
from workbench.core import WorkbenchError, write_bytes_atomic
from workbench.data import check_frame, load_extra_set, read_table, unmatched_labels
from workbench.runs import runs_root

ALLOWED_SUFFIXES = (".csv", ".jsonl", ".parquet")
MAX_UPLOAD_BYTES = 200 * 2**20
UPLOADS_FOLDER = "uploads"
_HASH_PREFIX = re.compile(r"^[0-9a-f]{12}-")


def uploads_dir(root: Path | None = None) -> Path:
    """`RUNS_ROOT/uploads`, created on demand."""
    folder = (root or runs_root()).resolve() / UPLOADS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sanitise_filename(name: str) -> str:
    """A safe base name: last path component only, ASCII letters, digits, `-`, `_` and one suffix."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.")[:60] or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()[:10]
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(
    name: str,
    data: bytes,
    root: Path | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    suffixes: tuple[str, ...] = ALLOWED_SUFFIXES,
) -> Path:
    """Store an uploaded data file; returns its path. Refuses other types than `suffixes` (the
    unlabelled texts of a transfer set may also be .txt) and oversize files."""
    safe = sanitise_filename(name)
    shown = base_name(name)
    suffix = Path(safe).suffix
    if suffix not in suffixes:
        kinds = ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]
        raise WorkbenchError(f"{shown}: unsupported file type {suffix or '(none)'}; upload {kinds}")
    if len(data) > max_bytes:
        raise WorkbenchError(f"{shown} is {len(data) / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    if not data.strip():
        raise WorkbenchError(f"{shown} is empty")
    folder = uploads_dir(root)
    digest = hashlib.sha256(data).hexdigest()[:12]
    target = (folder / f"{digest}-{safe}").resolve()
    if target.parent != folder:
        raise WorkbenchError(f"refusing to save {name!r} outside the uploads folder")
    if not target.exists():
        write_bytes_atomic(target, data)
    return target


def base_name(name: str) -> str:
    """The file name the person knows: the last path component of what their browser sent."""
    return re.split(r"[\\/]", name or "")[-1] or "the file"


def display_name(path: str | Path) -> str:
    """The name to show for a stored upload: its file name without the content-hash prefix."""
    return _HASH_PREFIX.sub("", Path(path).name)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _check_csv_shape(text: str, name: str) -> None:
    """Rows with more fields than the header: pandas says "C error: Expected 1 fields in line 8, saw 3"."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        width = len(header)
        for row in reader:
            if len(row) > width:
                hint = " Is the separator a comma?"
                if width == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
                    hint = " The header has no commas: save the file with commas between the columns."
                raise WorkbenchError(
                    f"{name}: line {reader.line_num} has {len(row)} fields where the header has {width}.{hint}"
                )
    except csv.Error:
        raise WorkbenchError(
            f"{name}: a quoted text around line {reader.line_num} never ends (a missing closing quote?)"
        ) from None


def _plain_read_error(message: str, name: str, suffix: str) -> str:
    """read_table's message, with parser internals replaced by what to check."""
    bad_json = "is not valid JSON" in message  # the reader names the line; the parser's words follow
    if "could not be parsed" not in message and "could not be read" not in message and not bad_json:
        return message  # already plain: empty, no rows, unsupported type
    if suffix == ".jsonl":
        line = re.search(r"line (\d+)", message)
        where = f" (line {line.group(1)})" if line else ""
        return (
            f"{name} is not valid JSON Lines{where}: each line must be one JSON object, "
            'such as {"text": "a fine film", "label": "positive"}.'
        )
    if suffix == ".parquet":
        return f"{name} could not be read as a Parquet file. Is it really one (and not a renamed CSV)?"
    return f"{name} could not be read as a CSV file: a header line, then one line per example, commas between columns."


def _missing_header(frame: pd.DataFrame) -> str | None:
    """Why the header row looks like data (pandas turns the first line into column names), or None."""
    for col in frame.columns:
        cell = str(col)
        if re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", cell):
            return f"{cell!r} is a number"
        if len(cell.split()) > 5:
            return f"{cell[:40]!r} reads like a sentence"
        values = frame[col].dropna().astype(str).str.strip()
        if values.nunique() <= max(20, len(values) // 10) and cell.strip() in set(values):
            return f"{cell!r} is also a value in that column"
    return None


def read_upload(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read a stored upload; every problem is one sentence naming the person's file `name`."""
    name = base_name(name) if name else display_name(path)
    suffix = Path(name).suffix.lower() or Path(path).suffix.lower()
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise WorkbenchError(f"{name} is no longer on this machine; upload it again") from None
    if suffix == ".csv" and data.strip():
        _check_csv_shape(_decode(data), name)
    try:
        frame, _notes = read_table(Path(name).with_suffix(suffix), data=data)
    except WorkbenchError as exc:
        raise WorkbenchError(_plain_read_error(str(exc), name, suffix), exc.code, **exc.facts) from None
    if suffix == ".csv":
        why = _missing_header(frame)
        if why:
            first = ", ".join(str(c) for c in frame.columns)[:80]
            raise WorkbenchError(
                f"{name} seems to have no header row: its first line ({first}) looks like data ({why}). "
                "Add a first line that names the columns, for example: text,label"
            )
    return frame


def check_columns(
    frame: pd.DataFrame, text_column: str, label_column: str, name: str, data: DataConfig | None = None
) -> None:
    """Refuse a column choice that cannot train, saying which column or class and why.

    The rule is the engine's (`workbench.data.check_frame`: the same carving and checks a run makes, with
    `data`'s seed, split fractions and limits), so this never says "3 per class" while a run accepts 2.
    """
    settings = copy.deepcopy(data) if data is not None else DataConfig(source="local")
    settings.text_column, settings.label_column = text_column, label_column
    try:
        check_frame(frame, settings)
    except WorkbenchError as exc:
        raise WorkbenchError(f"{name}: {exc}", exc.code, **exc.facts) from None


def extra_set_labels(entry: ExtraEvalSet, label_names: list[str], data: DataConfig | None = None) -> list[str]:
    """The labels of an uploaded test set from elsewhere that the person still has to map to a class (sorted).

    Every problem is one sentence naming the person's file, not the hashed name it is stored under."""
    with _named(entry.path):
        return unmatched_labels(entry, label_names, data)


def check_extra_set(entry: ExtraEvalSet, label_names: list[str], data: DataConfig | None = None) -> int:
    """The number of rows a run would score in this test set from elsewhere, or one sentence why it can't be."""
    with _named(entry.path):
        return len(load_extra_set(entry, label_names, data).texts)


@contextmanager
def _named(path: str | Path) -> Iterator[None]:
    """Errors raised inside speak of the person's file name instead of the stored, hash-prefixed one."""
    try:
        yield
    except WorkbenchError as exc:
        stored = Path(path).name
        raise WorkbenchError(str(exc).replace(stored, display_name(stored)), exc.code, **exc.facts) from None

"""Reading a data file (CSV, TSV, JSON Lines, JSON, Parquet) into a pandas frame, or one clear line why not.

Every way a file can be unusable before its columns are even looked at (missing, unreadable, empty,
header only, binary junk, another format than its extension says, broken JSON on some line) ends in
a one-line `WorkbenchError` naming the file. Bytes that are not UTF-8 are the one repair: they are
replaced and a note says how many, because one stray byte in a large export should not cost the file.
Column names, labels and splits are `data/loading.py`'s business.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from workbench.core import WorkbenchError

PARQUET_MAGIC = b"PAR1"
SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".json")


def read_table(path: str | Path, data: bytes | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read CSV / JSONL / Parquet from a path (or its bytes) into a frame, with notes on repairs.

    Every refusal carries the code "data.unreadable" (fact: `file`), so callers can tell "this file cannot be
    used" from the other data problems without reading the message."""
    with _coded(Path(path).name):
        return _read_table(Path(path), data)


@contextmanager
def _coded(name: str) -> Iterator[None]:
    """Give an uncoded refusal raised inside the code "data.unreadable" and the file's name as a fact."""
    try:
        yield
    except WorkbenchError as exc:
        if exc.code is not None:
            raise
        raise WorkbenchError(str(exc), code="data.unreadable", file=name) from None


def _read_table(p: Path, data: bytes | None) -> tuple[pd.DataFrame, list[str]]:
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise WorkbenchError(f"{p.name}: unsupported file type {suffix or '(none)'}; use .csv, .jsonl or .parquet")
    data = _file_bytes(p, "data file") if data is None else data
    if not data.strip():
        raise WorkbenchError(f"{p.name} is empty")
    notes: list[str] = []
    try:
        if suffix == ".parquet":
            if data[:4] != PARQUET_MAGIC:
                raise WorkbenchError(f"{p.name} is not a Parquet file (it does not start with the Parquet magic bytes)")
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            text = _decode(p.name, data, notes)
            if suffix in (".jsonl", ".json"):
                frame = _read_json(p.name, text, lines=suffix == ".jsonl")
            else:
                frame = pd.read_csv(io.StringIO(text), sep="\t" if suffix == ".tsv" else ",")
    except WorkbenchError:
        raise
    except pd.errors.ParserError as exc:
        raise WorkbenchError(f"{p.name} could not be parsed: {str(exc).strip().splitlines()[-1]}") from None
    except pd.errors.EmptyDataError:
        raise WorkbenchError(f"{p.name} is empty") from None
    except Exception as exc:  # pyarrow raises ValueError, TypeError, NotImplementedError, OSError subclasses
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise WorkbenchError(f"{p.name} could not be read: {first}") from None
    if len(frame) == 0:
        raise WorkbenchError(f"{p.name} has no rows (only a header?)")
    return frame, notes


def _file_bytes(p: Path, what: str) -> bytes:
    """The file's bytes, or a one-line error saying it is missing or unreadable."""
    if not p.is_file():
        raise WorkbenchError(f"{what} not found: {p}")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise WorkbenchError(f"{p.name} could not be read: {exc.strerror or type(exc).__name__}") from None


def read_lines(path: str | Path) -> tuple[list[str], list[str]]:
    """A .txt file's non-empty lines, stripped (one text per line), with notes on repairs.

    The same one-line errors as `read_table` for a missing, unreadable, empty or binary file.
    """
    with _coded(Path(path).name):
        return _read_lines(Path(path))


def _read_lines(p: Path) -> tuple[list[str], list[str]]:
    data = _file_bytes(p, "text file")
    if not data.strip():
        raise WorkbenchError(f"{p.name} is empty")
    notes: list[str] = []
    lines = [line.strip() for line in _decode(p.name, data, notes).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise WorkbenchError(f"{p.name} has no text, only blank lines")
    return lines, notes


def _decode(name: str, data: bytes, notes: list[str]) -> str:
    """Bytes of a text format to str: UTF-8 (BOM or not), UTF-16 with a BOM; refuses binary data."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise WorkbenchError(f"{name} starts with a UTF-16 byte-order mark but is not valid UTF-16") from None
    if data[:4] == PARQUET_MAGIC:
        raise WorkbenchError(f"{name} is a Parquet file, not {Path(name).suffix}: rename it to .parquet")
    if b"\x00" in data[:65536]:
        raise WorkbenchError(f"{name} holds binary data, not {Path(name).suffix[1:].upper()} text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad > 0.3 * len(text):
        raise WorkbenchError(f"{name} is not text: {bad} of its {len(text)} characters are not UTF-8")
    notes.append(f"{name} is not valid UTF-8: {bad} undecodable byte(s) replaced with \ufffd")
    return text


def _read_json(name: str, text: str, lines: bool) -> pd.DataFrame:
    """JSON Lines (or one JSON document); a broken line is named by its number."""
    try:
        return pd.read_json(io.StringIO(text), lines=lines)
    except (ValueError, TypeError):
        if not lines:
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                raise WorkbenchError(f"{name} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
            raise
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise WorkbenchError(f"{name} line {number} is not valid JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise WorkbenchError(
                    f"{name} line {number} is a JSON {type(row).__name__}, not an object of columns"
                ) from None
        raise

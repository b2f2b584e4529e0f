"""Saving files people upload in the browser, safely.

An uploaded data file has to outlive the browser tab (a run started from it reads it later, in
another process), so it goes to disk under `RUNS_ROOT/uploads/`. The name comes from the user's
machine and cannot be trusted: it is reduced to a plain file name (no folders, no `..`, no hidden
files), prefixed with a content hash (the same file uploaded twice is stored once, two different
files with the same name never overwrite each other), and the final path is checked to be inside
the uploads folder. Size is capped here as well as in Streamlit's own `server.maxUploadSize`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.fsutil import write_bytes_atomic
from workbench.runs import runs_root

ALLOWED_SUFFIXES = (".csv", ".jsonl", ".parquet")
MAX_UPLOAD_BYTES = 200 * 2**20
UPLOADS_FOLDER = "uploads"


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


def save_upload(name: str, data: bytes, root: Path | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Store an uploaded data file; returns its path. Refuses other types and oversize files."""
    safe = sanitise_filename(name)
    suffix = Path(safe).suffix
    if suffix not in ALLOWED_SUFFIXES:
        raise WorkbenchError(f"{safe}: unsupported file type {suffix or '(none)'}; upload .csv, .jsonl or .parquet")
    if len(data) > max_bytes:
        raise WorkbenchError(f"{safe} is {len(data) / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    if not data.strip():
        raise WorkbenchError(f"{safe} is empty")
    folder = uploads_dir(root)
    digest = hashlib.sha256(data).hexdigest()[:12]
    target = (folder / f"{digest}-{safe}").resolve()
    if target.parent != folder:
        raise WorkbenchError(f"refusing to save {name!r} outside the uploads folder")
    if not target.exists():
        write_bytes_atomic(target, data)
    return target

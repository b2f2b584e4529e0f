"""Small file helpers: atomic writes, so a reader never sees half a file.

The temporary file beside the target has a name of its own for every write (pid, thread and a
random part): the Streamlit server runs every browser session as a thread of one process, so a
name made from the pid alone was shared by two sessions writing the same file, and one session's
rename carried away the other's half-written file (or found it gone: FileNotFoundError).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any


def temp_path_beside(path: str | Path) -> Path:
    """A fresh hidden name in `path`'s folder (same file system, so `os.replace` is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:12]}.tmp")


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename over it (atomic on POSIX)."""
    path = Path(path)
    tmp = temp_path_beside(path)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, default=str))


def read_json(path: str | Path, default: Any = None) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def files_stamp(*paths: str | Path) -> str:
    """A short hash of (name, inode, mtime, size) of every file under `paths` (a folder: its files,
    recursively; a missing path counts as missing). Only `stat`, no reading.

    A cache keyed by a path alone serves what was there before a run was resumed or re-evaluated
    (model/ and report.json are rewritten in place); keyed by path + this stamp it loads afresh.
    """
    h = hashlib.sha256()
    for path in map(Path, paths):
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                st = f.stat()
            except OSError:
                h.update(f"{f}|missing\n".encode())
                continue
            h.update(f"{f}|{st.st_ino}|{st.st_mtime_ns}|{st.st_size}\n".encode())
    return h.hexdigest()[:16]

"""The run store: one folder per run, the only state shared by the trainer, the CLI and the UI.

    RUNS_ROOT/20261127-204500-distill-quick/
        config.yaml      resolved RunConfig
        status.json      {"state": queued|running|finished|failed|stopped, "error", "pid", ...}
        metrics.jsonl    one JSON event a line (step / eval / phase), appended as training goes
        report.json      final metrics, sizes, latency of teacher and student
        predictions.csv  per-example labels and probabilities of both models
        model/           save_pretrained student (or teacher) + tokenizer
        log.txt          the process's stdout and stderr
        STOP             present when a stop was asked for

Files other than metrics.jsonl are written atomically; metrics.jsonl is append-only and readers
skip an unfinished last line. The browser tab holds nothing that must outlive a reload: it reads here.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.core import WorkbenchError, read_json, write_json_atomic

ACTIVE_STATES = ("queued", "running")
KINDS = ("teacher", "distill")  # the kinds of run: fine-tune a teacher, distil a student


def runs_root() -> Path:
    """`$WORKBENCH_RUNS_DIR`, else ./runs."""
    return Path(os.environ.get("WORKBENCH_RUNS_DIR", "runs")).resolve()


def slug(name: str) -> str:
    """A file-name-safe version of a user's run name: no separators, no dots at the start."""
    s = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")[:40]
    return s or "run"


def new_run_dir(kind: str, name: str, root: Path | None = None) -> Path:
    """Create a fresh, uniquely named run folder inside `root`."""
    root = (root or runs_root()).resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbenchError(f"cannot create the runs folder {root}: {exc.strerror}") from None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{kind}-{slug(name)}"
    for i in range(1000):
        candidate = root / (base if i == 0 else f"{base}-{i}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
        except OSError as exc:
            raise WorkbenchError(f"cannot create a run folder in {root}: {exc.strerror}") from None
    raise WorkbenchError(f"too many runs named {base}")


def used_names(root: Path | None = None) -> set[str]:
    """The names people gave the runs in `root` (status.json's `name`, else config.yaml's), whatever their state."""
    root = (root or runs_root()).resolve()
    if not root.is_dir():
        return set()
    names = set()
    for d in root.iterdir():
        if not d.is_dir() or d.name.startswith(".") or not (d / "status.json").is_file():
            continue
        name = read_status(d).get("name") or _config_name(d)
        if name:
            names.add(str(name))
    return names


def _config_name(run_dir: Path) -> str | None:
    """config.yaml's `name` (for runs whose status.json lacks it), or None when unreadable."""
    try:
        cfg = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return cfg.get("name") if isinstance(cfg, dict) else None


def distinct_name(name: str, root: Path | None = None, suffixes: tuple[str, ...] = ("",)) -> str:
    """`name`, or `name-2`, `name-3`, ... : the first whose runs (`name + suffix` for each suffix) no run in `root`
    has, so two runs never share a name silently. The guided story names three runs from one stem: passing their
    suffixes keeps the three on one number ("demo-2-teacher", "demo-2-distilled", ...)."""
    taken = used_names(root)
    for n in range(1, 10_000):
        candidate = name if n == 1 else f"{name}-{n}"
        if not any(f"{candidate}{suffix}" in taken for suffix in suffixes):
            return candidate
    raise WorkbenchError(f"too many runs named {name}")


def run_path(run_id: str, root: Path | None = None) -> Path:
    """The folder of run `run_id` inside the runs root; ids that would lead outside it are refused.

    For ids that come from a browser: only a bare folder name is accepted.
    """
    root = (root or runs_root()).resolve()
    candidate = (root / str(run_id)).resolve()
    if not run_id or candidate.parent != root or run_id.startswith("."):
        raise WorkbenchError(f"not a run id: {run_id!r}")
    if not candidate.is_dir():
        raise WorkbenchError(f"run not found: {run_id}")
    return candidate


def resolve_run(run: str | Path, root: Path | None = None) -> Path:
    """For the CLI: a run folder given as a path (the user's own shell), or a run id in the runs root."""
    p = Path(run)
    if p.is_dir() and (p / "status.json").is_file():
        return p.resolve()
    return run_path(str(run), root)


# --------------------------------------------------------------------------- status


def read_status(run_dir: Path) -> dict[str, Any]:
    return read_json(Path(run_dir) / "status.json", default={}) or {}


def write_status(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge `fields` into status.json (atomic). Returns the new status."""
    status = read_status(run_dir)
    status.update(fields)
    status["updated"] = time.time()
    write_json_atomic(Path(run_dir) / "status.json", status)
    return status


# --------------------------------------------------------------------------- metrics


class MetricsLog:
    """Append-only JSON lines; one `write` per event, flushed so a poller sees it at once."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / "metrics.jsonl"
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open for the run

    def write(self, event: dict[str, Any]) -> None:
        self._file.write(json.dumps(event, default=float) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class MetricsTail:
    """Reads metrics.jsonl incrementally: each `update` parses only the lines appended since the last one.

    A page that polls a long run every two seconds would otherwise re-parse thousands of events per
    poll. A file that was replaced (resume rewinds it by writing a new file) or shrank is read again
    from the start. Not thread-safe: callers that share one hold a lock.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / "metrics.jsonl"
        self.events: list[dict[str, Any]] = []
        self._offset = 0  # bytes of complete lines parsed so far
        self._inode: int | None = None

    def update(self) -> bool:
        """Parse what was appended; True when there are new events (or the file was replaced)."""
        try:
            info = self.path.stat()
        except OSError:
            return False
        replaced = self._inode is not None and (info.st_ino != self._inode or info.st_size < self._offset)
        if replaced:
            self.events, self._offset = [], 0
        self._inode = info.st_ino
        if info.st_size == self._offset:
            return replaced
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                raw = f.read(info.st_size - self._offset)
        except OSError:
            return replaced
        end = raw.rfind(b"\n") + 1  # an unfinished last line waits for the next update
        for line in raw[:end].splitlines():
            if line.strip():
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    continue
        self._offset += end
        return end > 0 or replaced


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    """Every complete event of a run (an unfinished last line is skipped)."""
    tail = MetricsTail(run_dir)
    tail.update()
    return tail.events


def read_report(run_dir: Path) -> dict[str, Any] | None:
    return read_json(Path(run_dir) / "report.json")


# --------------------------------------------------------------------------- listing


@dataclass
class RunInfo:
    run_dir: Path
    status: dict[str, Any]
    report: dict[str, Any] | None

    @property
    def id(self) -> str:
        return self.run_dir.name

    @property
    def state(self) -> str:
        return str(self.status.get("state", "unknown"))

    @property
    def kind(self) -> str:
        return str(self.status.get("kind", "?"))


def list_runs(root: Path | None = None) -> list[RunInfo]:
    """All runs, newest first."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    infos = []
    for d in sorted(root.iterdir(), reverse=True):
        if d.is_dir() and not d.name.startswith(".") and (d / "status.json").exists():
            infos.append(RunInfo(d, read_status(d), read_report(d)))
    return infos

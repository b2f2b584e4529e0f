"""Sweeps in the background, for the UI: launch, list, stop, continue.

Like single runs (`jobs.py`), a sweep started from a page is the same CLI a user would type
(`python -m workbench sweep CONFIG --study NAME`) in its own process, with everything about it on
disk under `RUNS/.sweeps/NAME/` (config.yaml, status.json, log.txt, STOP), so a reloaded page finds
it. Its trials take the one-run-at-a-time slot like any run, so a UI run and a sweep queue behind
each other. This module never imports Optuna: reading a study is `study.py`'s job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, dump_config
from workbench.core import WorkbenchError, read_json, write_json_atomic
from workbench.runs import process_alive, process_identity, runs_root, slug, spawn_cli


def sweep_folder(study: str, root: Path | None = None) -> Path:
    return (root or runs_root()).resolve() / ".sweeps" / slug(study)


def launch_sweep(cfg: RunConfig, study: str, root: Path | None = None) -> Path:
    """Start (or continue) sweep `study` in the background; returns its folder at once."""
    root = (root or runs_root()).resolve()
    folder = sweep_folder(study, root)
    status = read_json(folder / "status.json", default={}) or {}
    if status.get("state") in ("queued", "running") and process_alive(status):
        raise WorkbenchError(f"sweep {study} is already running")
    folder.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, folder / "config.yaml")
    (folder / "STOP").unlink(missing_ok=True)
    args = [sys.executable, "-m", "workbench", "sweep", str(folder / "config.yaml"), "--study", study]
    write_json_atomic(folder / "status.json", {"study": study, "state": "queued", "created": time.time()})
    pid = spawn_cli(args, folder / "log.txt", root)
    write_json_atomic(
        folder / "status.json",
        {"study": study, "state": "queued", "created": time.time(), **process_identity(pid)},
    )
    return folder


def sweep_status(folder: Path) -> dict[str, Any]:
    """The sweep's status, with a dead process's running/queued turned into `stopped` (it can continue)."""
    status = read_json(folder / "status.json", default={}) or {}
    if status.get("state") in ("queued", "running") and not process_alive(status):
        status = read_json(folder / "status.json", default={}) or {}  # it may have just finished
        if status.get("state") in ("queued", "running"):
            status.update(state="stopped", error="the sweep's process ended unexpectedly (see its log)")
            write_json_atomic(folder / "status.json", status)
    return status


def list_sweeps(root: Path | None = None) -> list[dict[str, Any]]:
    """Every sweep started on this machine, newest first: status plus `folder`."""
    base = (root or runs_root()).resolve() / ".sweeps"
    if not base.is_dir():
        return []
    out = []
    for folder in base.iterdir():
        if (folder / "status.json").is_file():
            out.append({**sweep_status(folder), "folder": folder})
    return sorted(out, key=lambda s: s.get("created") or s.get("started") or 0, reverse=True)


def stop_sweep(study_name: str, root: Path | None = None) -> None:
    """Ask the workers of this machine to stop: the running trial stops, unfinished points stay queued."""
    folder = sweep_folder(study_name, root)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "STOP").touch()
    status = read_json(folder / "status.json", default={}) or {}
    if process_alive(status):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(status["pid"]), signal.SIGTERM)

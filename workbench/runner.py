"""Execute one run inside its folder: status.json, metrics.jsonl, signals and errors.

This is what `python -m workbench teacher|distill` does, in whatever process it runs (the UI starts
it as a child process). The state only becomes `finished` after the model and the report are on
disk; a failure records its one-line reason; SIGTERM / SIGINT / a STOP file end the run cleanly as
`stopped`, keeping the best model so far.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, dump_config
from workbench.errors import WorkbenchError
from workbench.runs import MetricsLog, new_run_dir, write_status
from workbench.train import StopFlag

KINDS = ("teacher", "distill")


def prepare_run_dir(cfg: RunConfig, kind: str, run_dir: str | Path | None) -> Path:
    """Create (or adopt) the run folder and write the resolved config into it."""
    if run_dir is None:
        path = new_run_dir(kind, cfg.name)
    else:
        path = Path(run_dir)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkbenchError(f"cannot create run folder {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        raise WorkbenchError(f"run folder {path} is not writable")
    try:
        dump_config(cfg, path / "config.yaml")
    except OSError as exc:
        raise WorkbenchError(f"cannot write to run folder {path}: {exc.strerror}") from None
    return path


def execute(kind: str, cfg: RunConfig, run_dir: Path, is_main: bool = True) -> int:
    """Run `kind` in `run_dir`; returns a process exit code (0 ok / stopped, 2 user error, 1 bug)."""
    stop = StopFlag(run_dir)
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(ValueError):  # not the main thread (tests): the STOP file still works
            signal.signal(sig, stop.set)
    if not is_main:
        return _execute(kind, cfg, run_dir, stop, is_main=False)
    from workbench.jobs import training_slot

    def queued() -> None:
        write_status(run_dir, state="queued", kind=kind, name=cfg.name, pid=os.getpid(), queued_since=time.time())

    # one run trains at a time per runs folder; the others wait here, shown as queued
    with training_slot(run_dir.parent, stop, queued) as got_slot:
        if not got_slot:
            write_status(run_dir, state="stopped", error=None, ended=time.time())
            return 0
        return _execute(kind, cfg, run_dir, stop, is_main=True)


def _execute(kind: str, cfg: RunConfig, run_dir: Path, stop: StopFlag, is_main: bool) -> int:
    from workbench.pipeline import run_distill, run_teacher

    log = MetricsLog(run_dir) if is_main else None
    if is_main:
        write_status(
            run_dir, state="running", kind=kind, name=cfg.name, pid=os.getpid(), started=time.time(), error=None
        )

    def emit(event: dict[str, Any]) -> None:
        if log is None:
            return
        event.setdefault("time", time.time())
        log.write(event)
        if event.get("type") == "phase":
            write_status(run_dir, phase=event["phase"])

    try:
        report = (run_teacher if kind == "teacher" else run_distill)(cfg, run_dir, emit, stop)
    except WorkbenchError as exc:
        if is_main:
            write_status(run_dir, state="failed", error=str(exc), ended=time.time())
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if is_main:
            write_status(run_dir, state="stopped", error=None, ended=time.time())
        return 0
    except Exception as exc:  # a bug: keep the traceback in the log, a one-line reason in the status
        traceback.print_exc()
        if is_main:
            write_status(
                run_dir, state="failed", error=f"internal error: {type(exc).__name__}: {exc}", ended=time.time()
            )
        return 1
    finally:
        if log is not None:
            log.close()
    if is_main:
        write_status(run_dir, state=report.get("state", "finished"), ended=time.time(), phase="done")
    return 0

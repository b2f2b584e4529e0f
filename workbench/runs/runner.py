"""Execute one run inside its folder: status.json, metrics.jsonl, signals and errors.

This is what `python -m workbench teacher|distill` does, in whatever process it runs (the UI starts
it as a child process). The state only becomes `finished` after the model and the report are on
disk; a failure records its one-line reason; SIGTERM / SIGINT / a STOP file end the run cleanly as
`stopped`, keeping the best model so far.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, dump_config
from workbench.core import WorkbenchError, write_text_atomic
from workbench.runs.processes import process_alive, process_identity, training_slot
from workbench.runs.store import KINDS, MetricsLog, distinct_name, new_run_dir, read_metrics, write_status
from workbench.training import StopFlag, checkpoint


def resumable(run_dir: Path) -> tuple[str, RunConfig]:
    """(kind, config) of a run that may be resumed; a one-line error for one that may not."""
    from workbench.config import load_config
    from workbench.runs.store import read_status

    status = read_status(run_dir)
    kind = status.get("kind")
    if kind not in KINDS or not (run_dir / "config.yaml").is_file():
        raise WorkbenchError(f"{run_dir} is not a run folder (no status.json kind or config.yaml)")
    if status.get("state") == "finished":
        raise WorkbenchError(f"run {run_dir.name} already finished; nothing to resume")
    if status.get("state") in ("running", "queued") and process_alive(status) and status.get("pid") != os.getpid():
        raise WorkbenchError(f"run {run_dir.name} is still running (pid {status['pid']})")
    return kind, load_config(run_dir / "config.yaml")


def own_pid() -> dict[str, float | int | None]:
    """This process's pid *and* start time: a status holding a pid without its start time would be
    checked against the start time of whichever process wrote the pid before (a resume typed in a
    shell was then shown as failed while it trained)."""
    return process_identity(os.getpid())


def prepare_run_dir(cfg: RunConfig, kind: str, run_dir: str | Path | None) -> Path:
    """Create (or adopt) the run folder and write the resolved config into it.

    A folder created here (no `run_dir`: the CLI's own runs) gets a name no other run has
    (`store.distinct_name`), set on `cfg`, so the run that follows records the same name."""
    if run_dir is None:
        cfg.name = distinct_name(cfg.name)
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


def cli_run_dir(cfg: RunConfig, kind: str, config_path: str | Path, run_dir: str | Path | None) -> Path:
    """The folder `python -m workbench KIND CONFIG [--run-dir DIR]` runs in.

    `jobs.launch` prepares a folder and starts this command on it with CONFIG = DIR/config.yaml: that
    folder is used as it is, so the launcher alone prepares it (and its config is written once). Any
    other CONFIG is the user's own file: `prepare_run_dir` makes (or adopts) the folder and copies it in.
    """
    if run_dir is not None and Path(config_path).resolve() == (Path(run_dir) / "config.yaml").resolve():
        return Path(run_dir)
    return prepare_run_dir(cfg, kind, run_dir)


def execute(kind: str, cfg: RunConfig, run_dir: Path, is_main: bool = True, resume: bool = False) -> int:
    """Run `kind` in `run_dir`; returns a process exit code (0 ok / stopped, 2 user error, 1 bug).

    With `resume`, training continues from the run's last checkpoint (or starts over when the
    run died before its first one), and metrics logged after that checkpoint are dropped so the
    log holds every step exactly once.
    """
    stop = StopFlag(run_dir)
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(ValueError):  # not the main thread (tests): the STOP file still works
            signal.signal(sig, stop.set)
    if not is_main:
        return _execute(kind, cfg, run_dir, stop, is_main=False, resume=resume)
    from workbench.runs.chain import fail_blocked, mark_group, wait_for_prerequisite

    mark_group(cfg, run_dir)
    # a run chained `after:` another waits for it before asking for the training lock
    blocked = wait_for_prerequisite(cfg, run_dir, stop)
    if blocked == "stopped":
        write_status(run_dir, state="stopped", error=None, ended=time.time())
        return 0
    if blocked:
        fail_blocked(run_dir, blocked)
        print(f"error: {blocked}", file=sys.stderr)
        return 2

    def queued() -> None:
        write_status(run_dir, state="queued", kind=kind, name=cfg.name, **own_pid(), queued_since=time.time())

    # one run trains at a time per runs folder; the others wait here, shown as queued
    with training_slot(run_dir.parent, stop, queued) as got_slot:
        if not got_slot:
            write_status(run_dir, state="stopped", error=None, ended=time.time())
            return 0
        if resume:
            (run_dir / "STOP").unlink(missing_ok=True)  # a stop asked of the earlier attempt
            rewind_metrics(run_dir)
        return _execute(kind, cfg, run_dir, stop, is_main=True, resume=resume)


def rewind_metrics(run_dir: Path) -> int:
    """Keep only the events up to the checkpoint's step (all of them go if there is none)."""
    pos = checkpoint.saved_position(run_dir / "checkpoint")
    limit = pos.step if pos else 0
    kept = [e for e in read_metrics(run_dir) if e.get("type") not in ("step", "eval") or e.get("step", 0) <= limit]
    if pos is None:
        kept = []
    write_text_atomic(run_dir / "metrics.jsonl", "".join(json.dumps(e) + "\n" for e in kept))
    return limit


def _execute(kind: str, cfg: RunConfig, run_dir: Path, stop: StopFlag, is_main: bool, resume: bool = False) -> int:
    from workbench.training import run_distill, run_teacher

    log = MetricsLog(run_dir) if is_main else None
    if is_main:
        write_status(run_dir, state="running", kind=kind, name=cfg.name, **own_pid(), started=time.time(), error=None)

    def emit(event: dict[str, Any]) -> None:
        if log is None:
            return
        event.setdefault("time", time.time())
        log.write(event)
        if event.get("type") == "phase":
            write_status(run_dir, phase=event["phase"])

    try:
        report = (run_teacher if kind == "teacher" else run_distill)(cfg, run_dir, emit, stop, resume=resume)
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
        state = report.get("state", "finished")
        if state == "finished":  # the model and report are saved: the checkpoint has done its job
            shutil.rmtree(run_dir / "checkpoint", ignore_errors=True)
        write_status(run_dir, state=state, ended=time.time(), phase="done")
    return 0

"""Launching, watching and stopping runs in separate processes.

The UI never trains in its own process: `launch` writes the config into a fresh run folder and
starts `python -m workbench KIND CONFIG --run-dir DIR` (a list of arguments, never a shell), with
its output going to `log.txt`. Everything about the job lives in the run folder, so a reloaded
page, a second tab or a restarted server finds it again. Stopping writes a STOP file (checked
every step) and sends SIGTERM; a process that died without saying so is found by `refresh` and
marked failed.

One run trains at a time (`processes.training_slot`): a process shows `queued` until it holds the slot.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import sys
import time
from pathlib import Path

from workbench.config import RunConfig
from workbench.runs.chain import mark_group
from workbench.runs.processes import process_alive, process_identity, refresh, spawn_cli
from workbench.runs.store import ACTIVE_STATES, KINDS, list_runs, read_status, runs_root, write_status


def command(kind: str, config_path: Path, run_dir: Path) -> list[str]:
    """The CLI invocation `launch` starts on a folder it prepared (the child uses that folder as it is, see
    `runner.cli_run_dir`). Not what the Train page shows: its command preview is `studio.cli_commands`."""
    return [sys.executable, "-m", "workbench", kind, str(config_path), "--run-dir", str(run_dir)]


def prepare(cfg: RunConfig, kind: str, root: Path | None = None) -> Path:
    """Prepare a fresh run folder, queued, with nothing started yet (the only step that does, for a
    run started here): `launch` starts it at once, a label curve's driver later.

    A name another run in `root` has already is made distinct (`store.distinct_name`: "bilstm-2"), so
    two runs never share a name silently; the run's config.yaml and status.json hold the name it got
    (`cfg` itself is left as it was)."""
    from workbench.runs.runner import prepare_run_dir
    from workbench.runs.store import distinct_name, new_run_dir

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    root = (root or runs_root()).resolve()
    name = distinct_name(cfg.name, root)
    if name != cfg.name:
        cfg = copy.deepcopy(cfg)
        cfg.name = name
    run_dir = prepare_run_dir(cfg, kind, new_run_dir(kind, cfg.name, root))
    write_status(run_dir, state="queued", kind=kind, name=cfg.name, created=time.time(), error=None)
    mark_group(cfg, run_dir)  # now, not when the child starts: a list read in between sees the group already
    return run_dir


def launch(cfg: RunConfig, kind: str, root: Path | None = None) -> Path:
    """Prepare a fresh run folder (`prepare`) and start the run in the background; returns its folder at once."""
    run_dir = prepare(cfg, kind, root)
    start(kind, run_dir)
    return run_dir


def start(kind: str, run_dir: Path) -> int:
    """Start a prepared run's process in the background; returns its pid."""
    return _spawn(command(kind, run_dir / "config.yaml", run_dir), run_dir, run_dir.parent)


def resume(run_dir: Path) -> Path:
    """Continue an interrupted (failed or stopped) run in the background from its last checkpoint."""
    from workbench.runs.runner import resumable

    run_dir = Path(run_dir).resolve()
    resumable(run_dir)  # one-line error for a finished or live run
    write_status(run_dir, state="queued", error=None, resumed=time.time())
    _spawn([sys.executable, "-m", "workbench", "resume", str(run_dir)], run_dir, run_dir.parent)
    return run_dir


def reevaluate(run_dir: Path) -> Path:
    """Re-evaluate a finished or stopped run in the background (`python -m workbench evaluate RUN_DIR`).

    Rewrites report.json, speed included: the way to measure again when the first timing was taken on
    a busy machine, or never taken (a stopped run). The run keeps its state; status.json records
    `reevaluate_started` and the new process, so `reevaluating` can tell a page it is under way.
    """
    return _start_after_training(run_dir, "evaluate", "reevaluate_started")


def reevaluating(run_dir: Path) -> bool:
    """Is a `reevaluate` of this run still running?"""
    return _after_training_alive(read_status(run_dir), "reevaluate_started")


def export_onnx(run_dir: Path) -> Path:
    """Export a run's model to ONNX in the background (`python -m workbench export RUN_DIR`): model.onnx
    checked against PyTorch, timed with onnxruntime, `onnx` recorded in report.json and the model card
    written. status.json records `export_started`, so `exporting` can tell a page it is under way."""
    return _start_after_training(run_dir, "export", "export_started")


def export_int8(run_dir: Path) -> Path:
    """Export to ONNX and quantise to int8 in the background (`python -m workbench export RUN_DIR --int8`):
    both files checked and timed, `onnx` and `int8` recorded in report.json, the model card written."""
    return _start_after_training(run_dir, "export", "export_started", "--int8")


def exporting(run_dir: Path) -> bool:
    """Is an `export_onnx` of this run still running?"""
    return _after_training_alive(read_status(run_dir), "export_started")


AFTER_TRAINING = ("reevaluate_started", "export_started")  # one such job per run at a time


def _after_training_alive(status: dict, key: str) -> bool:
    """The job `key` names is the run's latest after-training job and its process still runs."""
    started = status.get(key)
    latest = max((status.get(k) or 0 for k in AFTER_TRAINING), default=0)
    return bool(started) and started >= latest and process_alive(status)


def _start_after_training(run_dir: Path, command_name: str, key: str, *options: str) -> Path:
    """`python -m workbench COMMAND RUN_DIR` in the background, for a run that has ended and has a model."""
    from workbench.core import WorkbenchError

    run_dir = Path(run_dir).resolve()
    status = refresh(run_dir)
    if status.get("state") in ACTIVE_STATES:
        raise WorkbenchError(f"{run_dir.name} is still {status['state']}: {command_name} it when it has ended")
    if not (run_dir / "model").is_dir():
        raise WorkbenchError(f"{run_dir.name} has no saved model to {command_name}")
    if any(_after_training_alive(status, k) for k in AFTER_TRAINING):
        raise WorkbenchError(f"{run_dir.name} is being evaluated or exported already; try again when that is done")
    write_status(run_dir, **{key: time.time()})
    _spawn([sys.executable, "-m", "workbench", command_name, str(run_dir), *options], run_dir, run_dir.parent)
    return run_dir


def _spawn(args: list[str], run_dir: Path, root: Path) -> int:
    """Start the CLI as a child process, output appended to the run's log.txt; record its pid."""
    pid = spawn_cli(args, run_dir / "log.txt", root)
    write_status(run_dir, **process_identity(pid))
    return pid


def stop(run_dir: Path) -> None:
    """Ask a run to stop: a STOP file the loop checks every step, and SIGTERM for a waiting one."""
    run_dir = Path(run_dir)
    (run_dir / "STOP").touch()
    status = read_status(run_dir)
    if process_alive(status):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(status["pid"]), signal.SIGTERM)


def active_runs(root: Path | None = None) -> list[Path]:
    """Runs queued or running now (dead ones are marked failed on the way)."""
    out = []
    for info in list_runs(root):
        if info.state in ACTIVE_STATES and refresh(info.run_dir).get("state") in ACTIVE_STATES:
            out.append(info.run_dir)
    return out

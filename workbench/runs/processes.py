"""Process bookkeeping shared by the launcher (`jobs.py`) and the run executor (`runner.py`).

Both need to know whether a run's process is alive and to take the one-run-at-a-time slot; keeping
that here, one floor below both, lets `jobs` import `runner` without `runner` importing `jobs` back.
It knows processes and locks, nothing about training.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

from workbench.runs.store import ACTIVE_STATES, read_metrics, read_status, write_status

LOCK_NAME = ".train.lock"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Popen objects of the runs this process started: polling them reaps finished children (no zombies).
children: dict[int, subprocess.Popen] = {}


def create_time(pid: int) -> float | None:
    """The start time of process `pid`, seconds since the epoch (for people; see `process_identity`)."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _since_boot(pid: int) -> float | None:
    """When process `pid` started, in seconds since boot (`starttime` in /proc/PID/stat): the same in
    every process and whatever the wall clock does. psutil's `create_time` adds the boot time, which
    moves when the clock is stepped or slewed: under load on a CI machine one process read a sibling's
    start 3 s off, and a live teacher was taken for dead. None where there is no /proc (not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)": field 3 (state) onwards
        return int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime, in clock ticks
    except (OSError, IndexError, ValueError):
        return None


def process_identity(pid: int) -> dict[str, float | int | None]:
    """What a status records to recognise process `pid` later (pids are recycled): the pid, its start
    in seconds since boot (`pid_started`, what `process_alive` compares) and since the epoch (`pid_created`,
    for older readers and for people)."""
    return {"pid": pid, "pid_created": create_time(pid), "pid_started": _since_boot(pid)}


def spawn_cli(args: list[str], log_path: Path, root: Path) -> int:
    """Start `args` (the workbench CLI) as a child in its own session, output appended to `log_path`,
    with the runs folder `root`; returns its pid. A Ctrl-C in the server's terminal spares it."""
    env = {**os.environ, "WORKBENCH_RUNS_DIR": str(root), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,
        )
    children[proc.pid] = proc
    return proc.pid


def process_alive(status: dict) -> bool:
    """Is the run's own process (same pid *and* start time, so not a recycled pid) still running?"""
    pid = status.get("pid")
    if not pid:
        return False
    child = children.get(pid)
    if child is not None and child.poll() is not None:  # reaps our own finished child
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        started = status.get("pid_started")
        if started is not None and (now := _since_boot(pid)) is not None:
            return abs(now - started) < 0.05  # clock ticks of 10 ms: the same process reads the same
        created = status.get("pid_created")  # a status written before `pid_started` existed
        return created is None or abs(proc.create_time() - created) < 1.0
    except psutil.Error:
        return False


@contextlib.contextmanager
def training_slot(root: Path, should_stop: Callable[[], bool], on_wait: Callable[[], None]) -> Iterator[bool]:
    """Hold the one-run-at-a-time lock for the body; yields False if a stop came while queued.

    An OS file lock (flock) on `root/.train.lock`: the OS drops it when a process dies, so a crash
    never leaves the queue stuck.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_NAME, "a+") as lock:
        waited = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    on_wait()
                    waited = True
                if should_stop():
                    yield False
                    return
                time.sleep(0.5)
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def refresh(run_dir: Path) -> dict:
    """The run's status, with a dead process's 'running' / 'queued' turned into 'failed'."""
    status = read_status(run_dir)
    if status.get("state") in ACTIVE_STATES and status.get("pid") and not process_alive(status):
        # the process may have finished between our two reads
        status = read_status(run_dir)
        if status.get("state") in ACTIVE_STATES and (Path(run_dir) / "STOP").exists():
            # asked to stop, and the SIGTERM came before the process had its handler (still importing)
            status = write_status(run_dir, state="stopped", error=None, ended=time.time())
        elif status.get("state") in ACTIVE_STATES:
            steps = [e for e in read_metrics(run_dir) if e.get("type") == "step"]
            last = f" after step {steps[-1]['step']}" if steps else " before its first step"
            reason = f"the training process ended unexpectedly{last} (see log.txt)"
            status = write_status(run_dir, state="failed", error=reason, ended=time.time())
    return status

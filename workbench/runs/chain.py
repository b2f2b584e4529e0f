"""Runs that wait for another run: the `after:` setting of a RunConfig.

A student can be launched before its teacher exists: its process starts, sees `after: TEACHER_DIR`
and stays `queued` (status `waiting_for`) until that run is finished, before it even asks for the
one-run-at-a-time training lock, so a waiting student never takes the teacher's turn. If the
prerequisite fails, is stopped, or dies without saying so, the waiting run ends `failed` with a
one-line reason naming it. A stop asked of the waiting run itself ends it `stopped`.

This module knows run folders and their status files only; what a run trains is not its business.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from workbench.config import RunConfig
from workbench.runs.store import read_status, write_status

POLL_S = 1.0


def label(run_dir: Path, status: dict | None = None) -> str:
    """'the teacher run NAME': its role in a group where it has one, else its kind."""
    status = read_status(run_dir) if status is None else status
    what = status.get("role") or status.get("kind") or "earlier"
    return f"the {what} run {Path(run_dir).name}"


def prerequisite_state(after: Path) -> tuple[str, dict]:
    """('finished' | 'waiting' | 'failed' | 'stopped' | 'missing', status) of a prerequisite run.

    A 'running' or 'queued' run whose process is gone counts as failed (`processes.refresh` marks it).
    """
    if not (after / "status.json").is_file():
        return ("missing", {}) if not after.is_dir() else ("waiting", {})
    from workbench.runs.processes import refresh

    status = refresh(after)
    state = status.get("state")
    if state == "finished":
        return "finished", status
    if state in ("failed", "stopped"):
        return state, status
    return "waiting", status


def wait_for_prerequisite(
    cfg: RunConfig, run_dir: Path, should_stop: Callable[[], bool], poll_s: float = POLL_S
) -> str | None:
    """Block until `cfg.after` has finished. Returns None to go on, 'stopped' when this run was
    asked to stop while waiting, or the one-line reason this run must fail."""
    if not cfg.after:
        return None
    after = Path(cfg.after)
    waiting_written = False
    while True:
        state, status = prerequisite_state(after)
        if state == "finished":
            if waiting_written:
                write_status(run_dir, waiting_for=None)
            return None
        if state == "missing":
            return f"{label(after, status)} does not exist"
        if state in ("failed", "stopped"):
            if status.get("chain_failure"):  # it never ran: pass the first cause down the chain
                return status["chain_failure"]
            verb = "failed" if state == "failed" else "was stopped"
            return f"{label(after, status)} {verb}"
        if not waiting_written:
            write_status(run_dir, state="queued", waiting_for=str(after), waiting_for_label=label(after, status))
            waiting_written = True
        if should_stop():
            return "stopped"
        time.sleep(poll_s)


def fail_blocked(run_dir: Path, reason: str) -> None:
    """End a run that could not start because its prerequisite did not finish."""
    write_status(run_dir, state="failed", error=reason, chain_failure=reason, waiting_for=None, ended=time.time())


def mark_group(cfg: RunConfig, run_dir: Path) -> None:
    """Put the run's group and role into status.json (what lists and Compare read)."""
    if cfg.group or cfg.role:
        write_status(run_dir, group=cfg.group, role=cfg.role)

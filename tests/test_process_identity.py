"""A run's process is recognised by its start since boot, not by wall-clock time.

In a CI run of the guided story, a waiting student process read its teacher's status, compared the
recorded start (seconds since the epoch) with the one it computed itself, found them 3 s apart (the
boot time psutil adds moves when the clock is stepped) and failed the chain while the teacher was
starting. Since then statuses carry `pid_started` (seconds since boot, read from /proc) and that is
what decides.
"""

from __future__ import annotations

import os
import subprocess
import sys

from workbench.runs import process_alive, process_identity


def test_a_live_process_is_alive_whatever_its_wall_clock_start_says():
    me = process_identity(os.getpid())
    assert me["pid"] == os.getpid() and me["pid_started"] is not None and me["pid_created"] is not None
    assert process_alive(me)
    stepped = {**me, "pid_created": me["pid_created"] + 3.0}  # the wall clock moved by 3 s between two reads
    assert process_alive(stepped)


def test_a_recycled_pid_is_not_the_run_s_process():
    me = process_identity(os.getpid())
    assert not process_alive({**me, "pid_started": me["pid_started"] - 5.0})  # same pid, another start


def test_an_ended_process_is_dead():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    identity = process_identity(child.pid)
    child.wait()
    assert not process_alive(identity)


def test_a_status_from_before_pid_started_is_still_read():
    me = process_identity(os.getpid())
    old = {"pid": me["pid"], "pid_created": me["pid_created"]}
    assert process_alive(old)
    assert not process_alive({**old, "pid_created": me["pid_created"] - 100.0})

"""Background runs: launched as processes, stopped, queued one at a time, dead ones detected."""

import os
import signal
import time

import pytest

from workbench.runs import jobs, process_identity, processes, read_metrics, read_status, runs_root, write_status


def wait_for(predicate, timeout=120.0, every=0.2):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(every)
    return False


@pytest.mark.slowish
def test_launch_runs_in_another_process_and_finishes(tiny_config):
    tiny_config.training.epochs = 1
    run_dir = jobs.launch(tiny_config, "distill", runs_root())
    with open(run_dir / "config.yaml", "a", encoding="utf-8") as f:
        f.write("# prepared by launch\n")  # the child still importing torch: it must not write the config again
    status = read_status(run_dir)
    assert status["pid"] != os.getpid()
    assert wait_for(lambda: jobs.refresh(run_dir)["state"] in ("finished", "failed"))
    assert read_status(run_dir)["state"] == "finished", (run_dir / "log.txt").read_text()[-2000:]
    assert "run folder" in (run_dir / "log.txt").read_text()
    assert (run_dir / "config.yaml").read_text().endswith("# prepared by launch\n")


def test_the_cli_uses_a_launched_folder_as_it_is_and_prepares_any_other(tiny_config, tmp_path):
    from workbench.config import dump_config, load_config
    from workbench.runs import cli_run_dir, prepare_run_dir

    launched = prepare_run_dir(tiny_config, "distill", tmp_path / "launched")
    marked = (launched / "config.yaml").read_text() + "# prepared by launch\n"
    (launched / "config.yaml").write_text(marked)
    assert cli_run_dir(tiny_config, "distill", launched / "config.yaml", launched) == launched
    assert (launched / "config.yaml").read_text() == marked
    own = tmp_path / "mine.yaml"
    dump_config(tiny_config, own)
    made = cli_run_dir(tiny_config, "distill", own, tmp_path / "new")
    assert made == tmp_path / "new" and load_config(made / "config.yaml") == load_config(own)


@pytest.mark.slowish
def test_second_run_waits_in_the_queue_and_stop_works(tiny_config):
    tiny_config.training.epochs = 200  # long enough to be stopped
    first = jobs.launch(tiny_config, "distill", runs_root())
    assert wait_for(lambda: any(e["type"] == "step" for e in read_metrics(first)))
    second = jobs.launch(tiny_config, "distill", runs_root())
    assert wait_for(lambda: read_status(second).get("queued_since") is not None)
    assert read_status(second)["state"] == "queued" and read_status(first)["state"] == "running"
    assert set(jobs.active_runs(runs_root())) == {first, second}

    t0 = time.time()
    jobs.stop(first)
    assert wait_for(lambda: jobs.refresh(first)["state"] == "stopped", timeout=30)
    assert time.time() - t0 < 30
    # the queued run gets the slot once the first ends
    assert wait_for(lambda: read_status(second)["state"] == "running", timeout=60)
    jobs.stop(second)
    assert wait_for(lambda: jobs.refresh(second)["state"] == "stopped", timeout=30)


@pytest.mark.slowish
def test_killed_process_is_marked_failed(tiny_config):
    tiny_config.training.epochs = 200
    run_dir = jobs.launch(tiny_config, "distill", runs_root())
    assert wait_for(lambda: any(e["type"] == "step" for e in read_metrics(run_dir)))
    os.kill(read_status(run_dir)["pid"], signal.SIGKILL)
    assert wait_for(lambda: jobs.refresh(run_dir)["state"] == "failed", timeout=30)
    status = read_status(run_dir)
    assert "ended unexpectedly after step" in status["error"]


def test_a_run_stopped_while_its_process_was_starting_reads_stopped(tmp_path):
    """A SIGTERM that lands while the child still imports torch kills it before its handler exists:
    the person asked for a stop, so the run reads stopped, not failed "ended unexpectedly"."""
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_status(run_dir, state="queued", kind="teacher", **process_identity(gone.pid))
    (run_dir / "STOP").touch()
    status = jobs.refresh(run_dir)
    assert (status["state"], status["error"]) == ("stopped", None)


@pytest.mark.slowish
def test_stop_works_from_a_restarted_server(tiny_config):
    """A new server process has no Popen handle for the run: Stop must work from status.json alone."""
    tiny_config.training.epochs = 200
    run_dir = jobs.launch(tiny_config, "distill", runs_root())
    assert wait_for(lambda: any(e["type"] == "step" for e in read_metrics(run_dir)))
    processes.children.clear()  # what a restarted Streamlit server knows: only the run folder
    assert jobs.refresh(run_dir)["state"] == "running"
    jobs.stop(run_dir)
    assert wait_for(lambda: jobs.refresh(run_dir)["state"] == "stopped", timeout=60)


@pytest.mark.slowish
def test_resume_started_from_a_shell_is_seen_alive(tiny_config):
    """`python -m workbench resume` typed in a terminal (not jobs.resume) must record its own start time."""
    import subprocess
    import sys

    from workbench.runs import prepare_run_dir, write_status

    tiny_config.training.epochs = 200
    run_dir = prepare_run_dir(tiny_config, "distill", runs_root() / "shell")
    # what the earlier attempt left: its (dead) pid and that process's start time
    write_status(run_dir, state="stopped", kind="distill", name="tiny", pid=1, pid_created=123.0)
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "resume", str(run_dir)], stdin=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: any(e["type"] == "step" for e in read_metrics(run_dir)), timeout=120)
        assert jobs.refresh(run_dir)["state"] == "running", read_status(run_dir)
        assert read_status(run_dir)["pid"] == proc.pid
    finally:
        jobs.stop(run_dir)
        proc.wait(timeout=60)
    assert read_status(run_dir)["state"] == "stopped"

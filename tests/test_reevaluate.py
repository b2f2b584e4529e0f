"""`jobs.reevaluate`: `python -m workbench evaluate RUN_DIR` in the background, like `jobs.resume`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.fakeruns import make_finished_distill, make_run
from tests.test_jobs import wait_for
from workbench.core import WorkbenchError
from workbench.runs import jobs, read_status


@pytest.fixture
def spawned(monkeypatch):
    """Record what Popen gets; run a harmless `sleep` in its place so there is a live process to see."""
    calls = []
    real = subprocess.Popen

    def fake(args, **kwargs):
        calls.append((args, kwargs))
        return real([sys.executable, "-c", "import time; time.sleep(30)"], **kwargs)

    monkeypatch.setattr(subprocess, "Popen", fake)
    return calls


@pytest.mark.slowish
def test_reevaluate_launches_the_cli_without_a_shell_and_logs(tmp_path, spawned):
    run = make_finished_distill(tmp_path)
    assert jobs.reevaluate(run) == run.resolve()
    (args, kwargs) = spawned[0]
    assert args == [sys.executable, "-m", "workbench", "evaluate", str(run.resolve())]
    assert not kwargs.get("shell") and kwargs["stdout"].name == str(run.resolve() / "log.txt")
    status = read_status(run)
    assert status["state"] == "finished" and status["reevaluate_started"] > 0
    try:
        assert jobs.reevaluating(run)
        with pytest.raises(WorkbenchError, match="being evaluated or exported already"):
            jobs.reevaluate(run)
    finally:
        os.kill(status["pid"], signal.SIGTERM)  # our own stand-in process, by its pid
    assert wait_for(lambda: not jobs.reevaluating(run), timeout=10)


@pytest.mark.slowish
def test_reevaluate_refuses_live_runs_and_runs_without_a_model(tmp_path, spawned):
    live = make_run(tmp_path, "20261127-100000-distill-live", state="running", pid=os.getpid())
    (live / "model").mkdir()
    with pytest.raises(WorkbenchError, match="still running"):
        jobs.reevaluate(live)
    bare = make_run(tmp_path, "20261127-100000-distill-bare")
    with pytest.raises(WorkbenchError, match="no saved model"):
        jobs.reevaluate(bare)
    assert spawned == []


@pytest.mark.slowish
def test_export_runs_the_cli_in_the_background_and_excludes_a_second_job(tmp_path, spawned):
    run = make_finished_distill(tmp_path)
    assert jobs.export_onnx(run) == run.resolve()
    (args, kwargs) = spawned[0]
    assert args == [sys.executable, "-m", "workbench", "export", str(run.resolve())] and not kwargs.get("shell")
    status = read_status(run)
    try:
        assert jobs.exporting(run) and not jobs.reevaluating(run)
        with pytest.raises(WorkbenchError, match="being evaluated or exported already"):
            jobs.reevaluate(run)  # one after-training job at a time
    finally:
        os.kill(status["pid"], signal.SIGTERM)
    assert wait_for(lambda: not jobs.exporting(run), timeout=10)
    live = make_run(tmp_path, "20261127-100000-distill-live", state="running", pid=os.getpid())
    (live / "model").mkdir()
    with pytest.raises(WorkbenchError, match="export it when it has ended"):
        jobs.export_onnx(live)


def test_the_report_writer_merges_unless_the_model_is_new(tmp_path):
    """Measuring again writes whole model blocks; what only export and the config wrote must survive it.
    A newly trained model starts the report anew: the old `onnx` was about a model that is gone."""
    from workbench.evaluation.report_file import write_report
    from workbench.runs import read_report

    run = make_finished_distill(tmp_path)
    first = read_report(run)
    onnx = {"latency_ms": {"batch_1": 1.5}, "size_bytes": 123}
    write_report(run, {"student": {"onnx": onnx}, "group": "g", "role": "distilled"})
    remeasured = {**first["student"], "latency_ms": {"batch_1": 9.0}}  # a fresh block: no `onnx` in it
    report = write_report(run, {"student": remeasured, "machine": "16 CPU cores"})
    assert report == read_report(run)
    assert report["student"]["onnx"] == onnx and report["student"]["latency_ms"] == {"batch_1": 9.0}
    assert (report["group"], report["role"], report["machine"]) == ("g", "distilled", "16 CPU cores")
    assert report["teacher"] == first["teacher"] and report["comparison"] == first["comparison"]
    retrained = write_report(run, {"kind": "distill", "student": remeasured}, fresh=True)
    assert retrained == {"kind": "distill", "student": remeasured} == read_report(run)

"""Kill a training process with SIGKILL mid-epoch, resume it, and get the run it would have been."""

import os
import signal

import pytest

from tests.test_jobs import wait_for
from workbench.core import WorkbenchError
from workbench.runs import execute, jobs, prepare_run_dir, read_metrics, read_report, read_status, resumable, runs_root


@pytest.fixture
def long_config(tiny_config):
    tiny_config.training.epochs = 30  # 6 steps an epoch: 180 steps
    tiny_config.training.log_every_steps = 1
    tiny_config.training.checkpoint_every_steps = 4
    return tiny_config


def steps_of(run_dir):
    return [e["step"] for e in read_metrics(run_dir) if e["type"] == "step"]


@pytest.mark.slowish
def test_sigkill_then_resume_matches_an_uninterrupted_run(long_config):
    reference = prepare_run_dir(long_config, "distill", runs_root() / "reference")
    assert execute("distill", long_config, reference) == 0
    ref_steps = steps_of(reference)
    total = ref_steps[-1]
    assert ref_steps == list(range(1, total + 1))

    run_dir = jobs.launch(long_config, "distill", runs_root())
    assert wait_for(lambda: len(steps_of(run_dir)) >= 10, every=0.02)
    os.kill(read_status(run_dir)["pid"], signal.SIGKILL)
    assert wait_for(lambda: jobs.refresh(run_dir)["state"] == "failed", timeout=30)
    killed_at = steps_of(run_dir)[-1]
    assert killed_at < total  # it really died mid-run
    assert (run_dir / "checkpoint" / "state.pt").is_file()

    jobs.resume(run_dir)
    assert wait_for(lambda: jobs.refresh(run_dir)["state"] in ("finished", "failed"), timeout=180)
    assert read_status(run_dir)["state"] == "finished", (run_dir / "log.txt").read_text()[-2000:]

    assert steps_of(run_dir) == list(range(1, total + 1))  # every step exactly once
    evals = [e["step"] for e in read_metrics(run_dir) if e["type"] == "eval"]
    assert evals == sorted(set(evals))
    n_val = read_report(reference)["data"]["sizes"]["validation"]
    acc = read_report(run_dir)["student"]["validation"]["accuracy"]
    ref_acc = read_report(reference)["student"]["validation"]["accuracy"]
    assert abs(acc - ref_acc) <= 2 / n_val + 1e-9
    assert not (run_dir / "checkpoint").exists()  # cleaned up once the run finished


@pytest.mark.slowish
def test_resume_refuses_a_finished_run(tiny_config):
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    with pytest.raises(WorkbenchError, match="already finished"):
        resumable(run_dir)


@pytest.mark.slowish
def test_resume_without_checkpoint_starts_over(tiny_config):
    tiny_config.training.epochs = 1
    tiny_config.training.checkpoint_every_steps = 0
    tiny_config.training.log_every_steps = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    (run_dir / "metrics.jsonl").write_text('{"type": "step", "step": 1, "loss": 9}\n')
    (run_dir / "status.json").write_text('{"state": "failed", "kind": "distill"}')
    assert execute("distill", tiny_config, run_dir, resume=True) == 0
    assert steps_of(run_dir) == list(range(1, steps_of(run_dir)[-1] + 1))
    assert read_metrics(run_dir)[0].get("loss") != 9


@pytest.mark.slowish
def test_a_stopped_run_can_be_resumed_and_finishes(tiny_config, monkeypatch):
    """Stop at step 2, long before the first periodic checkpoint (step 200): the stop itself leaves one."""
    import workbench.runs.runner

    tiny_config.training.epochs = 1  # 6 steps
    tiny_config.training.log_every_steps = 1
    tiny_config.training.checkpoint_every_steps = 200
    run_dir = prepare_run_dir(tiny_config, "distill", None)

    class StopAtStep2(workbench.runs.runner.StopFlag):
        def __call__(self) -> bool:
            return any(e.get("type") == "step" and e["step"] >= 2 for e in read_metrics(run_dir))

    monkeypatch.setattr(workbench.runs.runner, "StopFlag", StopAtStep2)
    assert execute("distill", tiny_config, run_dir) == 0
    assert read_status(run_dir)["state"] == "stopped"
    assert steps_of(run_dir) == [1, 2]
    assert (run_dir / "checkpoint" / "state.pt").is_file()

    monkeypatch.undo()
    resumable(run_dir)  # no error: a stopped run may be resumed
    assert execute("distill", tiny_config, run_dir, resume=True) == 0
    assert read_status(run_dir)["state"] == "finished", (run_dir / "log.txt").read_text()[-2000:]
    assert steps_of(run_dir) == list(range(1, 7))  # continued from step 3, every step once

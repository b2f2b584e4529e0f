"""Several-process runs end together: a stop reaches every rank, and ranks agree on the cache.

Each test launches `accelerate launch --multi_gpu --num_processes 2` (gloo on the CPU) in its own
process group, gives it a hard deadline, and kills the whole group in teardown, so a regression
shows up as a failed assertion, never as a hung test session.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from workbench.config import dump_config
from workbench.runs import read_metrics, read_report, read_status

ROOT = Path(__file__).resolve().parent.parent
STOP_WITHIN_S = 20  # from the stop request to the last process gone


def _free_port() -> int:
    """A port nobody listens on now: tests of other engineers launch their own rendezvous."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2"]
    cmd += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    cmd += ["--main_process_port", str(_free_port()), *args]
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_group_gone(proc: subprocess.Popen, deadline: float) -> bool:
    """True when the launcher and every process it started (its session's group) are gone by `deadline`."""
    while time.time() < deadline:
        if proc.poll() is not None and not _group_alive(proc.pid):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def launched():
    """Launcher processes started by a test; their whole process groups are killed afterwards."""
    procs: list[subprocess.Popen] = []
    yield procs
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=30)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WORKBENCH_RUNS_DIR": str(tmp_path / "runs"),
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture
def long_distill(tiny_config, tmp_path):
    """A distillation far too long to finish (25 steps an epoch, 1000 epochs), straight from the
    tiny (untrained) teacher: no teacher run needed."""
    from tests.conftest import sentiment_frame

    sentiment_frame(400).to_csv(tmp_path / "r.csv", index=False)
    cfg = tiny_config
    cfg.data.path = str(tmp_path / "r.csv")
    tc = cfg.training
    tc.epochs, tc.batch_size, tc.log_every_steps, tc.eval_every_steps = 1000, 4, 1, 4
    dump_config(cfg, tmp_path / "run.yaml")
    return tmp_path / "run.yaml"


def _wait_for_steps(run_dir: Path, proc: subprocess.Popen, log: Path, n: int, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        if (run_dir / "metrics.jsonl").exists() and sum(e["type"] == "step" for e in read_metrics(run_dir)) >= n:
            return
        time.sleep(0.2)
    pytest.fail(f"no {n} training steps in {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.mark.slowish
@pytest.mark.parametrize("how", ["stop_file", "sigterm"])
def test_stop_ends_every_process(how, long_distill, tmp_path, launched):
    run_dir, log = tmp_path / "runs" / "two", tmp_path / "launch.log"
    proc = _launch(["-m", "workbench", "distill", str(long_distill), "--run-dir", str(run_dir)], _env(tmp_path), log)
    launched.append(proc)
    _wait_for_steps(run_dir, proc, log, 5)

    status = read_status(run_dir)
    ranks = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert status["pid"] in ranks and status["pid"] != proc.pid  # rank 0 records itself, not the launcher
    asked = time.time()
    if how == "stop_file":
        (run_dir / "STOP").touch()
    else:
        os.kill(status["pid"], signal.SIGTERM)  # the recorded pid only, as the UI's Stop does
    assert _wait_group_gone(proc, asked + STOP_WITHIN_S), (
        f"processes still alive {STOP_WITHIN_S} s after the stop:\n{log.read_text()[-3000:]}"
    )
    took = time.time() - asked

    assert proc.returncode == 0, log.read_text()[-3000:]
    status = read_status(run_dir)
    assert status["state"] == "stopped", status
    steps = [e["step"] for e in read_metrics(run_dir) if e["type"] == "step"]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) < 25, "one epoch is 25 steps: stopped mid-epoch"
    assert read_report(run_dir)["training"]["steps"] == len(steps)
    # resumable: several processes write the checkpoint in place, each rank its own RNG state
    assert {f.name for f in (run_dir / "checkpoint").iterdir()} >= {
        "model.safetensors",
        "state.pt",
        "rng-0.pt",
        "rng-1.pt",
    }
    assert json.loads((run_dir / "checkpoint" / "position.json").read_text())["step"] == len(steps)
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(run_dir / "model")
    assert model.config.id2label == {0: "negative", 1: "positive"}
    print(f"{how}: every process gone {took:.1f} s after the stop")


@pytest.mark.slowish
def test_ranks_that_disagree_on_the_cache_do_not_deadlock(tiny_config, tmp_path, launched, monkeypatch):
    """Rank 0's cache holds the validation logits, rank 1's the train and test logits (as on two
    machines with their own caches): rank 0 decides each split, so both take the same path."""
    from workbench.data import load_data
    from workbench.distill import teacher_logits
    from workbench.models import load_teacher, tokenise
    from workbench.training import make_accelerator

    cfg, tc = tiny_config, tiny_config.training
    accelerator, precision = make_accelerator(tc)
    data = load_data(cfg.data)
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length)
    cache_root = tmp_path / "cache"
    for rank, splits in ((0, ["validation"]), (1, ["train", "test"])):
        monkeypatch.setenv("WORKBENCH_CACHE_DIR", f"{cache_root}-rank{rank}")
        for split in splits:
            teacher_logits(accelerator, teacher, data, split, tc, precision)
    dump_config(cfg, tmp_path / "run.yaml")
    script = tmp_path / "per_rank_cache.py"
    script.write_text(
        "import os, sys\n"
        f"os.environ['WORKBENCH_CACHE_DIR'] = '{cache_root}-rank' + os.environ['RANK']\n"
        "from workbench.cli import main\n"
        "sys.exit(main())\n"
    )
    run_dir, log = tmp_path / "runs" / "two", tmp_path / "launch.log"
    proc = _launch([str(script), "distill", str(tmp_path / "run.yaml"), "--run-dir", str(run_dir)], _env(tmp_path), log)
    launched.append(proc)
    assert _wait_group_gone(proc, time.time() + 120), f"deadlocked:\n{log.read_text()[-3000:]}"
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert read_status(run_dir)["state"] == "finished"
    cached = {i["split"]: i["cached"] for i in read_report(run_dir)["teacher_logits"]}
    assert cached == {"validation": True, "train": False, "test": False}  # rank 0's cache decided


@pytest.mark.slowish
def test_several_processes_need_a_run_dir(tiny_config, tmp_path, monkeypatch, capsys):
    """Without --run-dir each rank would pick its own folder: refused in one line, on every rank."""
    from workbench.cli import main

    dump_config(tiny_config, tmp_path / "run.yaml")
    for rank in ("0", "1"):
        monkeypatch.setenv("WORLD_SIZE", "2")
        monkeypatch.setenv("RANK", rank)
        assert main(["distill", str(tmp_path / "run.yaml")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: 2 processes need --run-dir") and err.count("\n") == 1
    runs = Path(os.environ["WORKBENCH_RUNS_DIR"])
    assert not runs.exists() or not any(runs.iterdir())  # no run folder was made

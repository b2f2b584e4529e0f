"""Sweeps on Optuna: a grid runs every point once, workers share a study, a dead worker's trial is retried."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.runs import list_runs, read_report, read_status
from workbench.sweeps import study as sweep


def _grid_config(tiny_config):
    cfg = tiny_config
    cfg.name = "grid"
    cfg.sweep.temperatures = [2.0]
    cfg.sweep.alphas = [0.5]
    cfg.sweep.seeds = 2
    for tc in (cfg.training,):
        tc.epochs = 1
        tc.checkpoint_every_steps = 0
    return cfg


def _points(study):
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    return sorted((t.params["temperature"], t.params["alpha"], t.params["seed"]) for t in done)


def test_grid_points_always_hold_the_alpha_zero_reference_once_per_seed(tiny_config):
    cfg = tiny_config
    cfg.sweep.temperatures, cfg.sweep.alphas, cfg.sweep.seeds = [1.0, 4.0], [0.5, 1.0], 2
    pts = sweep.grid_points(cfg)
    assert len(pts) == 2 * (1 + 2 * 2)
    zeros = [p for p in pts if p["alpha"] == 0]
    assert sorted(p["seed"] for p in zeros) == [cfg.seed, cfg.seed + 1]


@pytest.mark.slowish  # trains for seconds
def test_tiny_grid_runs_every_trial_once_and_continues_after_a_restart(tiny_config, isolated_dirs):
    cfg = _grid_config(tiny_config)
    root = isolated_dirs / "runs"
    url = sweep.storage_url("", root)
    result = sweep.start_sweep_here(cfg, "grid", url, root)
    assert result == {"trials": 4, "state": "finished"}
    study, _ = sweep.load_sweep("grid", url)
    assert _points(study) == [(2.0, 0.0, 42), (2.0, 0.0, 43), (2.0, 0.5, 42), (2.0, 0.5, 43)]
    runs = [r for r in list_runs(root) if r.status.get("sweep") == "grid"]
    assert len(runs) == 4 and all(r.state == "finished" for r in runs)
    # one student architecture: timed once, side by side with the teacher, and carried by later trials
    first = sorted(runs, key=lambda r: r.run_dir.name)[0].run_dir.name
    timings = [read_report(r.run_dir) for r in runs]
    assert {rep["latency_conditions"]["measured_in"] for rep in timings} == {first}
    assert len({json.dumps(rep["student"]["latency_ms"]) for rep in timings}) == 1
    info = sweep.summary(study)
    kd = next(p for p in info["points"] if p["alpha"] == 0.5)
    assert kd["vs_reference"].n == 2 and kd["spread"].n == 2
    # started again: nothing left to run, nothing run twice
    assert sweep.start_sweep_here(cfg, "grid", url, root)["trials"] == 0
    with pytest.raises(Exception, match="other settings"):
        cfg.sweep.seeds = 3
        sweep.create_sweep(cfg, "grid", url)


def test_trials_of_one_worker_carry_the_same_data_notes(tiny_config, isolated_dirs, monkeypatch):
    """The worker shares one loaded dataset between trials (`reuse.data`): a trial's notes must not pile up
    in it, or each later trial's report would repeat the earlier trials' notes."""
    from workbench.training import pipeline

    overlap = {"checked": True, "validation": 1, "test": 0, "sizes": {"validation": 4, "test": 4}}
    monkeypatch.setattr(pipeline, "teacher_training_overlap", lambda *_: {**overlap, "teacher_train_size": 8})
    cfg = _grid_config(tiny_config)
    cfg.sweep.seeds = 1  # two trials: the alpha = 0 reference and alpha 0.5
    root = isolated_dirs / "runs"
    assert sweep.start_sweep_here(cfg, "notes", sweep.storage_url("", root), root)["trials"] == 2
    notes = [read_report(r.run_dir)["data"]["notes"] for r in list_runs(root) if r.status.get("sweep") == "notes"]
    assert len(notes) == 2 and notes[0] == notes[1]
    assert sum("teacher was fine-tuned on 1 of the 4 validation texts" in n for n in notes[0]) == 1


@pytest.mark.slowish  # trains for seconds
def test_a_trial_claimed_by_a_worker_that_dies_at_once_still_goes_stale(tiny_config, isolated_dirs, monkeypatch):
    """Optuna only fails RUNNING trials that have a heartbeat: the claim itself must beat."""
    monkeypatch.setattr(sweep, "HEARTBEAT_S", 1)
    monkeypatch.setattr(sweep, "GRACE_S", 1)
    url = sweep.storage_url("", isolated_dirs / "runs")
    study = sweep.create_sweep(_grid_config(tiny_config), "dies", url)
    claimed = sweep._claim_waiting(study)  # ... and the worker is gone before its trial starts
    assert claimed is not None
    time.sleep(2.5)
    import optuna

    optuna.storages.fail_stale_trials(study)
    states = {t.number: t.state.name for t in study.get_trials(deepcopy=False)}
    assert states[claimed.number] == "FAIL"
    assert list(states.values()).count("WAITING") == 4  # 3 never claimed + the retry


def _claim_at_once(url: str, barrier, results) -> None:
    study, _ = sweep.load_sweep("race", url)
    barrier.wait()
    trial = sweep._claim_waiting(study)
    results.put(None if trial is None else trial.number)


def _at_once(target, url: str, n: int = 4) -> list:
    """What `target(url, barrier, results)` puts, from n forked processes released together."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, barrier, results)) for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    return [results.get(timeout=5) for _ in procs]


@pytest.mark.slowish
def test_workers_claiming_at_once_never_get_the_same_trial(tiny_config, isolated_dirs):
    """SQLite ignores Optuna's SELECT ... FOR UPDATE: without the claim lock two workers could both take
    trial 0 (seen in CI), and the slower one crashed reporting a trial the other had finished."""
    for round_ in range(4):
        url = sweep.storage_url("", isolated_dirs / f"race{round_}")
        sweep.create_sweep(_grid_config(tiny_config), "race", url)  # 4 waiting trials
        claimed = sorted(_at_once(_claim_at_once, url))
        assert claimed == [0, 1, 2, 3], claimed


def _open_at_once(url: str, barrier, results) -> None:
    barrier.wait()
    try:
        sweep.open_storage(url)
        results.put("ok")
    except Exception as exc:  # what the page or a worker would have shown
        results.put(str(exc))


@pytest.mark.slowish
def test_processes_creating_the_storage_at_once_all_open_it(tmp_path):
    """The Experiments page and a starting worker open a new sweeps.db together: Optuna's schema set-up
    races (UNIQUE alembic_version, 'table studies already exists'); every opener must get the storage."""
    for round_ in range(8):
        url = sweep.storage_url("", tmp_path / f"r{round_}")
        assert _at_once(_open_at_once, url) == ["ok"] * 4


# --------------------------------------------------------------------------- several workers

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _worker(study: str, url: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    root = Path(__file__).resolve().parent.parent
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "workbench", "sweep-worker", study, "--storage", url],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **extra}


def _wait_all(procs: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.time() + timeout
    try:
        for p in procs:
            p.wait(timeout=max(1.0, deadline - time.time()))
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)


def _two_workers_finish_the_grid(cfg, url: str, tmp: Path) -> None:
    sweep.create_sweep(cfg, "shared", url)
    procs = [_worker("shared", url, _env(), tmp / f"w{i}.log") for i in range(2)]
    _wait_all(procs, 300)
    assert [p.returncode for p in procs] == [0, 0], [(tmp / f"w{i}.log").read_text()[-2000:] for i in range(2)]
    study, _ = sweep.load_sweep("shared", url)
    states = [t.state.name for t in study.get_trials(deepcopy=False)]
    assert states == ["COMPLETE"] * 4  # no trial claimed twice, none left behind
    assert _points(study) == [(2.0, 0.0, 42), (2.0, 0.0, 43), (2.0, 0.5, 42), (2.0, 0.5, 43)]
    run_dirs = [t.user_attrs["run_dir"] for t in study.get_trials(deepcopy=False)]
    assert len(set(run_dirs)) == 4
    logs = "".join((tmp / f"w{i}.log").read_text() for i in range(2))
    assert "worker: finished" in logs


@pytest.mark.slowish
def test_two_workers_share_one_sqlite_study(tiny_config, isolated_dirs, tmp_path):
    cfg = _grid_config(tiny_config)
    _two_workers_finish_the_grid(cfg, sweep.storage_url("", isolated_dirs / "runs"), tmp_path)


@pytest.mark.slowish
def test_a_killed_workers_trial_is_retried_by_a_restarted_worker(tiny_config, isolated_dirs, tmp_path):
    cfg = _grid_config(tiny_config)
    cfg.training.epochs = 4  # long enough to be killed mid-trial
    root = isolated_dirs / "runs"
    url = sweep.storage_url("", root)
    sweep.create_sweep(cfg, "kill", url)
    env = _env(WORKBENCH_SWEEP_HEARTBEAT_S="1", WORKBENCH_SWEEP_GRACE_S="3")
    first = _worker("kill", url, env, tmp_path / "first.log")
    deadline = time.time() + 120
    try:
        while time.time() < deadline:  # wait for a trial to be training
            live = [r for r in list_runs(root) if r.status.get("phase") == "training"]
            if live:
                break
            time.sleep(0.2)
        assert live, (tmp_path / "first.log").read_text()[-2000:]
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    killed_run = live[0].run_dir
    second = _worker("kill", url, env, tmp_path / "second.log")
    _wait_all([second], 300)
    assert second.returncode == 0, (tmp_path / "second.log").read_text()[-2000:]
    study, _ = sweep.load_sweep("kill", url)
    trials = study.get_trials(deepcopy=False)
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert len(failed) == 1 and failed[0].user_attrs["run_dir"] == killed_run.name
    retried = [t for t in trials if t.system_attrs.get("failed_trial") == failed[0].number]
    assert len(retried) == 1 and retried[0].state.name == "COMPLETE"
    assert retried[0].params == failed[0].params
    assert _points(study) == [(2.0, 0.0, 42), (2.0, 0.0, 43), (2.0, 0.5, 42), (2.0, 0.5, 43)]
    assert read_status(killed_run)["state"] in ("running", "failed")  # its process died mid-run


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL cluster on a Unix socket in a temp dir (Debian's postgresql package)."""
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL binaries missing in CI: .ci/run installs Debian's postgresql")
        pytest.skip("Debian's postgresql is not installed")
    pytest.importorskip("psycopg")
    import shutil
    import tempfile

    # not under pytest's root-only temp folder: the postgres user must reach its data directory
    base = Path(tempfile.mkdtemp(prefix="wb-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres", "postgres")
        base.chmod(0o700)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = 55432 + os.getpid() % 1000
    subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(base / "db"), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(
        [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(base / "db"), "-o",
         f"-p {port} -k {base} -c listen_addresses=''", "-l", str(base / "log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql://postgres@/postgres?host={base}&port={port}"
    finally:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(base / "db"), "-m", "fast", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slowish
def test_two_workers_share_one_postgresql_study(tiny_config, postgres_url, tmp_path):
    cfg = _grid_config(tiny_config)
    url = sweep.storage_url(postgres_url)
    assert url.startswith("postgresql+psycopg://")
    _two_workers_finish_the_grid(cfg, url, tmp_path)

"""Sweeps on Optuna: many distillation runs over T, alpha (and more), from one machine to many.

Optuna is the study/trial engine (storage, claiming, samplers, pruners); this module only says what
a trial is. A **grid** enqueues every point (T x alpha x seed; alpha = 0, the same student on labels
alone, once per seed, since T does nothing there) as waiting trials, and workers claim them one at a
time: the storage's WAITING -> RUNNING update succeeds for exactly one worker, so each trial is run
once however many workers share the study. A **search** lets Optuna sample (TPE, or NSGA-II for the
accuracy/latency Pareto front) with a budget of trials, pruning hopeless ones on their validation
curve. Grids are never pruned: their seeds exist to measure spread.

Storage is SQLite under the runs folder by default (nothing to start); for many machines, a
PostgreSQL URL and `python -m workbench sweep-worker STUDY --storage URL` on each. Workers send
heartbeats; a worker that dies (SIGKILL, lost machine) has its trial failed once the heartbeat is
stale and re-queued with the same parameters (`RetryHeartbeatStaleTrialCallback`), and the next
worker to look runs it. A stopped sweep leaves its unfinished points waiting: start it again and it
continues. Every trial is an ordinary run folder (so Compare and the CLI work on it), run inside the
worker process, reusing the loaded data, teacher, tokenisation and cached teacher logits
(`reuse.py`): no per-trial start-up, model load or re-tokenisation.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, dump_config, from_dict
from workbench.core import WorkbenchError, read_json, write_json_atomic
from workbench.runs import MetricsTail, new_run_dir, read_report, read_status, runs_root, write_status
from workbench.sweeps.jobs import sweep_folder
from workbench.sweeps.stats import summarise

CONFIG_ATTR = "workbench_config"  # the sweep's base config (YAML) in the study's user attrs
HEARTBEAT_S = int(os.environ.get("WORKBENCH_SWEEP_HEARTBEAT_S", "10"))
GRACE_S = int(os.environ.get("WORKBENCH_SWEEP_GRACE_S", "30"))
MAX_RETRY = 3


def _optuna() -> Any:
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # heartbeats and their retry callback are marked experimental; they are what many machines need
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


# --------------------------------------------------------------------------- storage and study


def storage_url(url: str | None, root: Path | None = None) -> str:
    """The configured URL, `postgresql://` made explicit for psycopg 3, or the default SQLite file."""
    if not url:
        root = root or runs_root()
        root.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(root / 'sweeps.db').resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def open_storage(url: str) -> Any:
    """RDB storage with heartbeats, so a dead worker's trial is failed and retried."""
    optuna = _optuna()
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}  # several workers on one file
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(
                url,
                heartbeat_interval=HEARTBEAT_S,
                grace_period=GRACE_S,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY),
                **kwargs,
            )
        except Exception as exc:  # bad URL, server down, driver missing: one line
            # two processes creating a new database at once (the page polling, a worker starting): the
            # second's schema insert collides with the first's (UNIQUE alembic_version); it is there now
            if attempt < 4 and any(w in str(exc) for w in ("UNIQUE constraint", "already exists", "duplicate key")):
                time.sleep(0.2 * (attempt + 1))
                continue
            raise WorkbenchError(f"cannot open the sweep storage {_redact(url)}: {str(exc).splitlines()[0]}") from None
    raise AssertionError("unreachable")


def _redact(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


def grid_points(cfg: RunConfig) -> list[dict[str, float | int]]:
    """Every (temperature, alpha, seed) of a grid. alpha = 0 is always in (the reference every other
    point is compared with), once per seed: T has no effect without the soft loss."""
    sw = cfg.sweep
    alphas = sorted({float(a) for a in sw.alphas} | {0.0})
    temps = [float(t) for t in sw.temperatures]
    points = []
    for i in range(sw.seeds):
        seed = cfg.seed + i
        for alpha in alphas:
            for t in temps[:1] if alpha == 0 else temps:
                points.append({"temperature": t, "alpha": alpha, "seed": seed})
    return points


def create_sweep(cfg: RunConfig, study_name: str, url: str) -> Any:
    """Create the study (or join an existing one of that name) and, for a grid, queue every point."""
    optuna = _optuna()
    storage = open_storage(url)
    multi = cfg.sweep.mode == "search" and cfg.sweep.objectives == "accuracy+latency"
    directions = ["maximize", "minimize"] if multi else ["maximize"]
    study = optuna.create_study(study_name=study_name, storage=storage, directions=directions, load_if_exists=True)
    stored = study.user_attrs.get(CONFIG_ATTR)
    if stored is None:
        study.set_user_attr(CONFIG_ATTR, dump_config(cfg))
        study.set_user_attr("mode", cfg.sweep.mode)
    elif stored != dump_config(cfg):
        raise WorkbenchError(
            f"a sweep named {study_name!r} already exists with other settings; choose another name to start a new one"
        )
    if cfg.sweep.mode == "grid":
        for p in grid_points(cfg):
            study.enqueue_trial(p, skip_if_exists=True)
    return study


def load_sweep(study_name: str, url: str) -> tuple[Any, RunConfig]:
    """An existing study and its base config (what a `sweep-worker` on another machine starts from)."""
    import yaml

    optuna = _optuna()
    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(url))
    except KeyError:
        raise WorkbenchError(f"no sweep named {study_name!r} in {_redact(url)}") from None
    text = study.user_attrs.get(CONFIG_ATTR)
    if not text:
        raise WorkbenchError(f"study {study_name!r} was not created by the workbench (no config)")
    return study, from_dict(RunConfig, yaml.safe_load(text))


def trial_config(base: RunConfig, params: dict[str, Any], study_name: str, number: int) -> RunConfig:
    from workbench.runs import without_teacher

    # the alpha = 0 reference learns from the labels alone: no transfer set, no intermediate losses
    cfg = without_teacher(base) if float(params["alpha"]) == 0 else copy.deepcopy(base)
    cfg.distill.temperature = float(params["temperature"])
    cfg.distill.alpha = float(params["alpha"])
    cfg.seed = int(params.get("seed", base.seed))
    if "learning_rate" in params:
        cfg.training.learning_rate = float(params["learning_rate"])
    cfg.name = f"{study_name}-t{number}"
    return cfg


# --------------------------------------------------------------------------- one trial


class _TrialWatch(threading.Thread):
    """Beside a running trial: heartbeats, the sweep's stop, and (searches) pruning on eval events."""

    def __init__(self, run_dir: Path, stop_file: Path, trial: Any, storage: Any, prune: bool) -> None:
        super().__init__(daemon=True)
        self.run_dir, self.stop_file, self.trial, self.storage, self.prune = run_dir, stop_file, trial, storage, prune
        self.pruned = False
        self.stopped_by_sweep = False
        self.reported: set[int] = set()  # eval steps already reported to the pruner
        self._done = threading.Event()

    def run(self) -> None:
        tail = MetricsTail(self.run_dir)
        last_beat = 0.0
        while not self._done.wait(0.5):
            now = time.monotonic()
            if self.storage is not None and now - last_beat >= HEARTBEAT_S:
                self.storage.record_heartbeat(self.trial._trial_id)
                last_beat = now
            if self.stop_file.exists() and not self.stopped_by_sweep:
                self.stopped_by_sweep = True
                (self.run_dir / "STOP").touch()
            if self.prune and tail.update():
                for e in tail.events:
                    if e.get("type") == "eval" and e.get("step") not in self.reported:
                        self.reported.add(e["step"])
                        self.trial.report(float(e["accuracy"]), int(e["step"]))
                        if self.trial.should_prune() and not self.pruned:
                            self.pruned = True
                            (self.run_dir / "STOP").touch()

    def finish(self) -> None:
        self._done.set()
        self.join(timeout=5)


def _run_trial(study: Any, trial: Any, base: RunConfig, params: dict[str, Any], root: Path, stop_file: Path) -> None:
    """Run one trial as an ordinary distillation run and tell Optuna how it went."""
    from workbench.runs import execute, prepare_run_dir

    optuna = _optuna()
    cfg = trial_config(base, params, study.study_name, trial.number)
    run_dir = prepare_run_dir(cfg, "distill", new_run_dir("distill", cfg.name, root))
    write_status(run_dir, state="queued", kind="distill", name=cfg.name, sweep=study.study_name, trial=trial.number)
    trial.set_user_attr("run_dir", run_dir.name)
    storage = study._storage if getattr(study._storage, "record_heartbeat", None) else None
    watch = _TrialWatch(run_dir, stop_file, trial, storage, prune=base.sweep.mode == "search" and base.sweep.prune)
    watch.start()
    try:
        execute("distill", cfg, run_dir)
    finally:
        watch.finish()
    state = read_status(run_dir).get("state")
    report = read_report(run_dir) or {}
    if state == "stopped" and watch.pruned:
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        return
    if state != "finished":
        # a failed trial fails; a trial stopped with the sweep goes back in the queue for the next start
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        if state == "stopped":
            study.enqueue_trial(params)
        return
    student = report.get("student", {})
    val = student.get("validation", {}).get("accuracy")
    for key, value in (
        ("test_accuracy", student.get("test", {}).get("accuracy")),
        ("latency_ms_batch_1", (student.get("latency_ms") or {}).get("batch_1")),
        ("params", (student.get("params") or {}).get("total")),
        ("teacher_test_accuracy", report.get("teacher", {}).get("test", {}).get("accuracy")),
    ):
        if value is not None:
            trial.set_user_attr(key, value)
    if len(study.directions) == 2:
        lat = (student.get("latency_ms") or {}).get("batch_1")
        study.tell(trial, [val, lat if lat is not None else float("inf")])
    else:
        study.tell(trial, val)


# --------------------------------------------------------------------------- workers


def _claim_waiting(study: Any) -> Any | None:
    """Claim one queued trial for this worker (WAITING -> RUNNING succeeds for exactly one worker)."""
    optuna = _optuna()
    storage = study._storage
    with _claim_lock(getattr(getattr(storage, "_backend", storage), "url", "")):  # Optuna caches over the RDB
        waiting = storage.get_all_trials(study._study_id, deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
        for frozen in waiting:
            try:
                if storage.set_trial_state_values(frozen._trial_id, state=optuna.trial.TrialState.RUNNING):
                    _first_heartbeat(storage, frozen._trial_id)
                    return optuna.trial.Trial(study, frozen._trial_id)
            except optuna.exceptions.UpdateFinishedTrialError:
                continue
    return None


@contextlib.contextmanager
def _claim_lock(url: str) -> Iterator[None]:
    """Serialise claims on an SQLite study across this machine's workers.

    Optuna's WAITING -> RUNNING check-and-set reads the row `FOR UPDATE`, which PostgreSQL locks and
    SQLite ignores: two workers reading the trial at once could both set it running (seen in CI: both
    ran trial 0, and the slower one failed on reporting a trial the other had finished). Workers that
    share an SQLite file share a machine, so an OS file lock beside the file (dropped by the OS when a
    process dies) makes read-and-claim one step. Other databases need nothing.
    """
    if not url.startswith("sqlite:///"):
        yield
        return
    with open(url.removeprefix("sqlite:///") + ".claim.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _first_heartbeat(storage: Any, trial_id: int) -> None:
    """Beat at once on claiming: Optuna never finds a RUNNING trial stale until it has a heartbeat, so a
    worker killed before its first beat would leave its trial running forever and the grid waiting on it."""
    if getattr(storage, "record_heartbeat", None):
        storage.record_heartbeat(trial_id)


def _grid_params(trial: Any, cfg: RunConfig) -> dict[str, Any]:
    """Read the claimed point back through `suggest_*`, so Optuna records the parameters."""
    frozen = trial.study._storage.get_trial(trial._trial_id)
    fixed = {**frozen.system_attrs.get("fixed_params", {}), **frozen.params}
    temps = sorted({float(t) for t in cfg.sweep.temperatures} | {float(fixed["temperature"])})
    alphas = sorted({float(a) for a in cfg.sweep.alphas} | {0.0, float(fixed["alpha"])})
    seeds = sorted({cfg.seed + i for i in range(cfg.sweep.seeds)} | {int(fixed["seed"])})
    return {
        "temperature": trial.suggest_categorical("temperature", temps),
        "alpha": trial.suggest_categorical("alpha", alphas),
        "seed": trial.suggest_categorical("seed", seeds),
    }


def run_worker(
    study_name: str,
    url: str,
    root: Path | None = None,
    max_trials: int | None = None,
    on_trial: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run trials of `study_name` in this process until the sweep is done, stopped, or `max_trials`.

    Returns {"trials": how many this worker ran, "state": finished | stopped}.
    """
    from workbench.models import reuse

    optuna = _optuna()
    root = (root or runs_root()).resolve()
    study, cfg = load_sweep(study_name, url)
    folder = sweep_folder(study_name, root)
    folder.mkdir(parents=True, exist_ok=True)
    stop_file = folder / "STOP"
    ran = 0

    def stop_requested() -> bool:
        return stop_file.exists() or (max_trials is not None and ran >= max_trials)

    def on_signal(*_: Any) -> None:
        stop_file.touch()

    with reuse.reusing():
        while not stop_requested():
            signal.signal(signal.SIGTERM, on_signal)  # each trial's run installs its own handlers
            optuna.storages.fail_stale_trials(study)  # a dead worker's trial -> failed and re-queued
            if cfg.sweep.mode == "grid":
                trial = _claim_waiting(study)
                if trial is None:
                    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
                    if not running:
                        break
                    time.sleep(min(5.0, HEARTBEAT_S))  # others' trials may go stale and come back
                    continue
                params = _grid_params(trial, cfg)
            else:
                counted = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
                counted += (optuna.trial.TrialState.RUNNING,)
                if len(study.get_trials(deepcopy=False, states=counted)) >= cfg.sweep.n_trials:
                    break
                trial = study.ask()
                _first_heartbeat(study._storage, trial._trial_id)
                params = _search_params(trial, cfg)
            _run_trial(study, trial, cfg, params, root, stop_file)
            ran += 1
            if on_trial:
                on_trial(ran)
    state = "stopped" if stop_file.exists() else "finished"
    return {"trials": ran, "state": state}


def _search_params(trial: Any, cfg: RunConfig) -> dict[str, Any]:
    sw = cfg.sweep
    params = {
        "temperature": trial.suggest_float("temperature", min(sw.temperatures), max(sw.temperatures), log=True)
        if len(set(sw.temperatures)) > 1
        else trial.suggest_categorical("temperature", [float(sw.temperatures[0])]),
        "alpha": trial.suggest_float("alpha", min([0.0, *sw.alphas]), max([0.0, *sw.alphas])),
        "seed": cfg.seed,
    }
    if sw.learning_rates:
        params["learning_rate"] = trial.suggest_float("learning_rate", *sw.learning_rates, log=True)
    return params


def start_sweep_here(cfg: RunConfig, study_name: str, url: str, root: Path | None = None) -> dict[str, Any]:
    """`workbench sweep`: create or continue the study, then work on it in this process."""
    from workbench.runs import process_identity

    root = (root or runs_root()).resolve()
    create_sweep(cfg, study_name, url)
    folder = sweep_folder(study_name, root)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "STOP").unlink(missing_ok=True)  # a stop asked of an earlier start
    dump_config(cfg, folder / "config.yaml")  # what the Experiments page reads, however the sweep started
    write_json_atomic(
        folder / "status.json",
        {"study": study_name, "storage": _redact(url), "state": "running", **process_identity(os.getpid()),
         "started": time.time()},
    )  # fmt: skip
    try:
        result = run_worker(study_name, url, root)
    except BaseException:
        _update(folder, state="failed", ended=time.time())
        raise
    _update(folder, state=result["state"], ended=time.time())
    return result


def _update(folder: Path, **fields: Any) -> None:
    status = read_json(folder / "status.json", default={}) or {}
    status.update(fields)
    write_json_atomic(folder / "status.json", status)


# --------------------------------------------------------------------------- results


def trial_rows(study: Any) -> list[dict[str, Any]]:
    """One row per trial: number, state, parameters, validation/test accuracy, latency, run folder."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"number": t.number, "state": t.state.name.lower(), **t.params}
        row["val_accuracy"] = t.values[0] if t.values else None
        for k in ("test_accuracy", "latency_ms_batch_1", "params", "run_dir", "teacher_test_accuracy"):
            row[k] = t.user_attrs.get(k)
        rows.append(row)
    return rows


def summary(study: Any) -> dict[str, Any]:
    """Points with mean/spread over seeds and their paired difference vs alpha = 0; the chosen point
    (best mean validation accuracy) and its test accuracy (test is read for that point only)."""
    done = [r for r in trial_rows(study) if r["state"] == "complete" and r["val_accuracy"] is not None]
    if not done:
        return {"points": [], "chosen": None, "trials_complete": 0}
    points = summarise(done)
    chosen = max(points, key=lambda p: p["spread"].mean)
    tests = [
        r["test_accuracy"]
        for r in done
        if r["temperature"] == chosen["temperature"]
        and r["alpha"] == chosen["alpha"]
        and r["test_accuracy"] is not None
    ]
    return {
        "points": points,
        "chosen": {"temperature": chosen["temperature"], "alpha": chosen["alpha"], "test_accuracy_mean": (
            sum(tests) / len(tests) if tests else None), "test_seeds": len(tests)},
        "trials_complete": len(done),
    }  # fmt: skip

"""Sweep throughput: trials per hour as one CLI process per trial vs one sweep worker.

    python -m benchmarks.sweep            # 6 trials each way on 600 bundled examples (a few minutes)
    python -m benchmarks.sweep --smoke    # 2 tiny trials each way (CI)

The same grid (T x alpha x seeds, alpha = 0 included) on the same data subset runs twice:
(a) as a script would without sweeps: `python -m workbench distill CONFIG` once per point, each a new
process that imports torch, loads the data and the teacher and tokenises again; (b) as
`python -m workbench sweep CONFIG`: one worker process running trial after trial, reusing all of that.
Both write ordinary run folders and read the teacher's logits from the same warmed-up cache (an
uncounted trial fills it first), so the difference is per-trial start-up, not teacher inference.
The teacher is the bundled MiniLM with its untrained head (allow_weak_teacher): throughput does not
depend on what the teacher knows. Results: benchmarks/results/sweep{,-smoke}.{md,json}; the JSON last
line is {"trials_per_hour": (b), "vs_cli_per_trial": (b)/(a), "cli_trials_per_hour": (a)}.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.config import dump_config, preset
from workbench.core import describe_machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _config(max_train: int, max_eval: int, seeds: int, temps: list[float], alphas: list[float]):
    cfg = preset("default")
    cfg.name = "bench-sweep"
    cfg.allow_weak_teacher = True
    cfg.data.max_train_examples, cfg.data.max_eval_examples = max_train, max_eval
    cfg.training.epochs = 1
    cfg.training.checkpoint_every_steps = 0
    cfg.sweep.temperatures, cfg.sweep.alphas, cfg.sweep.seeds, cfg.sweep.mode = temps, alphas, seeds, "grid"
    return cfg


def _cli(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "workbench", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--max-train", type=int, default=600)
    p.add_argument("--max-eval", type=int, default=200)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--out-dir", default=str(RESULTS))
    args = p.parse_args(argv)
    from workbench.sweeps import grid_points

    if args.smoke:
        cfg = _config(48, 32, 1, [2.0], [0.5])
    else:
        cfg = _config(args.max_train, args.max_eval, args.seeds, [2.0, 4.0], [0.5])
    points = grid_points(cfg)
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WORKBENCH_CACHE_DIR": str(work / "cache")}
    # warm-up, not counted: fills the teacher-logit cache that both ways then read
    warm = work / "warm.yaml"
    dump_config(cfg, warm)
    _cli(["distill", str(warm), "--run-dir", str(work / "warm-run")], {**env, "WORKBENCH_RUNS_DIR": str(work / "w")})

    loads = {"before": list(os.getloadavg())}
    # (a) one CLI process per trial
    env_a = {**env, "WORKBENCH_RUNS_DIR": str(work / "a")}
    start = time.perf_counter()
    for i, pt in enumerate(points):
        c = copy.deepcopy(cfg)
        c.distill.temperature, c.distill.alpha, c.seed = pt["temperature"], pt["alpha"], pt["seed"]
        path = work / f"a-{i}.yaml"
        dump_config(c, path)
        _cli(["distill", str(path), "--run-dir", str(work / "a" / f"trial-{i}")], env_a)
    cli_s = time.perf_counter() - start
    loads["between"] = list(os.getloadavg())
    # (b) one sweep worker
    env_b = {**env, "WORKBENCH_RUNS_DIR": str(work / "b")}
    path = work / "b.yaml"
    dump_config(cfg, path)
    start = time.perf_counter()
    _cli(["sweep", str(path), "--study", "bench"], env_b)
    worker_s = time.perf_counter() - start
    loads["after"] = list(os.getloadavg())

    n = len(points)
    cli_rate, worker_rate = n / cli_s * 3600, n / worker_s * 3600
    machine = describe_machine()
    doc = {
        "trials": n,
        "data": {"train": cfg.data.max_train_examples, "eval": cfg.data.max_eval_examples},
        "epochs": cfg.training.epochs,
        "grid": points,
        "cli_per_trial_s": cli_s,
        "worker_s": worker_s,
        "cli_trials_per_hour": cli_rate,
        "worker_trials_per_hour": worker_rate,
        "ratio": worker_rate / cli_rate,
        "load_average": loads,
        "machine": machine,
        "date": time.strftime("%Y-%m-%d"),
    }
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = "sweep-smoke" if args.smoke else "sweep"
    (out / f"{stem}.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    (out / f"{stem}.md").write_text(
        "\n".join(
            [
                f"# Sweep throughput ({doc['date']})",
                "",
                f"{n} trials ({len({(q['temperature'], q['alpha']) for q in points})} points x {cfg.sweep.seeds} seed(s)), "
                f"{cfg.data.max_train_examples} training examples, {cfg.training.epochs:g} epoch each, 3-layer student "
                "of the bundled MiniLM, teacher logits from a warm cache in both ways.",
                "",
                "| way | total s | s per trial | trials per hour |",
                "|---|---:|---:|---:|",
                f"| one CLI process per trial | {cli_s:.1f} | {cli_s / n:.1f} | {cli_rate:.0f} |",
                f"| one sweep worker | {worker_s:.1f} | {worker_s / n:.1f} | {worker_rate:.0f} |",
                "",
                f"Worker vs CLI per trial: **{worker_rate / cli_rate:.2f}x**. Load average (1 min) before / between / "
                f"after: {loads['before'][0]:.2f} / {loads['between'][0]:.2f} / {loads['after'][0]:.2f}. "
                f"Machine: {machine}.",
                "",
            ]
        ),
        encoding="utf-8",
    )
    print(
        json.dumps(
            {
                "trials_per_hour": worker_rate,
                "vs_cli_per_trial": worker_rate / cli_rate,
                "cli_trials_per_hour": cli_rate,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The search behind the `first-run` preset: `python -m benchmarks.first_run_search TRIAL...`.

Each trial is one teacher (or student) run through the CLI on the bundled data, with a few
settings changed from the `default` preset; it prints one JSON line (test accuracy, training
examples/s, wall seconds) and appends it to `benchmarks/results/first_run_search.jsonl`.
Trials run one after another so their throughputs are measured close together; the machine is
shared, so compare examples/s ratios of neighbouring trials rather than absolute times.
The findings are written up by hand in `benchmarks/results/first_run_search.md`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from workbench.config import RunConfig, dump_config, preset
from workbench.core import read_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# name -> (kind, settings): teacher_training.* / training.* / data.* / seed overrides
TRIALS: dict[str, tuple[str, dict]] = {
    "t-e1-lr5e5": ("teacher", {"teacher_training.epochs": 1}),
    "t-e1-lr1e4-freeze": (
        "teacher",
        {
            "teacher_training.epochs": 1,
            "teacher_training.learning_rate": 1e-4,
            "teacher_training.freeze_word_embeddings": True,
        },
    ),
    "t-e1-lr1e4": ("teacher", {"teacher_training.epochs": 1, "teacher_training.learning_rate": 1e-4}),
    "t-e1-lr1e4-freeze-s7": (
        "teacher",
        {
            "teacher_training.epochs": 1,
            "teacher_training.learning_rate": 1e-4,
            "teacher_training.freeze_word_embeddings": True,
            "seed": 7,
        },
    ),
    "t-e1-lr1e4-freeze-ml64": (
        "teacher",
        {
            "teacher_training.epochs": 1,
            "teacher_training.learning_rate": 1e-4,
            "teacher_training.freeze_word_embeddings": True,
            "teacher_training.max_length": 64,
        },
    ),
    "t-e1-lr1e4-freeze-bs64": (
        "teacher",
        {
            "teacher_training.epochs": 1,
            "teacher_training.learning_rate": 1.5e-4,
            "teacher_training.freeze_word_embeddings": True,
            "teacher_training.batch_size": 64,
        },
    ),
    "t-half-e1-lr1e4-freeze": (
        "teacher",
        {
            "teacher_training.epochs": 1,
            "teacher_training.learning_rate": 1e-4,
            "teacher_training.freeze_word_embeddings": True,
            "data.max_train_examples": 5000,
        },
    ),
    "s-e1": ("distill", {"training.epochs": 1}),
    "s-e1-freeze": ("distill", {"training.epochs": 1, "training.freeze_word_embeddings": True}),
    "s-e1-freeze-a0": (
        "distill",
        {"training.epochs": 1, "training.freeze_word_embeddings": True, "distill.alpha": 0.0},
    ),
    "s-e1-freeze-lr2e4": (
        "distill",
        {"training.epochs": 1, "training.freeze_word_embeddings": True, "training.learning_rate": 2e-4},
    ),
}


def apply(cfg: RunConfig, settings: dict) -> RunConfig:
    for key, value in settings.items():
        *path, last = key.split(".")
        obj = cfg
        for part in path:
            obj = getattr(obj, part)
        setattr(obj, last, value)
    return cfg


def run_trial(name: str, out: Path, teacher: str | None) -> dict:
    kind, settings = TRIALS[name]
    cfg = apply(preset("default"), settings)
    cfg.name = name
    if kind == "distill":
        cfg.teacher.source, cfg.teacher.name = "run", teacher
    run_dir = out / name
    run_dir.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.yaml"
    dump_config(cfg, path)
    start = time.time()
    subprocess.run(
        [sys.executable, "-m", "workbench", kind, str(path), "--run-dir", str(run_dir)],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wall = time.time() - start
    rep = read_json(run_dir / "report.json")
    who = rep["teacher"] if kind == "teacher" else rep["student"]
    row = {
        "trial": name,
        "kind": kind,
        "settings": settings,
        "test_accuracy": who["test"]["accuracy"],
        "validation_accuracy": who["validation"]["accuracy"],
        "examples_per_s": rep["training"]["examples_per_s"],
        "train_s": rep["training"].get("seconds"),
        "wall_s": wall,
        "load_1min": Path("/proc/loadavg").read_text().split()[0],
        "teacher": teacher,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "first_run_search.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("trials", nargs="+", choices=sorted(TRIALS))
    p.add_argument("--out", default=str(ROOT / "runs" / "first_run_search"))
    p.add_argument("--teacher", default=None, help="teacher run folder for the student trials")
    args = p.parse_args(argv)
    for name in args.trials:
        run_trial(name, Path(args.out), args.teacher)
    return 0


if __name__ == "__main__":
    sys.exit(main())

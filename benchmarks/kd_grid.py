"""Does distillation pay off? A T x alpha grid with seeds on the bundled data, and its heatmap.

    python -m benchmarks.kd_grid --teacher runs/grid/teacher      # a fine-tuned teacher run folder
    python -m benchmarks.kd_grid                                  # fine-tunes one first (default preset)

Runs `python -m workbench sweep` (a grid over T x alpha, alpha = 0 always in, every point with every
seed) on 2,000 bundled training examples with the default student (3 of the teacher's 6 layers),
then writes the statistics the Experiments page shows: mean and spread per point, the paired
difference of each point against alpha = 0 over the same seeds with its 95% interval, and the test
accuracy of the point chosen on validation. Results: benchmarks/results/kd_grid.{md,json} and the
heatmap as docs/screenshots/kd-grid-heatmap.png (drawn by Debian's chromium). The sweep lives in the
runs folder, so running the command again continues it instead of starting over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.pictures import plotly_png
from workbench.config import dump_config, preset
from workbench.core import describe_machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def grid_config(teacher: Path, max_train: int, seeds: int):
    cfg = preset("default")
    cfg.name = "kd-grid"
    cfg.teacher.source, cfg.teacher.name = "run", str(teacher)
    cfg.student.kind, cfg.student.layers = "layers", None  # every other teacher layer: 3 of 6
    cfg.data.max_train_examples = max_train
    cfg.training.epochs = 2
    cfg.training.checkpoint_every_steps = 0
    cfg.sweep.mode, cfg.sweep.temperatures, cfg.sweep.alphas, cfg.sweep.seeds = "grid", [2.0], [0.5, 1.0], seeds
    return cfg


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--teacher", default=None, help="a finished teacher run folder (default: fine-tune one)")
    p.add_argument("--runs-dir", default=str(ROOT / "runs" / "grid"))
    p.add_argument("--max-train", type=int, default=2000)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    runs = Path(args.runs_dir).resolve()
    runs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WORKBENCH_RUNS_DIR": str(runs)}
    teacher = Path(args.teacher).resolve() if args.teacher else runs / "teacher"
    if not (teacher / "model").is_dir():
        cfg = preset("default")
        cfg.name = "kd-grid-teacher"
        dump_config(cfg, runs / "teacher.yaml")
        subprocess.run([sys.executable, "-m", "workbench", "teacher", str(runs / "teacher.yaml"), "--run-dir",
                        str(teacher)], cwd=ROOT, env=env, check=True)  # fmt: skip
    cfg = grid_config(teacher, args.max_train, args.seeds)
    dump_config(cfg, runs / "grid.yaml")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workbench", "sweep", str(runs / "grid.yaml"), "--study", "kd-grid"],
                   cwd=ROOT, env=env, check=True)  # fmt: skip
    seconds = time.perf_counter() - start

    from ui.experiments import effect_sentence, heatmap
    from workbench.sweeps import load_sweep, storage_url, summary, trial_rows

    study, _ = load_sweep("kd-grid", storage_url("", runs))
    rows = [r for r in trial_rows(study) if r["state"] == "complete"]
    info = summary(study)
    teacher_report = json.loads((teacher / "report.json").read_text())
    t_test = teacher_report["teacher"]["test"]["accuracy"]
    points = []
    for pt in info["points"]:
        d, s = pt["vs_reference"], pt["spread"]
        points.append(
            {
                "temperature": pt["temperature"], "alpha": pt["alpha"], "seeds": s.n, "val_mean": s.mean,
                "val_sd": s.std, "val_low": s.low, "val_high": s.high,
                "vs_alpha0_points": None if d is None else d.mean * 100,
                "ci_low_points": None if d is None or d.ci_low is None else d.ci_low * 100,
                "ci_high_points": None if d is None or d.ci_high is None else d.ci_high * 100,
                "sentence": effect_sentence(d),
            }
        )  # fmt: skip
    doc = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": describe_machine(),
        "trials": len(rows),
        "sweep_seconds_this_call": seconds,
        "teacher": {"run": teacher.name, "test_accuracy": t_test},
        "student": "teacher layers 0, 2, 4 (3 of 6)",
        "data": {"train": cfg.data.max_train_examples, "validation": "all", "test": "all"},
        "epochs": cfg.training.epochs,
        "points": points,
        "chosen": info["chosen"],
        "trials_table": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kd_grid.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    lines = [
        f"# Does distillation pay off? ({doc['date']})",
        "",
        f"`python -m benchmarks.kd_grid`: {len(rows)} trials, student = {doc['student']}, "
        f"{cfg.data.max_train_examples} training examples, {cfg.training.epochs} epochs, teacher {teacher.name} "
        f"({t_test:.1%} test). Validation accuracy, mean ± sd over seeds; each point against alpha = 0 "
        "(the same student on labels alone) paired by seed, with the 95% interval.",
        "",
        "| T | alpha | seeds | validation (mean ± sd) | vs alpha = 0 (points, 95% CI) |",
        "|---:|---:|---:|---:|---|",
    ]
    for pt in sorted(points, key=lambda q: (q["alpha"], q["temperature"])):
        ci = (
            f"{pt['vs_alpha0_points']:+.2f} [{pt['ci_low_points']:+.2f}, {pt['ci_high_points']:+.2f}]"
            if pt["ci_low_points"] is not None
            else ("reference" if pt["vs_alpha0_points"] is None else f"{pt['vs_alpha0_points']:+.2f}")
        )
        t = "any" if pt["alpha"] == 0 else f"{pt['temperature']:g}"
        lines.append(f"| {t} | {pt['alpha']:g} | {pt['seeds']} | {pt['val_mean']:.2%} ± {pt['val_sd']:.2%} | {ci} |")
    chosen = info["chosen"]
    if chosen:
        lines += [
            "",
            f"Chosen on validation: T = {chosen['temperature']:g}, alpha = {chosen['alpha']:g}; its test accuracy "
            f"(mean of {chosen['test_seeds']} seeds): {chosen['test_accuracy_mean']:.2%}. Machine: {doc['machine']}.",
        ]
    (RESULTS / "kd_grid.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shots = ROOT / "docs" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    plotly_png(heatmap(info["points"]), shots / "kd-grid-heatmap.png")
    print("\n".join(lines))
    print(json.dumps({"trials": len(rows), "chosen": chosen, "points": len(points)}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

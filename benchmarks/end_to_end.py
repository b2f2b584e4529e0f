"""The README's end-to-end result, reproducible: `python -m benchmarks.end_to_end`.

1. fine-tune the bundled all-MiniLM-L6-v2 teacher on the bundled Rotten Tomatoes train split;
2. distil a student made of 3 of its 6 layers (every other one) with Hinton's loss;
3. train the same student without distillation (alpha = 0) for comparison.

Every run goes through the CLI, as a user would run it, into its own run folder under
`runs/end_to_end/`. The numbers land in `benchmarks/results/end_to_end.{json,md}`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from workbench.config import dump_config, preset
from workbench.core import describe_machine, read_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _run(kind: str, cfg, run_dir: Path) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir.parent / f"{run_dir.name}.yaml"
    dump_config(cfg, path)
    start = time.time()
    subprocess.run(
        [sys.executable, "-m", "workbench", kind, str(path), "--run-dir", str(run_dir)], check=True, cwd=ROOT
    )
    report = read_json(run_dir / "report.json")
    report["wall_s"] = time.time() - start
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=str(ROOT / "runs" / "end_to_end"))
    p.add_argument("--teacher-epochs", type=float, default=2)
    p.add_argument("--student-epochs", type=float, default=3)
    p.add_argument("--max-train", type=int, default=None, help="limit the train split (default: all of it)")
    p.add_argument("--teacher", default=None, help="a finished teacher run folder to reuse instead of fine-tuning one")
    args = p.parse_args(argv)
    out = Path(args.out)

    cfg = preset("default")
    cfg.name = "end-to-end"
    cfg.data.max_train_examples = args.max_train
    cfg.teacher_training.epochs = args.teacher_epochs
    cfg.training.epochs = args.student_epochs
    teacher_dir = Path(args.teacher) if args.teacher else out / "teacher"
    if args.teacher:
        teacher = read_json(teacher_dir / "report.json")
        teacher["wall_s"] = None
    else:
        teacher = _run("teacher", cfg, teacher_dir)

    cfg.teacher.source, cfg.teacher.name = "run", str(teacher_dir)
    distilled = _run("distill", cfg, out / "distilled")
    cfg.distill.alpha = 0.0
    plain = _run("distill", cfg, out / "no_distillation")

    t, s, b = distilled["teacher"], distilled["student"], plain["student"]
    result = {
        "machine": describe_machine(),
        "config": {
            "teacher_epochs": args.teacher_epochs,
            "student_epochs": args.student_epochs,
            "temperature": distilled["temperature"],
            "alpha": distilled["alpha"],
            "max_length": cfg.training.max_length,
            "data_sizes": distilled["data"]["sizes"],
        },
        "teacher": {
            k: t.get(k) for k in ("validation", "test", "params", "size_bytes", "latency_ms", "latency_spread_ms")
        },
        "student_distilled": {
            k: s.get(k) for k in ("validation", "test", "params", "size_bytes", "latency_ms", "latency_spread_ms")
        },
        "latency_precision": distilled.get("latency_precision"),
        "latency_conditions": distilled.get("latency_conditions"),
        "student_alpha0": {k: b[k] for k in ("validation", "test")},
        "comparison": distilled["comparison"],
        "wall_s": {"teacher": teacher["wall_s"], "distill": distilled["wall_s"], "alpha0": plain["wall_s"]},
        "training_examples_per_s": {
            "teacher": teacher["training"]["examples_per_s"],
            "distill": distilled["training"]["examples_per_s"],
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "end_to_end.json").write_text(json.dumps(result, indent=2, default=str))
    (RESULTS / "end_to_end.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def markdown(r: dict) -> str:
    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    t, s, b, c = r["teacher"], r["student_distilled"], r["student_alpha0"], r["comparison"]
    rows = [
        "| model | parameters | validation acc. | test acc. | test macro-F1 | ms/example (batch 1) | ms/example (batch 32) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| teacher: MiniLM-L6, fine-tuned | {t['params']['total'] / 1e6:.1f}M | {pct(t['validation']['accuracy'])} | {pct(t['test']['accuracy'])} | {pct(t['test']['macro_f1'])} | {t['latency_ms']['batch_1']:.2f} | {t['latency_ms']['batch_32']:.2f} |",
        f"| student: 3 layers, distilled (T={r['config']['temperature']}, alpha={r['config']['alpha']}) | {s['params']['total'] / 1e6:.1f}M | {pct(s['validation']['accuracy'])} | {pct(s['test']['accuracy'])} | {pct(s['test']['macro_f1'])} | {s['latency_ms']['batch_1']:.2f} | {s['latency_ms']['batch_32']:.2f} |",
        f"| same student, no distillation (alpha=0) | {s['params']['total'] / 1e6:.1f}M | {pct(b['validation']['accuracy'])} | {pct(b['test']['accuracy'])} | {pct(b['test']['macro_f1'])} | | |",
    ]
    sizes = r["config"]["data_sizes"]
    lines = rows + [
        "",
        f"The distilled student keeps {pct(c['accuracy_share_test'])} of the teacher's test accuracy "
        f"({pct(c['accuracy_share_validation'])} on validation) with {pct(c['param_ratio'])} of its parameters, "
        f"and runs {c['speedup']['batch_1']:.2f}x faster at batch 1 and {c['speedup']['batch_32']:.2f}x at batch 32; "
        f"it agrees with the teacher on {pct(c['agreement_test'])} of test examples.",
        "",
        f"Data: bundled Rotten Tomatoes, {sizes['train']} train / {sizes['validation']} validation / {sizes['test']} test. "
        f"Teacher {r['config']['teacher_epochs']} epochs, students {r['config']['student_epochs']} epochs, max length {r['config']['max_length']}. "
        f"Machine: {r['machine']}. {_latency_words(r)}",
    ]
    return "\n".join(lines) + "\n"


def _latency_words(r: dict) -> str:
    """How the latency columns were measured, from the report's own record of it."""
    cond = r.get("latency_conditions") or {}
    rounds = cond.get("rounds")
    busy = " The machine was busy during the measurement: treat the speed-up as unsure." if cond.get("busy") else ""
    spread = []
    for who, key in (("teacher", "teacher"), ("student", "student_distilled")):
        sp = (r[key].get("latency_spread_ms") or {}).get("batch_1")
        if sp:
            spread.append(f"{who} {sp['min']:.2f}-{sp['max']:.2f}")
    return (
        f"Latency: both models in {r.get('latency_precision') or 'fp32'}, tokenisation included, median of "
        f"{rounds or 'several'} interleaved rounds"
        + (f" (batch-1 range: {', '.join(spread)} ms)" if spread else "")
        + f".{busy}"
    )


if __name__ == "__main__":
    sys.exit(main())

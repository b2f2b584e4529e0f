"""int8 students: how much faster and smaller, and what it costs in accuracy (issue 19).

    python -m benchmarks.quantize                    # fine-tunes a first-run teacher, distils a BiLSTM (~10 min)
    python -m benchmarks.quantize --teacher RUN_DIR  # reuse a finished teacher run
    python -m benchmarks.quantize --quick            # smoke-sized (tiny data; numbers mean nothing)
    python -m benchmarks.quantize --max-train 1500   # both models trained on fewer examples (a busy machine)

The teacher is the `first-run` preset's fine-tuned MiniLM; the student is the BiLSTM family with its
own training settings (the engine's family defaults: pruned vocabulary, lr 2e-3, 4 epochs), distilled with T = 2, alpha = 0.5.
Both models are exported to ONNX and quantised with ONNX Runtime's dynamic int8
(`workbench export --int8`, `evaluation.quantize.quantize_run`), whose accuracy is measured on the
run's own validation and test splits. Then all six variants (teacher and student x PyTorch fp32,
ONNX fp32, ONNX int8) are timed in one `measure_latency` call, interleaved round by round on the same
texts, so the ratios compare like with like on a noisy machine. Each variant is timed on all cores
and on one thread (`evaluation.latency.measure_fastest`) and keeps its faster per batch size, as a
person deploying it would set its threads (`threads` in the JSON says which count each kept,
`ms_by_threads` has both): on a quiet 2-core VM the int8 BiLSTM at batch 1 is a little faster on one
thread, everything else on both.

The last line printed is one JSON object: `bilstm_int8_vs_teacher_b1` (batch-1 latency of the fp32
PyTorch teacher over the int8 BiLSTM), `int8_vs_fp32_onnx_b1` (same student, fp32 ONNX over int8),
`points_lost` (test accuracy, fp32 ONNX minus int8, in points),
`int8_vs_fp32_onnx_b1_session_only` (the same ratio for `session.run` alone on texts tokenised
beforehand: the model's own speed-up, without the tokenisation both formats pay), `size_ratio` (int8 file / fp32 file),
`student_int8_ops` (the int8 node kinds in the student's graph: its LSTMs must be DynamicQuantizeLSTM, or
the int8 file is smaller but no faster) and the teacher's own int8 figures for comparison. It is also written to benchmarks/results/quantize.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def _run_cli(args: list[str], runs: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WORKBENCH_RUNS_DIR": str(runs)}
    subprocess.run([sys.executable, "-m", "workbench", *args], cwd=ROOT, env=env, check=True)


def teacher_run(runs: Path, teacher: str | None, quick: bool, max_train: int | None = None) -> Path:
    """A finished teacher run: the one given, or the `first-run` preset's, fine-tuned here."""
    from workbench.config import dump_config, preset

    if teacher:
        return Path(teacher).resolve()
    folder = runs / "teacher"
    if not (folder / "model").is_dir():
        cfg = preset("first-run")
        cfg.name = "quantize-teacher"
        cfg.data.max_train_examples = max_train
        if quick:
            cfg.data.max_train_examples, cfg.data.max_eval_examples = 96, 48
        dump_config(cfg, runs / "teacher.yaml")
        _run_cli(["teacher", str(runs / "teacher.yaml"), "--run-dir", str(folder)], runs)
    return folder


def student_run(runs: Path, teacher: Path, quick: bool, max_train: int | None = None) -> Path:
    """The BiLSTM student distilled from `teacher` (pruned vocabulary, its family's training settings)."""
    from workbench.config import apply_family_defaults, dump_config, preset

    folder = runs / "bilstm"
    if not (folder / "model").is_dir():
        cfg = preset("first-run")
        cfg.name = "quantize-bilstm"
        cfg.teacher.source, cfg.teacher.name = "run", str(teacher)
        apply_family_defaults(cfg, "bilstm")  # the family's own training settings, as Setup applies them
        cfg.training.checkpoint_every_steps = 0
        cfg.distill.temperature, cfg.distill.alpha = 2.0, 0.5
        cfg.data.max_train_examples = max_train
        cfg.allow_weak_teacher = bool(max_train)  # a teacher fine-tuned on few examples may be near chance
        if quick:
            cfg.data.max_train_examples, cfg.data.max_eval_examples = 96, 48
            cfg.training.epochs = 1
            cfg.allow_weak_teacher = True
        dump_config(cfg, runs / "bilstm.yaml")
        _run_cli(["distill", str(runs / "bilstm.yaml"), "--run-dir", str(folder)], runs)
    return folder


def time_all(teacher: Path, student: Path, texts: list[str], rounds: int, per_round: int = 32) -> dict[str, Any]:
    """ms per example at batch 1 and 32 for the six variants, interleaved in one measurement, each at
    its faster thread count (all cores or one; `measure_fastest`) per batch size."""
    from workbench.evaluation import INT8_FILE, ONNX_FILE, OnnxClassifier, measure_fastest
    from workbench.models import load_classifier

    makers: dict[str, Any] = {}
    for who, run in (("teacher", teacher), ("bilstm", student)):
        loaded = load_classifier("run", str(run / "model"))
        model = loaded.model.float().eval()
        makers[f"{who}_pytorch"] = (lambda n, m=model: m, loaded.tokenizer)
        for kind, file in (("onnx", ONNX_FILE), ("int8", INT8_FILE)):
            makers[f"{who}_{kind}"] = (
                lambda n, p=run / "model" / file, t=loaded.tokenizer: OnnxClassifier(p, n, t),
                loaded.tokenizer,
            )
    measured = measure_fastest(makers, texts, 128, (1, 32), rounds=rounds, examples_per_round=per_round)
    return {
        **measured["latency_ms"],
        "busy": measured["busy"],
        "threads": measured["threads"],
        "by_threads": measured["by_threads"],
    }


def session_only(student: Path, texts: list[str], threads: dict[str, Any], rounds: int) -> dict[str, float]:
    """The student's fp32 and int8 ONNX sessions alone at batch 1 (`session.run` on texts tokenised
    beforehand), each at the thread count `time_all` kept, interleaved: the model's own share of a
    prediction, without the tokenisation both formats pay alike. -> {"onnx": ms, "int8": ms}"""
    import statistics

    from workbench.evaluation import INT8_FILE, ONNX_FILE, OnnxClassifier
    from workbench.models import load_classifier

    tokenizer = load_classifier("run", str(student / "model")).tokenizer
    sessions = {
        kind: OnnxClassifier(student / "model" / file, threads[f"bilstm_{kind}"]["batch_1"]).session
        for kind, file in (("onnx", ONNX_FILE), ("int8", INT8_FILE))
    }
    feeds = []
    for text in texts:
        enc = tokenizer([text], truncation=True, max_length=128, return_tensors="np")
        feeds.append({i.name: enc[i.name].astype("int64") for i in sessions["onnx"].get_inputs()})
    times: dict[str, list[float]] = {k: [] for k in sessions}
    for _ in range(max(5, rounds)):
        for kind, session in sessions.items():
            start = time.perf_counter()
            for feed in feeds:
                session.run(["logits"], feed)
            times[kind].append(1000 * (time.perf_counter() - start) / len(feeds))
    return {k: statistics.median(v) for k, v in times.items()}


def summary(teacher_q: dict[str, Any], student_q: dict[str, Any], ms: dict[str, Any]) -> dict[str, Any]:
    def b1(name: str) -> float:
        return ms[name]["batch_1"]

    def lost(q: dict[str, Any]) -> float:
        test = q["accuracy"]["test"]
        return round(100 * (test["fp32"] - test["int8"]), 2)

    return {
        "bilstm_int8_vs_teacher_b1": round(b1("teacher_pytorch") / b1("bilstm_int8"), 2),
        "int8_vs_fp32_onnx_b1": round(b1("bilstm_onnx") / b1("bilstm_int8"), 2),
        "points_lost": lost(student_q),
        "size_ratio": round(student_q["size_bytes"] / student_q["fp32_size_bytes"], 3),
        "student_test_fp32": student_q["accuracy"]["test"]["fp32"],
        "student_test_int8": student_q["accuracy"]["test"]["int8"],
        "student_int8_ops": student_q.get("int8_ops"),  # DynamicQuantizeLSTM present: the LSTMs really are int8
        "teacher_int8_vs_pytorch_b1": round(b1("teacher_pytorch") / b1("teacher_int8"), 2),
        "teacher_int8_vs_fp32_onnx_b1": round(b1("teacher_onnx") / b1("teacher_int8"), 2),
        "teacher_points_lost": lost(teacher_q),
        "teacher_size_ratio": round(teacher_q["size_bytes"] / teacher_q["fp32_size_bytes"], 3),
        "ms_per_example": {k: v for k, v in ms.items() if k not in ("busy", "threads", "by_threads")},
        "threads": ms["threads"],  # the faster thread count each variant was timed at, per batch size
        "ms_by_threads": ms["by_threads"],
        "busy": ms["busy"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--teacher", default=None, help="a finished teacher run folder (default: fine-tune one)")
    p.add_argument("--runs-dir", default=None, help="where the runs go (default runs/quantize[-quick])")
    p.add_argument("--quick", action="store_true", help="smoke-sized data: checks the path, not the numbers")
    p.add_argument(
        "--max-train",
        type=int,
        default=None,
        help="train both models on this many examples (default: all); timings do not depend on it, accuracy does",
    )
    p.add_argument("--rounds", type=int, default=7, help="timing rounds per batch size (median reported)")
    p.add_argument(
        "--per-round",
        type=int,
        default=128,
        help="examples each model predicts per round: a sub-millisecond student needs many to time steadily",
    )
    p.add_argument("--out", default=None, help="result JSON (default benchmarks/results/quantize[-quick].json)")
    args = p.parse_args(argv)

    from workbench.core import describe_machine, set_threads
    from workbench.evaluation import labelled_texts, quantize_run

    set_threads()
    suffix = "-quick" if args.quick else ""
    runs = Path(args.runs_dir or ROOT / "runs" / f"quantize{suffix}").resolve()
    runs.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    teacher = teacher_run(runs, args.teacher, args.quick, args.max_train)
    student = student_run(runs, teacher, args.quick, args.max_train)
    trained_s = time.perf_counter() - start
    teacher_q, student_q = quantize_run(teacher), quantize_run(student)
    texts = labelled_texts(student, "validation")[0][: max(64, args.per_round)]  # the run's own texts
    ms = time_all(teacher, student, texts, args.rounds, args.per_round)
    alone = session_only(student, texts, ms["threads"], args.rounds)
    result = {
        **summary(teacher_q, student_q, ms),
        # the same ratio without the tokenisation both pay: what int8 does to the model itself
        "int8_vs_fp32_onnx_b1_session_only": round(alone["onnx"] / alone["int8"], 2),
        "session_only_ms_b1": alone,
        "machine": describe_machine(),
        "teacher_run": str(teacher),
        "student_run": str(student),
        "train_s": round(trained_s, 1),
        "total_s": round(time.perf_counter() - start, 1),
        "quick": args.quick,
        "max_train_examples": args.max_train,
    }
    out = Path(args.out) if args.out else RESULTS / f"quantize{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("ms_per_example", "ms_by_threads", "threads")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

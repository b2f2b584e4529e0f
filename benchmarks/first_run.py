"""The guided first run, timed as a newcomer meets it: `python -m benchmarks.first_run`.

It makes the engine calls the UI makes: `guided.launch_first_run` on the `first-run` preset (three
background processes: teacher, distilled student, the same student with alpha = 0), then polls the
run folders the way the run view does (`jobs.refresh` once a second) until all three have ended.
Printed: elapsed minutes and the three test accuracies; the last line is one JSON object
`{"minutes", "teacher_test", "student_test", "baseline_test", ...}`. Results land in
`benchmarks/results/first_run.{md,json}`.

    python -m benchmarks.first_run            # full defaults, bundled data (minutes)
    python -m benchmarks.first_run --smoke    # tiny model and data in a temp folder (seconds; CI)
    python -m benchmarks.first_run --student bilstm   # the story with the tiny BiLSTM student
                                                      # (its family's defaults; -> first_run_bilstm.{md,json})
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from workbench.config import RunConfig, preset
from workbench.core import describe_machine, read_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TERMINAL = ("finished", "failed", "stopped")


def smoke_config(folder: Path) -> RunConfig:
    """A 2-layer BERT of width 32 over the bundled tokenizer and a 96-row toy CSV, in `folder`."""
    import pandas as pd
    import torch
    from transformers import AutoModelForSequenceClassification, BertConfig

    from workbench.models import bundled_model_path, load_tokenizer

    tok = load_tokenizer(bundled_model_path())
    model_dir = folder / "tiny_bert"
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    AutoModelForSequenceClassification.from_config(config).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    words = (["a wonderful film", "great acting", "brilliant and funny"], ["a dull mess", "terrible acting", "boring"])
    rows = [{"text": f"{words[i % 2][i % 3]} {i}", "label": ["positive", "negative"][i % 2]} for i in range(96)]
    pd.DataFrame(rows).to_csv(folder / "reviews.csv", index=False)

    cfg = preset("first-run")
    cfg.data.source, cfg.data.path = "local", str(folder / "reviews.csv")
    cfg.data.validation_fraction = cfg.data.test_fraction = 0.25
    cfg.teacher.source, cfg.teacher.name = "local", str(model_dir)
    cfg.student.layers = [0]
    cfg.allow_weak_teacher = True
    for tc in (cfg.teacher_training, cfg.training):
        tc.batch_size, tc.max_length, tc.precision, tc.num_threads = 8, 32, "fp32", 1
    return cfg


def watch(dirs: dict[str, Path], poll_s: float = 1.0, echo=print) -> dict[str, dict]:
    """Poll the run folders like the run view does, until every run has ended; their statuses."""
    from workbench.runs import refresh

    last: dict[str, str] = {}
    while True:
        statuses = {role: refresh(d) for role, d in dirs.items()}
        for role, st in statuses.items():
            shown = f"{st.get('state')} {st.get('phase') or ''}".strip()
            if st.get("waiting_for"):
                shown += " (waiting for the run before it)"
            if last.get(role) != shown:
                echo(f"{time.strftime('%H:%M:%S')} {role}: {shown}")
                last[role] = shown
        if all(st.get("state") in TERMINAL for st in statuses.values()):
            return statuses
        time.sleep(poll_s)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny model and data; checks the code path only")
    p.add_argument("--out-dir", default=str(RESULTS), help="where first_run.{md,json} go")
    p.add_argument(
        "--student", default=None, choices=("layers", "bilstm"), help="the story's student (default: the preset's)"
    )
    p.add_argument("--runs", default=None, help="runs folder (default: a fresh one under runs/first_run)")
    args = p.parse_args(argv)

    from workbench.runs import accuracy_on_test, launch_first_run

    tmp = tempfile.TemporaryDirectory() if args.smoke else None
    if tmp is not None:
        cfg = smoke_config(Path(tmp.name))
        root = Path(args.runs or Path(tmp.name) / "runs")
        os.environ.setdefault("WORKBENCH_CACHE_DIR", str(Path(tmp.name) / "cache"))
    else:
        cfg = preset("first-run")
        root = Path(args.runs or ROOT / "runs" / "first_run" / time.strftime("%Y%m%d-%H%M%S"))
    start = time.time()
    dirs = launch_first_run(cfg, root, student=args.student)
    statuses = watch(dirs)
    minutes = (time.time() - start) / 60
    failed = {r: s.get("error") for r, s in statuses.items() if s.get("state") != "finished"}
    if failed:
        print(f"error: runs did not finish: {failed}", file=sys.stderr)
        return 1

    reports = {role: read_json(d / "report.json") for role, d in dirs.items()}
    acc = {role: accuracy_on_test(d) for role, d in dirs.items()}
    wall = {role: statuses[role]["ended"] - statuses[role].get("started", statuses[role]["ended"]) for role in dirs}
    result = {
        "minutes": round(minutes, 2),
        "teacher_test": acc["teacher"],
        "student_test": acc["distilled"],
        "baseline_test": acc["baseline"],
        "student_share_of_teacher": acc["distilled"] / acc["teacher"] if acc["teacher"] else None,
        "run_seconds": {r: round(w, 1) for r, w in wall.items()},
        "steps": {r: reports[r]["training"]["total_steps"] for r in dirs},
        "examples_per_s": {r: round(reports[r]["training"]["examples_per_s"], 1) for r in dirs},
        "data_sizes": reports["distilled"]["data"]["sizes"],
        "smoke": args.smoke,
        "student": args.student or cfg.student.kind,
        "machine": describe_machine(),
        "load_average_at_end": list(os.getloadavg()),
        "runs": {r: str(d) for r, d in dirs.items()},
    }
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = "first_run-smoke" if args.smoke else "first_run"
    if args.student and args.student != "layers":
        stem += f"_{args.student}"
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2))
    (out / f"{stem}.md").write_text(markdown(result))
    print(markdown(result))
    keys = ("minutes", "teacher_test", "student_test", "baseline_test")
    print(json.dumps({k: result[k] for k in keys}))
    if tmp is not None:
        tmp.cleanup()
    return 0


def markdown(r: dict) -> str:
    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f}%"

    s = r["run_seconds"]
    flag = f" --student {r['student']}" if r.get("student", "layers") != "layers" else ""
    return "\n".join(
        [
            f"Guided first run (`python -m benchmarks.first_run{' --smoke' if r['smoke'] else ''}{flag}`): "
            f"{r['minutes']:.1f} minutes from launch to the third run's end.",
            "",
            "| run | test accuracy | seconds | steps | training examples/s |",
            "|---|---:|---:|---:|---:|",
            f"| teacher (fine-tuned) | {pct(r['teacher_test'])} | {s['teacher']:.0f} | {r['steps']['teacher']} | {r['examples_per_s']['teacher']} |",
            f"| student, distilled | {pct(r['student_test'])} | {s['distilled']:.0f} | {r['steps']['distilled']} | {r['examples_per_s']['distilled']} |",
            f"| same student, no teacher (alpha = 0) | {pct(r['baseline_test'])} | {s['baseline']:.0f} | {r['steps']['baseline']} | {r['examples_per_s']['baseline']} |",
            "",
            f"The distilled student keeps {pct(r['student_share_of_teacher'])} of the teacher's test accuracy. "
            f"Data: {r['data_sizes']}. Machine: {r['machine']}; load average at the end {r['load_average_at_end']} "
            "(the machine is shared: times are pessimistic when it is busy).",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())

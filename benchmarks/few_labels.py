"""Label efficiency: teacher and distilled student accuracy against labels per class.

    python -m benchmarks.few_labels                 16, 32, 64, 256 labels per class and all labels
    python -m benchmarks.few_labels --only 64       one budget (the README's headline), one seed
    python -m benchmarks.few_labels --seeds 3       more seeds per budget (mean and spread)
    python -m benchmarks.few_labels --quick         smoke run: tiny budget and pool, a minute or two
    python -m benchmarks.few_labels --first-seed 43 --append    more seeds later: the earlier rows are kept

Each budget N keeps N labelled train texts per class (seeded, `data.labels_per_class`); the rest of
the bundled train split is the unlabelled pool, labels hidden (`data.unlabelled_pool: rest-of-train`).
The few-label recipe (`config.apply_few_labels`) makes the bundled all-mpnet-base-v2 the teacher,
fine-tuned on the N labels, and the bundled all-MiniLM-L6-v2 the student, which distils over the
labelled few plus the pool labelled by that teacher. "all" is the first-run preset's ordinary recipe:
MiniLM fine-tuned on every label teaches its own 3-layer cut. Each row names its teacher and student.
Every run goes through the engine's own `run_teacher` / `run_distill`: the numbers are the app's.

The last line printed is a JSON object (also written to benchmarks/results/few_labels.json, with a
.md table): the headline budget's `teacher_test`, `student_test`, `student_kept` (student / teacher
test accuracy) and `full_data_teacher_test`. Without "all" in the run, the full-data teacher comes
from an earlier few_labels.json "all" row, else from `benchmarks/results/end_to_end.json` (the same
bundled split), and `full_data_source` says which.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).parent / "results"
BUDGETS = ("16", "32", "64", "256", "all")


def knobs_on(cfg: Any, quick: bool, knobs: argparse.Namespace) -> Any:
    """The benchmark's own settings on top of the curve's config: pairs, pool size, threads, quick."""
    if cfg.few_labels.teacher_method == "setfit":
        cfg.few_labels.pair_iterations = knobs.pair_iterations
    cfg.transfer.max_examples = knobs.pool_max
    for tc in (cfg.teacher_training, cfg.training):
        tc.num_threads = knobs.threads  # on a shared machine, 1 thread beats 2 that wait for each other
    if quick:
        cfg.data.max_eval_examples = 200
        cfg.transfer.max_examples = 300
        cfg.few_labels.pair_iterations = 2
        cfg.teacher_training.epochs = 2
        cfg.teacher_training.max_length = cfg.training.max_length = 64
    return cfg


def run_budget(budget: str, seed: int, quick: bool, root: Path, knobs: argparse.Namespace) -> dict[str, Any]:
    """Teacher, then the distilled student, for one budget and seed -> a row of the table.

    The configs are the Experiments page's label curve's (`runs.curve_configs` on the first-run preset)."""
    from workbench.config import preset
    from workbench.evaluation import model_name
    from workbench.runs import curve_configs, parse_budget
    from workbench.training import run_distill, run_teacher

    never = lambda: False  # noqa: E731

    def quiet(event: dict[str, Any]) -> None:  # phases only, on stderr: where a long run is
        if event.get("type") == "phase":
            print(f"[{time.strftime('%H:%M:%S')}] {budget}/{seed}: {event['phase']}", file=sys.stderr, flush=True)

    t_dir, s_dir = root / f"teacher-{budget}-{seed}", root / f"student-{budget}-{seed}"
    base = preset("first-run")
    teacher_cfg, student_cfg = curve_configs(base, parse_budget(budget), seed, "benchmark", t_dir)
    start = time.perf_counter()
    teacher = run_teacher(knobs_on(teacher_cfg, quick, knobs), t_dir, quiet, never)
    teacher_s = time.perf_counter() - start
    student = run_distill(knobs_on(student_cfg, quick, knobs), s_dir, quiet, never)
    row = {
        "labels_per_class": budget,
        "seed": seed,
        "teacher_model": model_name(teacher_cfg.teacher.source, teacher_cfg.teacher.name),
        "student_model": student_model(student_cfg),
        "labelled_examples": teacher["data"]["sizes"]["train"],
        "teacher_validation": teacher["teacher"]["validation"]["accuracy"],
        "teacher_test": teacher["teacher"]["test"]["accuracy"],
        "student_test": student["student"]["test"]["accuracy"],
        "transfer_examples": (student.get("transfer") or {}).get("unlabelled", 0),
        "contrastive": teacher.get("few_labels"),
        "teacher_seconds": round(teacher_s, 1),
        "student_seconds": round(time.perf_counter() - start - teacher_s, 1),
    }
    row["student_kept"] = row["student_test"] / row["teacher_test"]
    print(json.dumps(row), flush=True)
    return row


def student_model(cfg: Any) -> str:
    """The student in words: the bundled MiniLM, or "3 of the teacher's layers"."""
    from workbench.evaluation import model_name
    from workbench.models import default_layers

    s = cfg.student
    if s.kind == "pretrained":
        return model_name(s.source, s.name)
    if s.kind == "layers":
        return f"{len(s.layers or default_layers(6))} of the teacher's layers"
    return s.kind


def budget_order(row: dict[str, Any]) -> tuple[float, int]:
    b = row["labels_per_class"]
    return (float("inf") if b == "all" else int(b), row["seed"])


def earlier_rows(path: Path, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an earlier result file whose (budget, seed) this run did not measure again; at a budget
    this run measured, only rows with the same teacher and student (seeds of one recipe, not a mix)."""
    if not path.exists():
        return []
    measured = {(r["labels_per_class"], r["seed"]) for r in new}
    models = {r["labels_per_class"]: _models(r) for r in new}
    old = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    return [
        r
        for r in old
        if (r["labels_per_class"], r["seed"]) not in measured
        and models.get(r["labels_per_class"], _models(r)) == _models(r)
    ]


def _models(row: dict[str, Any]) -> tuple[str | None, str | None]:
    return row.get("teacher_model"), row.get("student_model")


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean and spread over seeds per budget."""
    out: dict[str, dict[str, float]] = {}
    for budget in dict.fromkeys(r["labels_per_class"] for r in rows):
        mine = [r for r in rows if r["labels_per_class"] == budget]
        out[budget] = {"seeds": len(mine), "teacher_model": mine[0].get("teacher_model", "?")}
        out[budget]["student_model"] = mine[0].get("student_model", "?")
        for key in ("teacher_test", "student_test", "student_kept"):
            vals = [r[key] for r in mine]
            out[budget][key] = statistics.mean(vals)
            out[budget][key + "_sd"] = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return out


def full_data_teacher(summary: dict[str, dict[str, float]]) -> tuple[float | None, str]:
    """The full-data teacher's test accuracy: this run's "all", an earlier run's, or end_to_end's."""
    if "all" in summary:
        return summary["all"]["teacher_test"], "this run"
    old = RESULTS / "few_labels.json"
    if old.exists():
        prev = json.loads(old.read_text(encoding="utf-8")).get("curve", {})
        if "all" in prev:
            return prev["all"]["teacher_test"], "benchmarks/results/few_labels.json (an earlier run)"
    e2e = RESULTS / "end_to_end.json"
    if e2e.exists():
        return json.loads(e2e.read_text(encoding="utf-8"))["teacher"]["test"]["accuracy"], "end_to_end.json"
    return None, "not measured"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| labels per class | teacher -> student | seeds | teacher test | student test | student keeps |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for budget, s in result["curve"].items():

        def cell(key: str, s: dict[str, float] = s) -> str:
            sd = f" ± {s[key + '_sd']:.1%}" if s["seeds"] > 1 else ""
            return f"{s[key]:.1%}{sd}"

        lines.append(
            f"| {budget} | {s['teacher_model']} -> {s['student_model']} | {s['seeds']} | {cell('teacher_test')} | {cell('student_test')} | {cell('student_kept')} |"
        )
    lines.append("")
    lines.append(
        f"Full-data teacher (every label): {result['full_data_teacher_test']:.1%} test ({result['full_data_source']}). "
        f"Machine: {result['machine']}; load average before/after {result['load_before']} / {result['load_after']}."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", default=None, help="comma-separated budgets, e.g. 64 or 16,64,all")
    p.add_argument("--seeds", type=int, default=1, help="seeds per budget (42, 43, ...)")
    p.add_argument("--first-seed", type=int, default=42, help="the first of the seeds")
    p.add_argument(
        "--append",
        action="store_true",
        help="keep the earlier result file's rows of other (budget, seed) pairs: a curve grown over several sittings",
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 16 labels, tiny pool and evaluation")
    p.add_argument("--pair-iterations", type=int, default=20, help="setfit pairs per labelled text (SetFit: 20)")
    p.add_argument("--pool-max", type=int, default=None, help="keep at most N pool texts (default: all)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per run; 0 = all cores")
    p.add_argument("--out", default=str(RESULTS / "few_labels"), help="result path without extension")
    args = p.parse_args()
    budgets = ["16"] if args.quick else (args.only.split(",") if args.only else list(BUDGETS))
    from workbench.core import describe_machine

    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="few-labels-") as tmp:
        for budget in budgets:
            for k in range(args.seeds):
                row = run_budget(budget, args.first_seed + k, args.quick, Path(tmp), args)
                row["settings"] = {
                    "pair_iterations": args.pair_iterations,
                    "pool_max": args.pool_max,
                    "quick": args.quick,
                }
                rows.append(row)
    if args.append:
        rows = earlier_rows(Path(args.out).with_suffix(".json"), rows) + rows
    summary = summarise(sorted(rows, key=budget_order))
    head = "64" if "64" in summary else next(iter(summary))
    full, source = full_data_teacher(summary)
    result = {
        "labels_per_class": int(head) if head != "all" else None,
        "teacher_test": summary[head]["teacher_test"],
        "student_test": summary[head]["student_test"],
        "student_kept": summary[head]["student_kept"],
        "full_data_teacher_test": full,
        "full_data_source": source,
        "curve": summary,
        "runs": rows,
        "quick": args.quick,
        "settings": {"pair_iterations": args.pair_iterations, "pool_max": args.pool_max, "threads": args.threads},
        "machine": describe_machine(),
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "curve")}))


if __name__ == "__main__":
    main()

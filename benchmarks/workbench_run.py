"""The engine as users run it: `python -m workbench distill CONFIG --run-dir DIR`, in this process.

The spec becomes a run config (its `options` override any setting, e.g. precision or caching), the
CLI runs it, and the timings come from what the run itself recorded in report.json: teacher-logit
seconds per split, and the training loop's seconds with the share spent on validation passes and
checkpoints (the rest is the optimizer steps). Teacher time counts every split the engine computes
(validation for the teacher check, train for the targets, test for the report), and the loop counts
its validation passes and the best weights kept: the same work the Trainer variant is timed over.

    python -m benchmarks.workbench_run --spec SPEC.json --out RESULT.json
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import Result, Spec, main_args, write_result


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def run_config(spec: Spec) -> dict[str, Any]:
    """The YAML a user would write for this benchmark (defaults for everything not listed)."""
    cfg = {
        "name": "bench",
        "seed": spec.seed,
        "allow_weak_teacher": spec.allow_weak_teacher,
        "data": {
            "source": "bundled",
            "max_train_examples": spec.max_train_examples,
            "max_eval_examples": spec.max_eval_examples,
        },
        "teacher": {"source": "run", "name": spec.teacher_dir},
        "student": {"kind": "layers"},
        "distill": {"temperature": spec.temperature, "alpha": spec.alpha},
        "training": {
            "learning_rate": spec.learning_rate,
            "batch_size": spec.batch_size,
            "epochs": spec.epochs,
            "max_length": spec.max_length,
        },
    }
    return deep_merge(cfg, spec.options)


def main() -> None:
    args = main_args(__doc__.splitlines()[0])
    load_before = list(os.getloadavg())
    from workbench.cli import main as cli_main
    from workbench.runs import read_metrics, read_report

    spec = Spec.read(args.spec)
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        cfg_path = Path(tmp) / "config.yaml"
        cfg_path.write_text(yaml.safe_dump(run_config(spec), sort_keys=False), encoding="utf-8")
        run_dir = Path(tmp) / "run"
        code = cli_main(["distill", str(cfg_path), "--run-dir", str(run_dir)])
        if code != 0:
            log = (run_dir / "status.json").read_text(encoding="utf-8") if (run_dir / "status.json").exists() else ""
            raise SystemExit(f"workbench distill failed with exit code {code}: {log}")
        report = read_report(run_dir) or {}
        events = read_metrics(run_dir)

    evals = [e for e in events if e.get("type") == "eval"]
    training = report["training"]
    # the whole loop: optimizer steps, the validation passes (4 an epoch by default), checkpoints, the
    # best weights put back; what the Trainer's `train()` is timed over
    train_s = training["seconds"]
    steps_s = train_s - training["eval_seconds"] - training["checkpoint_seconds"]
    logit_info = report["teacher_logits"]
    teacher_s = sum(i["seconds"] for i in logit_info)
    n = report["data"]["sizes"]["train"]
    epochs = spec.epochs
    phases = {f"teacher logits, {i['split']}{' (cache)' if i['cached'] else ''}": i["seconds"] for i in logit_info}
    phases["training loop: optimizer steps"] = steps_s
    phases["training loop: validation passes"] = training["eval_seconds"]
    phases["training loop: checkpoints"] = training["checkpoint_seconds"]
    write_result(
        args.out,
        Result(
            variant=args.variant or "workbench",
            train_examples=n,
            epochs=epochs,
            examples_per_s=n * epochs / (teacher_s + train_s),
            teacher_s=teacher_s,
            train_s=train_s,
            eval_s=evals[-1].get("seconds", 0.0) if evals else 0.0,
            val_accuracy=report["student"]["validation"]["accuracy"],
            precision=report["precision"],
            batch_size=spec.batch_size,
            load_before=load_before,
            extra={
                "teacher_logits": logit_info,
                "teacher_cached": all(i["cached"] for i in logit_info),
                "loop_examples_per_s": n * epochs / train_s,
                "steps_s": steps_s,
                "steps": training["steps"],
                "evaluations": training["evaluations"],
                "phases": phases,
                "work_s": teacher_s + train_s,
                "teacher_accuracy": {s: report["teacher"][s]["accuracy"] for s in ("validation", "test")},
                "options": spec.options,
                "temperature": spec.temperature,
                "report_training": training,
            },
        ),
    )


if __name__ == "__main__":
    main()

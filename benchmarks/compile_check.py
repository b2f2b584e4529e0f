"""Does torch.compile (Inductor, CPU) make the workbench faster? The teacher pass and a student's training
steps, eager against compiled, on the same batches in one process.

Both run as the engine runs them: the teacher's logits with `predict_logits` (length-sorted batches of
`--batch`), the student's steps over length-grouped batches with fused AdamW. Shapes vary from batch
to batch (dynamic padding), so the model is compiled with `dynamic=True`; the compile time is what a
run would pay once, before its first batch. Eager is timed before and after the compiled rounds so a
change in the machine's load shows. Prints one JSON line last and writes it to
benchmarks/results/compile_check.json.

    python -m benchmarks.compile_check [--teacher runs/.bench/teacher] [--examples 2048] [--steps 32]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.compile_check", description=__doc__.splitlines()[0])
    p.add_argument("--teacher", default=str(ROOT / "runs" / ".bench" / "teacher"), help="a fine-tuned teacher run")
    p.add_argument("--examples", type=int, default=2048, help="training texts the teacher labels")
    p.add_argument("--steps", type=int, default=32, help="student training steps timed per round")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "compile_check.json"))
    args = p.parse_args(argv)

    import tempfile

    # a fresh Inductor cache: the compile time is what a first run pays, not a replay of an earlier run's cache
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor-")
    import torch
    import torch.nn.functional as F

    from benchmarks.distill import machine
    from workbench.config import DataConfig, ModelConfig, StudentConfig
    from workbench.data import collate, length_grouped_batches, load_data, model_inputs
    from workbench.models import build_student, load_teacher, predict_logits, tokenise

    cpu = torch.device("cpu")
    data = load_data(DataConfig(max_train_examples=args.examples))
    teacher = load_teacher(ModelConfig(source="run", name=args.teacher), data.label_names)
    enc = tokenise(teacher, data, 128).encoded["train"]
    student = build_student(StudentConfig(kind="layers"), teacher, data.label_names)
    batches = length_grouped_batches([len(x) for x in enc.features["input_ids"]], args.batch, 0)[: args.steps]

    def teacher_pass(model: torch.nn.Module, indices: list[int] | None = None) -> float:
        start = time.perf_counter()
        predict_logits(model, enc, args.batch, cpu, indices=indices)
        return time.perf_counter() - start

    def student_steps(model: torch.nn.Module, chosen: list[list[int]]) -> float:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
        model.train()
        start = time.perf_counter()
        for b in chosen:
            batch = collate(enc, b)
            loss = F.cross_entropy(model(**model_inputs(batch)).logits, batch["labels"])  # logits: (bs, C)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    out: dict = {"machine": machine(), "examples": len(enc), "steps": len(batches), "batch": args.batch}
    tm = teacher.model.eval()
    teacher_pass(tm, list(range(64)))  # warm-up
    out["teacher_eager_s"] = [teacher_pass(tm)]
    compiled = torch.compile(tm, dynamic=True)
    out["teacher_compile_s"] = teacher_pass(compiled, list(range(64)))
    out["teacher_compiled_s"] = [teacher_pass(compiled) for _ in range(2)]
    out["teacher_eager_s"].append(teacher_pass(tm))
    print(json.dumps(out), file=sys.stderr, flush=True)

    sm = student.model
    out["student_eager_s"] = [student_steps(sm, batches)]
    compiled = torch.compile(sm, dynamic=True)
    out["student_compile_s"] = student_steps(compiled, batches[:2])
    out["student_compiled_s"] = [student_steps(compiled, batches) for _ in range(2)]
    out["student_eager_s"].append(student_steps(sm, batches))
    out["teacher_speedup"] = min(out["teacher_eager_s"]) / min(out["teacher_compiled_s"])
    out["student_speedup"] = min(out["student_eager_s"]) / min(out["student_compiled_s"])
    Path(args.out).write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

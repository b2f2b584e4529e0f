"""Does running the loop on Accelerate cost single-process speed? `python -m benchmarks.accelerate_overhead`

The engine's loop was written on Accelerate from its first commit, so there is no older loop to
compare with. This runs the *same* `train_loop` twice per round on the same data, student and
teacher logits: once with a real `Accelerator`, once with `PlainTorch`, a stand-in with the same
few methods that does what plain PyTorch would (no wrapping, `loss.backward()`, the autocast
context applied to `forward` the way Accelerate applies it). Rounds alternate the two so machine
noise falls on both; each keeps its best round. Writes `benchmarks/results/accelerate_overhead.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import torch

from workbench.config import RunConfig
from workbench.core import autocast, describe_machine, resolve_device, resolve_precision, set_threads
from workbench.data import load_data
from workbench.distill import distillation_loss
from workbench.models import build_student, load_teacher, tokenise
from workbench.training import make_accelerator, train_loop

RESULTS = Path(__file__).resolve().parent / "results"


class PlainTorch:
    """The Accelerator methods the loop calls, done the plain-PyTorch way (one process)."""

    num_processes, process_index, is_main_process, sync_gradients = 1, 0, True, True

    def __init__(self, device: torch.device, precision: str) -> None:
        self.device, self.precision = device, precision

    def prepare(self, model, optimizer):
        model.to(self.device)
        forward = model.forward

        def forward_with_autocast(*args, **kwargs):
            with autocast(self.device, self.precision):
                return forward(*args, **kwargs)

        model.forward = forward_with_autocast
        return model, optimizer

    def unwrap_model(self, model):
        return model

    def accumulate(self, model):
        return contextlib.nullcontext()

    def backward(self, loss):
        loss.backward()

    def clip_grad_norm_(self, params, max_norm):
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def wait_for_everyone(self) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--examples", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)

    cfg = RunConfig()
    cfg.data.max_train_examples = args.examples
    cfg.data.max_eval_examples = 64
    cfg.training.epochs = 1
    cfg.training.eval_every_steps = 10**9  # one evaluation at the end: time the training steps
    cfg.training.checkpoint_every_steps = 0
    set_threads(cfg.training.num_threads)
    data = load_data(cfg.data)
    teacher = load_teacher(cfg.teacher, data.label_names)
    student_enc = None
    device = resolve_device(cfg.training.device)
    precision = resolve_precision(cfg.training.precision, device)
    t_prep = tokenise(teacher, data, cfg.training.max_length, ("train",))
    with torch.no_grad():
        from workbench.models import predict_logits

        targets = predict_logits(teacher.model, t_prep.encoded["train"], 64, device, precision)  # (n, C)

    def loss_fn(logits, batch):
        return distillation_loss(logits, targets[batch["index"]], batch["labels"], 2.0, 0.5)

    results: dict[str, list[float]] = {"accelerate": [], "plain_torch": []}
    for _ in range(args.rounds):
        for name in results:
            torch.manual_seed(0)
            student = build_student(cfg.student, teacher, data.label_names)
            student_enc = student_enc or tokenise(student, data, cfg.training.max_length, ("train", "validation"))
            if name == "accelerate":
                accelerator, prec = make_accelerator(cfg.training)
            else:
                accelerator, prec = PlainTorch(device, precision), precision
            start = time.perf_counter()
            res = train_loop(
                accelerator=accelerator,
                precision=prec,
                model=student.model,
                train_enc=student_enc.encoded["train"],
                val_enc=student_enc.encoded["validation"],
                tc=cfg.training,
                seed=0,
                num_labels=data.num_labels,
                compute_loss=loss_fn,
                emit=lambda e: None,
                should_stop=lambda: False,
                report_soft=True,
            )
            results[name].append(res.examples_seen / (time.perf_counter() - start))
    best = {k: max(v) for k, v in results.items()}
    out = {
        "machine": describe_machine(),
        "precision": precision,
        "examples": len(data.train),
        "examples_per_s": results,
        "best_examples_per_s": best,
        "accelerate_vs_plain": best["accelerate"] / best["plain_torch"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accelerate_overhead.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

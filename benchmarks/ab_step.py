"""Interleaved A/B of one training step under several settings, robust to a shared, noisy machine.

Each setting gets its own copy of the student and its own optimizer; the settings take turns on the
*same* batch, step after step, so a burst of load from another process hits all of them alike.
With `--cpu-time` it runs on one thread and times CPU time, which
other processes cannot inflate: relative costs of the settings, not their 2-thread speed. Reported per setting: median and best step time over the measured steps, and the ratio of medians
to the first setting. Used to decide which speed-ups the engine keeps; not part of CI.

    python -m benchmarks.ab_step [--steps 40] [--only fused,frozen] [--model teacher]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# name -> (precision, fused AdamW, frozen word embeddings, pad to a multiple of)
SETTINGS = {
    "foreach_bf16": ("bf16", False, False, 1),
    "fused_bf16": ("bf16", True, False, 1),
    "fused_bf16_frozen": ("bf16", True, True, 1),
    "fused_bf16_pad8": ("bf16", True, False, 8),
    "fused_fp32": ("fp32", True, False, 1),
    "foreach_fp32": ("fp32", False, False, 1),
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--model", choices=("student", "teacher"), default="student", help="which model takes the steps")
    p.add_argument("--only", default=None, help="comma-separated setting names (first = reference)")
    p.add_argument(
        "--cpu-time",
        action="store_true",
        help="one thread, timed by CPU time: immune to other processes' load (relative costs, not speed)",
    )
    args = p.parse_args()

    import torch

    from workbench.config import DataConfig, ModelConfig, StudentConfig
    from workbench.core import set_threads
    from workbench.data import collate, length_grouped_batches, load_data, model_inputs
    from workbench.distill import distillation_loss
    from workbench.models import build_student, load_teacher, tokenise
    from workbench.training import _param_groups

    set_threads(1 if args.cpu_time else 0)
    clock = time.thread_time if args.cpu_time else time.perf_counter
    names = args.only.split(",") if args.only else list(SETTINGS)
    n = (args.steps + args.warmup) * args.batch_size
    data = load_data(DataConfig(max_train_examples=n, max_eval_examples=32))
    teacher = load_teacher(ModelConfig(), data.label_names)
    torch.manual_seed(0)
    chosen = teacher if args.model == "teacher" else build_student(StudentConfig(), teacher, data.label_names)
    student = tokenise(chosen, data, 128)
    enc = student.encoded["train"]
    targets = torch.randn(len(enc), data.num_labels)
    batches = length_grouped_batches(enc.lengths, args.batch_size, 0)

    runs = {}
    for name in names:
        precision, fused, frozen, multiple = SETTINGS[name]
        model = copy.deepcopy(student.loaded.model).train()
        if frozen:
            model.get_input_embeddings().weight.requires_grad_(False)
        opt = torch.optim.AdamW(_param_groups(model, 0.01), lr=1e-4, fused=fused or None)
        runs[name] = (model, opt, precision, multiple, [])

    def step(name: str, indices: list[int]) -> float:
        model, opt, precision, multiple, _ = runs[name]
        batch = collate(enc, indices)
        if multiple > 1:
            width = batch["input_ids"].shape[1]
            extra = -width % multiple
            for k in ("input_ids", "attention_mask", "token_type_ids"):
                if k in batch and extra:
                    pad = enc.pad_id if k == "input_ids" else 0
                    batch[k] = torch.nn.functional.pad(batch[k], (0, extra), value=pad)
        start = clock()
        ctx = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
        with ctx:
            logits = model(**model_inputs(batch)).logits  # (bs, C)
        loss = distillation_loss(logits.float(), targets[batch["index"]], batch["labels"], 2.0, 0.5)
        loss.total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.total.item()
        return clock() - start

    for i, indices in enumerate(batches[: args.steps + args.warmup]):
        for name in names if i % 2 == 0 else reversed(names):  # alternate the order too
            t = step(name, indices)
            if i >= args.warmup:
                runs[name][4].append(t)

    ref = statistics.median(runs[names[0]][4])
    print(f"{'setting':20s} {'median ms':>10s} {'best ms':>8s} {'total s':>8s} {'speed vs ' + names[0]:>20s}")
    for name in names:
        times = runs[name][4]
        med = statistics.median(times)
        print(f"{name:20s} {1000 * med:10.1f} {1000 * min(times):8.1f} {sum(times):8.2f} {ref / med:20.2f}")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()

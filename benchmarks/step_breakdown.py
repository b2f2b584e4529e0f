"""Where a student training step's time goes, phase by phase, against what its matmuls would take at the peak.

The benchmark reports the optimizer steps' share of the machine's measured matmul peak as one number
(`benchmarks/flops.py`); this says what the rest of a step is. It builds the default student (teacher
layers [0, 2, 4] of the bundled model) as the engine does, with the training loop's CPU patches
(`training.model_speedups`: the first-token last layer, dropout masks, training attention),
fused AdamW and the loop's clip, runs its length-grouped batches in bf16 autocast (fp32 where the CPU
has no native bf16) against random teacher logits, and times each phase of each step with
`perf_counter` (no profiler: it distorts allocation-heavy steps). Printed per phase: mean ms a step,
share of the step; then the step's useful matmul FLOPs (real tokens, as the benchmark counts them)
and the time they would take at the measured peak. Used to decide what to speed up; not part of CI.

    python -m benchmarks.step_breakdown [--examples 3000] [--steps 80]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PHASES = ("collate", "forward", "loss", "backward", "clip", "optimizer", "zero_grad")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--examples", type=int, default=3000)
    p.add_argument("--steps", type=int, default=80, help="steps timed, after 10 of warm-up")
    args = p.parse_args()

    import torch

    from benchmarks.flops import encoder_forward_flops, measured_peaks
    from benchmarks.profile_loop import default_student
    from workbench.config import TrainConfig
    from workbench.data import collate, length_grouped_batches, model_inputs
    from workbench.distill import distillation_loss
    from workbench.training import clip_gradients, make_accelerator, make_optimizer, model_speedups

    tc = TrainConfig(epochs=1)
    data, student = default_student(args.examples, tc)
    enc = student.encoded["train"]
    targets = torch.randn(len(enc), data.num_labels)  # (n, C) stand-in teacher logits
    accelerator, precision = make_accelerator(tc)
    model = student.loaded.model
    optimizer = make_optimizer(model, tc, accelerator.device)
    model, optimizer = accelerator.prepare(model, optimizer)  # Accelerate's autocast forward, as the loop's
    params = list(model.parameters())
    batches = length_grouped_batches(enc.lengths, tc.batch_size, 0)
    batches = (batches * (1 + (args.steps + 10) // len(batches)))[: args.steps + 10]
    peaks = measured_peaks()
    peak = peaks[peaks["best"]]

    times: dict[str, list[float]] = {k: [] for k in PHASES}
    flops = 0.0
    model.train()
    with model_speedups(model, tc) as cut:
        for n, indices in enumerate(batches):
            marks = [time.perf_counter()]
            batch = collate(enc, indices)
            marks.append(time.perf_counter())
            out = model(**model_inputs(batch))  # out.logits: (bs, C)
            marks.append(time.perf_counter())
            loss = distillation_loss(out.logits, targets[batch["index"]], batch["labels"], 2.0, 0.5)
            marks.append(time.perf_counter())
            accelerator.backward(loss.total)
            marks.append(time.perf_counter())
            clip_gradients(accelerator, params, tc.max_grad_norm)
            marks.append(time.perf_counter())
            optimizer.step()
            marks.append(time.perf_counter())
            optimizer.zero_grad(set_to_none=True)
            marks.append(time.perf_counter())
            if n >= 10:
                for phase, start, end in zip(PHASES, marks[:-1], marks[1:], strict=True):
                    times[phase].append(end - start)
                flops += 3 * encoder_forward_flops(model.config, [enc.lengths[i] for i in indices], first_token=cut)

    step = sum(sum(v) for v in times.values()) / args.steps
    print(
        f"{args.steps} steps of batch {tc.batch_size}, {precision}, first-token last layer {cut}; "
        f"measured peak {peaks['best']} {peak / 1e9:.0f} GFLOP/s ({peaks['threads']} threads)"
    )
    print(f"{'phase':10s} {'ms/step':>8s} {'share':>6s} {'median':>7s}")
    for phase, values in times.items():
        mean = statistics.mean(values)
        print(f"{phase:10s} {1000 * mean:8.2f} {mean / step:6.1%} {1000 * statistics.median(values):7.2f}")
    at_peak = flops / args.steps / peak
    print(
        f"step {1000 * step:.1f} ms; its useful matmuls {flops / args.steps / 1e9:.1f} GFLOP would take "
        f"{1000 * at_peak:.1f} ms at the peak: {at_peak / step:.0%} of the peak achieved"
    )


if __name__ == "__main__":
    main()

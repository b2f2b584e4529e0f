"""Profile the workbench's distillation loop with torch.profiler: where does a training step go?

Builds the default student (teacher layers [0, 2, 4] of the bundled model), distils it against
random teacher logits (the loop's cost does not depend on their values) for `--examples` examples,
and prints the top operators by self CPU time. Used to decide what to speed up; not part of CI.

    python -m benchmarks.profile_loop [--examples 1024] [--precision bf16|fp32] [--top 30]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def default_student(examples: int, tc: Any) -> tuple[Any, Any]:
    """(the bundled data cut to `examples` training texts, the default student tokenised for it), on
    `tc`'s threads and seed 0: what the loop benchmarks train."""
    import torch

    from workbench.config import DataConfig, ModelConfig, StudentConfig
    from workbench.core import set_threads
    from workbench.data import load_data
    from workbench.models import build_student, load_teacher, tokenise

    set_threads(tc.num_threads)
    torch.manual_seed(0)
    data = load_data(DataConfig(max_train_examples=examples, max_eval_examples=64))
    teacher = load_teacher(ModelConfig(), data.label_names)
    return data, tokenise(build_student(StudentConfig(), teacher, data.label_names), data, tc.max_length)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--examples", type=int, default=1024)
    p.add_argument("--precision", default="auto")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--no-profile", action="store_true", help="time the loop only")
    p.add_argument("--shapes", action="store_true", help="group the table by input shapes too")
    p.add_argument("--set", action="append", default=[], help="training option, e.g. --set group_by_length=false")
    args = p.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile

    from workbench.config import TrainConfig, _coerce
    from workbench.distill import distillation_loss
    from workbench.training import make_accelerator, train_loop

    tc = TrainConfig(epochs=1, precision=args.precision, log_every_steps=10)
    for item in args.set:
        k, v = item.split("=", 1)
        setattr(tc, k, _coerce(v, type(getattr(tc, k)), k))
    data, student = default_student(args.examples, tc)
    targets = torch.randn(len(data.train), data.num_labels)
    accelerator, precision = make_accelerator(tc)

    def loss_fn(logits, batch):
        return distillation_loss(logits, targets[batch["index"]], batch["labels"], 2.0, 0.5)

    events = []
    kwargs = dict(
        accelerator=accelerator,
        precision=precision,
        model=student.loaded.model,
        train_enc=student.encoded["train"],
        val_enc=student.encoded["validation"],
        tc=tc,
        seed=0,
        num_labels=data.num_labels,
        compute_loss=loss_fn,
        emit=events.append,
        should_stop=lambda: False,
        report_soft=True,
    )
    start = time.perf_counter()
    if args.no_profile:
        train_loop(**kwargs)
    else:
        with profile(activities=[ProfilerActivity.CPU], record_shapes=args.shapes) as prof:
            train_loop(**kwargs)
    seconds = time.perf_counter() - start
    steps = [e for e in events if e["type"] == "step"]
    print(
        f"precision={precision} examples={len(data.train)} loop_s={steps[-1]['elapsed_s']:.1f} "
        f"ex/s={len(data.train) / steps[-1]['elapsed_s']:.1f} total_s={seconds:.1f} load={os.getloadavg()[0]:.2f}"
    )
    if not args.no_profile:
        averages = prof.key_averages(group_by_input_shape=args.shapes)
        print(averages.table(sort_by="self_cpu_time_total", row_limit=args.top, max_name_column_width=40))


if __name__ == "__main__":
    main()

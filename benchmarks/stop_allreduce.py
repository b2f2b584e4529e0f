"""What the per-step stop agreement costs several CPU processes. Run under 2 gloo processes:

    OMP_NUM_THREADS=1 accelerate launch --multi_gpu --num_processes 2 --num_machines 1 \\
        --mixed_precision no --dynamo_backend no -m benchmarks.stop_allreduce

`train.stop_agreed` (one all-reduce of one int32) runs after every optimizer step on the CPU. This
times data-parallel training steps of two students with and without that call, in alternating
rounds so machine noise falls on both: the tiny BERT of `tests/test_distributed_stop.py` (hidden
32, 4 layers: the worst case, its step is short) and the default 3-layer MiniLM student.
Writes `benchmarks/results/stop_allreduce.json` (rank 0).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import torch

from workbench.core import describe_machine
from workbench.models import bundled_model_path, load_tokenizer
from workbench.training import stop_agreed

RESULTS = Path(__file__).resolve().parent / "results"


def _models() -> dict[str, torch.nn.Module]:
    from transformers import AutoModelForSequenceClassification, BertConfig

    tok = load_tokenizer(bundled_model_path())
    tiny = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    return {
        "tiny_bert_h32_l4": AutoModelForSequenceClassification.from_config(tiny),
        "minilm_3_layers": AutoModelForSequenceClassification.from_pretrained(
            bundled_model_path(), num_hidden_layers=3, num_labels=2
        ),
    }


def _step(accelerator, model, opt, ids, labels, agree: bool) -> None:
    """One data-parallel training step, with or without the stop agreement after it."""
    loss = model(input_ids=ids, labels=labels).loss
    accelerator.backward(loss)
    opt.step()
    opt.zero_grad(set_to_none=True)
    if agree:
        stop_agreed(accelerator, False)


def main() -> None:
    from accelerate import Accelerator

    torch.set_num_threads(1)
    accelerator = Accelerator(cpu=True)
    batch, seq, rounds, steps = 8, 32, 6, 10
    out: dict = {"machine": describe_machine(), "processes": accelerator.num_processes, "batch_per_process": batch}
    out["seq_len"], out["models"] = seq, {}
    # the call alone
    for _ in range(50):
        stop_agreed(accelerator, False)
    t = time.perf_counter()
    for _ in range(2000):
        stop_agreed(accelerator, False)
    out["stop_agreed_us"] = (time.perf_counter() - t) / 2000 * 1e6
    for name, model in _models().items():
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        model, opt = accelerator.prepare(model, opt)
        ids = torch.randint(1000, 2000, (batch, seq))
        labels = torch.randint(0, 2, (batch,))
        times: dict[str, list[float]] = {"without": [], "with": []}
        args = (accelerator, model, opt, ids, labels)
        _step(*args, agree=False)  # warm-up
        for r in range(rounds):
            for mode in ("without", "with") if r % 2 == 0 else ("with", "without"):
                accelerator.wait_for_everyone()
                t = time.perf_counter()
                for _ in range(steps):
                    _step(*args, agree=mode == "with")
                times[mode].append((time.perf_counter() - t) / steps * 1e3)
        med = {k: statistics.median(v) for k, v in times.items()}
        out["models"][name] = {
            "step_ms_median": med,
            "step_ms_rounds": times,
            "ratio_with_to_without": med["with"] / med["without"],
        }
    if accelerator.is_main_process:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "stop_allreduce.json").write_text(json.dumps(out, indent=2) + "\n")
        print(json.dumps({k: v for k, v in out.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()

"""Is the few-label teacher held back by its head or by its encoder? A logistic-regression probe.

    python -m benchmarks.setfit_head_probe                    64 labels per class, seed 42, 8 pair iterations
    python -m benchmarks.setfit_head_probe --iterations 0     the encoder as it ships (no pairs)
    python -m benchmarks.setfit_head_probe --iterations 0 --model all-mpnet-base-v2    another bundled encoder

SetFit proper fits a logistic regression on mean-pooled sentence embeddings; the workbench instead
fine-tunes the model's own classification head (`training.few_labels`), so the saved teacher is a plain
sequence classifier. This trains the encoder with the engine's own contrastive stage on the same labelled
few as `benchmarks.few_labels`, then fits scikit-learn's logistic regression on the mean-pooled embeddings
of those texts and scores validation and test. If it lands where the engine's teacher does, the head is not
what limits the teacher. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--labels-per-class", type=int, default=64)
    p.add_argument("--iterations", type=int, default=8, help="SetFit pair iterations; 0 = no contrastive stage")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--model", default="", help="bundled model name (default: all-MiniLM-L6-v2)")
    args = p.parse_args()

    import torch
    from sklearn.linear_model import LogisticRegression

    from workbench.config import apply_few_labels, preset
    from workbench.data import collate, load_data, model_inputs
    from workbench.models import load_teacher, tokenise
    from workbench.training import mean_pool, train_contrastive

    torch.manual_seed(args.seed)
    cfg = preset("first-run")
    apply_few_labels(cfg, args.labels_per_class)
    cfg.teacher.source, cfg.teacher.name = "bundled", args.model  # the encoder probed, whatever the recipe picks
    cfg.seed = cfg.data.seed = args.seed
    data = load_data(cfg.data)
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, cfg.teacher_training.max_length)
    model, enc = teacher.loaded.model, teacher.encoded
    result: dict = {"model": args.model or "all-MiniLM-L6-v2", "labels_per_class": args.labels_per_class}
    result |= {"iterations": args.iterations, "seed": args.seed}
    if args.iterations:
        cfg.few_labels.pair_iterations = args.iterations
        start = time.perf_counter()
        info = train_contrastive(model, enc["train"], cfg.few_labels, args.seed, "cpu", lambda e: None, lambda: False)
        result["contrastive"] = {**info, "seconds": round(time.perf_counter() - start, 1)}
    model.eval()

    @torch.no_grad()
    def embeddings(split: str):  # -> (n, H) numpy
        rows = list(range(len(enc[split].labels)))
        out = []
        for i in range(0, len(rows), 128):
            batch = collate(enc[split], rows[i : i + 128])
            hidden = model.base_model(**model_inputs(batch)).last_hidden_state  # (bs, L, H)
            out.append(mean_pool(hidden, batch["attention_mask"]))
        return torch.cat(out).numpy()

    head = LogisticRegression(max_iter=2000).fit(embeddings("train"), enc["train"].labels)
    for split in ("validation", "test"):
        result[f"{split}_accuracy"] = round(float(head.score(embeddings(split), enc[split].labels)), 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

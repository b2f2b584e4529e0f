"""SetFit-style contrastive training of a teacher's encoder, for a teacher that has only a few labels.

Why: with 16-64 labels per class, cross-entropy sees 32-128 examples and over-fits its fresh head;
pairs of labelled texts are quadratically many. Tunstall et al. 2022 ("Efficient Few-Shot Learning
Without Prompts", SetFit) train the sentence encoder so that the cosine of two mean-pooled embeddings
is 1 for a same-class pair and 0 otherwise (sentence-transformers' CosineSimilarityLoss), then fit a
head on the embeddings. Here the head is the model's own sequence-classification head, fine-tuned
afterwards by the ordinary teacher loop (`pipeline.run_teacher`), so what is saved is a plain
`AutoModelForSequenceClassification` folder that every other part of the workbench loads and runs.

This is written over plain transformers rather than the `setfit` library: setfit 1.2 installs and
trains offline here (checked with the bundled model folder), but its model is a sentence-transformers
body plus a pickled scikit-learn head, which the engine cannot load as a sequence classifier (and never
unpickles); its training also needs a sentence-transformers folder, which tests' tiny models are not,
and it took about 10 s per 8-pair step on this shared 2-core machine. The loss and the pair sampling
below are SetFit's; the head is the one the rest of the engine already runs.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

import torch

from workbench.config import FewLabelsConfig
from workbench.core import Emit, progress
from workbench.data import Encoded, collate, model_inputs


def contrastive_pairs(
    labels: list[int], iterations: int, seed: int, max_pairs: int | None = None
) -> list[tuple[int, int, float]]:
    """SetFit's sampling: for every labelled text, `iterations` times, one same-class partner (target 1.0)
    and one other-class partner (target 0.0). -> [(i, j, target)], shuffled, seeded; the first
    `max_pairs` of them when there are more (SetFit's max_steps: past a few thousand pairs the
    encoder has learned what pairs can teach it, and each further one costs as much)."""
    rng = random.Random(f"{seed}-pairs")
    by_class: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    others = {y: [i for i, z in enumerate(labels) if z != y] for y in by_class}
    pairs: list[tuple[int, int, float]] = []
    for _ in range(iterations):
        for i, y in enumerate(labels):
            same = [j for j in by_class[y] if j != i] or [i]
            pairs.append((i, rng.choice(same), 1.0))
            if others[y]:
                pairs.append((i, rng.choice(others[y]), 0.0))
    rng.shuffle(pairs)
    return pairs[:max_pairs] if max_pairs else pairs


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors a text really has: (bs, L, H), (bs, L) -> (bs, H)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)  # (bs, L, 1)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def embed(body: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean-pooled sentence embeddings of a collated batch: -> (bs, H)."""
    hidden = body(**model_inputs(batch)).last_hidden_state  # (bs, L, H)
    return mean_pool(hidden, batch["attention_mask"])


def pair_loss(body: Any, enc: Encoded, pairs: list[tuple[int, int, float]], device: Any) -> torch.Tensor:
    """CosineSimilarityLoss: MSE between cos(u, v) and the pair's target, over one batch of pairs."""
    left = {k: v.to(device) for k, v in collate(enc, [p[0] for p in pairs]).items()}
    right = {k: v.to(device) for k, v in collate(enc, [p[1] for p in pairs]).items()}
    u, v = embed(body, left), embed(body, right)  # (bs, H) each
    target = torch.tensor([p[2] for p in pairs], device=device)  # (bs,)
    return torch.nn.functional.mse_loss(torch.cosine_similarity(u, v), target)


def train_contrastive(
    model: Any, enc: Encoded, fl: FewLabelsConfig, seed: int, device: Any, emit: Emit, should_stop
) -> dict[str, Any]:
    """Train `model`'s encoder (its `base_model`) on pairs of `enc`'s labelled texts, in place.

    Linear warm-up over the first 10% of steps, then linear decay, as SetFit does. -> the facts for
    the report: pairs, steps, first and last loss, seconds, and whether a stop request cut it short.
    """
    body = model.base_model
    model.to(device).train()
    pairs = contrastive_pairs(enc.labels, fl.pair_iterations, seed, fl.max_pairs)
    steps = fl.pair_epochs * math.ceil(len(pairs) / fl.pair_batch_size)
    emit({"type": "phase", "phase": "contrastive", "pairs": len(pairs), "steps": steps})
    optimizer = torch.optim.AdamW(body.parameters(), lr=fl.pair_learning_rate)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    losses: list[float] = []
    report = progress(emit, "contrastive", unit="pair batches")
    start, stopped = time.perf_counter(), False
    for step in range(steps):
        if should_stop():
            stopped = True
            break
        at = (step * fl.pair_batch_size) % len(pairs)
        loss = pair_loss(body, enc, pairs[at : at + fl.pair_batch_size], device)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(body.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if report is not None:
            report(step + 1, steps)
    return {
        "method": "setfit",
        "pairs": len(pairs),
        "steps": len(losses),
        "first_loss": losses[0] if losses else None,
        "last_loss": sum(losses[-20:]) / len(losses[-20:]) if losses else None,
        "seconds": round(time.perf_counter() - start, 2),
        "stopped": stopped,
    }

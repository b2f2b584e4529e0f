"""Calibration: does a model's confidence match how often it is right?

A distilled student can keep the teacher's accuracy and still be over- or under-confident: its
probabilities are what a user thresholds on, so the Compare page shows both models' calibration.
The measure is the expected calibration error of Guo, Pleiss, Sun & Weinberger 2017 ("On
Calibration of Modern Neural Networks", arXiv:1706.04599), on the top-class confidence:

    conf_i = max_c softmax(z_i)_c          correct_i = [argmax_c z_i == y_i]
    B_b    = { i : conf_i in (b/M, (b+1)/M] }          M = 15 equal-width bins, b = 0..M-1
    ECE    = sum_b |B_b| / n * | acc(B_b) - conf(B_b) |

with acc(B_b) the share of correct answers in bin b and conf(B_b) its mean confidence. 0 means the
confidences are right on average in every bin; a model that says 90% and is right 70% of the time
adds 0.2 for the share of examples in that bin. The per-bin numbers are the data of the
reliability diagram (accuracy against confidence; the diagonal is perfect calibration).

The module knows nothing about models: it maps logits and labels to numbers.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.core import WorkbenchError

N_BINS = 15  # Guo et al. 2017


def calibration(logits: torch.Tensor, labels: list[int] | torch.Tensor, n_bins: int = N_BINS) -> dict[str, Any]:
    """ECE and the reliability-diagram bins of (n, C) logits against n labels.

    Returns {"ece": float, "n_bins": int, "bins": [{"lower", "upper", "count", "confidence",
    "accuracy"}, ...]}: one entry per non-empty bin (empty bins have no accuracy to plot), edges as
    fractions in [0, 1]. Confidence 0 (impossible after a softmax) would fall in the first bin. No
    examples give ECE 0 and no bins.
    """
    if n_bins < 1:
        raise WorkbenchError(f"calibration needs at least one bin, got {n_bins}")
    y = torch.as_tensor(labels, dtype=torch.long).reshape(-1)  # (n,)
    if logits.dim() != 2 or logits.shape[0] != y.shape[0]:
        raise WorkbenchError(
            f"calibration needs (examples, classes) logits and one label per example, got "
            f"{tuple(logits.shape)} and {y.shape[0]} labels"
        )
    n = y.shape[0]
    if n == 0:
        return {"ece": 0.0, "n_bins": n_bins, "bins": []}
    probs = logits.double().softmax(-1)  # (n, C)
    conf, pred = probs.max(-1)  # (n,), (n,)
    correct = (pred == y).double()  # (n,)
    # bin b holds (b/M, (b+1)/M]: ceil(conf * M) - 1, so a confidence of exactly 1 is in the last bin
    index = (torch.ceil(conf * n_bins).long() - 1).clamp(0, n_bins - 1)  # (n,)
    ece = 0.0
    bins = []
    for b in range(n_bins):
        members = index == b  # (n,)
        count = int(members.sum())
        if not count:
            continue
        acc, mean_conf = correct[members].mean().item(), conf[members].mean().item()
        ece += count / n * abs(acc - mean_conf)
        bins.append(
            {"lower": b / n_bins, "upper": (b + 1) / n_bins, "count": count, "confidence": mean_conf, "accuracy": acc}
        )
    return {"ece": ece, "n_bins": n_bins, "bins": bins}

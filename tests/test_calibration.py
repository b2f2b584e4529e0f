"""Expected calibration error (Guo et al. 2017) against values worked by hand, and its place in report.json."""

from __future__ import annotations

import math

import pytest
import torch

from workbench.core import WorkbenchError
from workbench.evaluation.calibration import calibration


def logits_for(confidences: list[float], predicted: list[int]) -> torch.Tensor:
    """Two-class logits whose softmax gives `confidences` to the `predicted` class: z = [0, log(p/(1-p))]."""
    rows = []
    for p, c in zip(confidences, predicted, strict=True):
        z = math.log(p / (1 - p))
        rows.append([z, 0.0] if c == 0 else [0.0, z])
    return torch.tensor(rows, dtype=torch.float64)  # (n, 2)


def test_ece_worked_by_hand():
    # Five predictions, 15 bins of width 1/15 (0.0667):
    #   conf 0.95 right, 0.97 right -> bin 14 (0.933, 1]: acc 1, mean conf 0.96 -> |1 - 0.96| = 0.04, weight 2/5
    #   conf 0.90 wrong            -> bin 13 (0.867, 0.933]: acc 0, conf 0.90  -> 0.90, weight 1/5
    #   conf 0.55 right, 0.58 wrong -> bin 8 (0.533, 0.6]: acc 0.5, conf 0.565 -> 0.065, weight 2/5
    # ECE = 2/5 * 0.04 + 1/5 * 0.90 + 2/5 * 0.065 = 0.016 + 0.18 + 0.026 = 0.222
    conf = [0.95, 0.97, 0.90, 0.55, 0.58]
    pred = [1, 0, 1, 0, 1]
    labels = [1, 0, 0, 0, 0]
    out = calibration(logits_for(conf, pred), labels)
    assert out["ece"] == pytest.approx(0.222, abs=1e-9)
    assert out["n_bins"] == 15
    bins = {round(b["lower"] * 15): b for b in out["bins"]}
    assert sorted(bins) == [8, 13, 14]  # empty bins are left out
    assert bins[14]["count"] == 2 and bins[14]["accuracy"] == 1.0
    assert bins[14]["confidence"] == pytest.approx(0.96)
    assert bins[13]["accuracy"] == 0.0 and bins[13]["upper"] == pytest.approx(14 / 15)
    assert bins[8]["accuracy"] == 0.5 and bins[8]["confidence"] == pytest.approx(0.565)


def test_perfectly_calibrated_toy_has_zero_ece():
    # ten predictions at 0.7 (bin 10, (0.667, 0.733]) of which seven are right; ten at 0.6, six right
    conf = [0.7] * 10 + [0.6] * 10
    pred = [1] * 20
    labels = [1] * 7 + [0] * 3 + [1] * 6 + [0] * 4
    out = calibration(logits_for(conf, pred), labels)
    assert out["ece"] == pytest.approx(0.0, abs=1e-9)
    assert [b["count"] for b in out["bins"]] == [10, 10]


def test_overconfident_model_is_not_zero():
    out = calibration(logits_for([0.99] * 4, [1] * 4), [1, 1, 0, 0])  # says 99%, right half the time
    assert out["ece"] == pytest.approx(0.49)


def test_confidence_one_lands_in_last_bin_and_no_examples_give_zero():
    out = calibration(torch.tensor([[100.0, -100.0]]), [0])  # softmax rounds to exactly 1.0
    assert out["bins"][0]["upper"] == 1.0 and out["ece"] == pytest.approx(0.0)
    assert calibration(torch.zeros(0, 2), []) == {"ece": 0.0, "n_bins": 15, "bins": []}


def test_mismatched_shapes_are_one_line_errors():
    with pytest.raises(WorkbenchError, match="one label per example"):
        calibration(torch.zeros(3, 2), [0, 1])


def test_model_summary_carries_calibration_per_split(tiny_bert, sentiment_csv):
    from workbench.config import DataConfig
    from workbench.data import load_data
    from workbench.evaluation.report import model_summary
    from workbench.models import load_classifier

    data = load_data(DataConfig(source="local", path=str(sentiment_csv)))
    loaded = load_classifier("local", str(tiny_bert), data.label_names)
    logits = {s: torch.randn(len(data.split(s)), 2) for s in ("validation", "test")}
    out = model_summary(loaded, None, logits, data, 32, torch.device("cpu"))
    for split in ("validation", "test"):
        assert out[split]["calibration"] == calibration(logits[split], data.split(split).labels)

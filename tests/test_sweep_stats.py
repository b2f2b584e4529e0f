"""Sweep statistics against values worked by hand."""

import math

import pytest

from workbench.sweeps import paired_difference, spread
from workbench.sweeps.stats import summarise, t_critical_95


def test_t_critical_values():
    assert t_critical_95(1) == 12.706
    assert t_critical_95(2) == 4.303
    assert t_critical_95(30) == 2.042
    assert abs(t_critical_95(60) - 2.000) < 0.002  # tables: 2.000
    assert abs(t_critical_95(120) - 1.980) < 0.002  # tables: 1.980
    with pytest.raises(ValueError):
        t_critical_95(0)


def test_spread_by_hand():
    s = spread([0.80, 0.82, 0.84])
    assert s.n == 3 and math.isclose(s.mean, 0.82)
    assert math.isclose(s.std, 0.02)  # deviations -0.02, 0, 0.02: sqrt(0.0008 / 2)
    assert (s.low, s.high) == (0.80, 0.84)
    assert spread([0.5]).std == 0.0


def test_paired_difference_by_hand():
    # diffs 0.02, 0.01, 0.03 -> mean 0.02, sd 0.01, half = 4.303 * 0.01 / sqrt(3) = 0.024843
    d = paired_difference({1: 0.82, 2: 0.81, 3: 0.85, 9: 0.99}, {1: 0.80, 2: 0.80, 3: 0.82})
    assert d.n == 3
    assert math.isclose(d.mean, 0.02, abs_tol=1e-12)
    assert math.isclose(d.ci_low, 0.02 - 0.0248434, abs_tol=1e-6)
    assert math.isclose(d.ci_high, 0.02 + 0.0248434, abs_tol=1e-6)
    assert not d.excludes_zero  # -0.0048 .. 0.0448


def test_paired_difference_excludes_zero_when_consistent():
    # diffs 0.02, 0.021, 0.019 -> mean 0.02, sd 0.001: interval 0.0175 .. 0.0225
    d = paired_difference({0: 0.82, 1: 0.821, 2: 0.819}, {0: 0.80, 1: 0.80, 2: 0.80})
    assert d.excludes_zero and d.ci_low > 0.017


def test_one_pair_has_no_interval():
    d = paired_difference({0: 0.9}, {0: 0.8})
    assert d.n == 1 and d.ci_low is None and not d.excludes_zero
    with pytest.raises(ValueError):
        paired_difference({0: 0.9}, {1: 0.8})


def test_summarise_groups_points_and_pairs_with_alpha_zero():
    rows = [
        {"temperature": 2.0, "alpha": 0.0, "seed": 0, "val_accuracy": 0.80},
        {"temperature": 2.0, "alpha": 0.0, "seed": 1, "val_accuracy": 0.78},
        {"temperature": 4.0, "alpha": 0.0, "seed": 0, "val_accuracy": 0.82},  # T is irrelevant at alpha 0
        {"temperature": 4.0, "alpha": 0.0, "seed": 1, "val_accuracy": 0.80},
        {"temperature": 2.0, "alpha": 0.5, "seed": 0, "val_accuracy": 0.84},
        {"temperature": 2.0, "alpha": 0.5, "seed": 1, "val_accuracy": 0.81},
    ]
    points = summarise(rows)
    assert len(points) == 3
    kd = next(p for p in points if p["alpha"] == 0.5)
    # references: seed 0 -> (0.80 + 0.82) / 2 = 0.81, seed 1 -> 0.79; diffs 0.03, 0.02 -> mean 0.025
    assert math.isclose(kd["vs_reference"].mean, 0.025)
    assert math.isclose(kd["spread"].mean, 0.825)
    # sd of (0.03, 0.02) = 0.0070711; half = 12.706 * 0.0070711 / sqrt(2) = 0.06353
    assert math.isclose(kd["vs_reference"].ci_high, 0.025 + 0.06353, abs_tol=1e-4)
    assert all(p["vs_reference"] is None for p in points if p["alpha"] == 0)

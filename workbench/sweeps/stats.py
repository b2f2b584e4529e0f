"""Statistics of a sweep: mean and spread over seeds per point, and each point against alpha = 0.

One seed is an anecdote: whether distillation helped is a *paired* question (the same seeds, so the
same initialisation and batch order, with and without the teacher), answered with the mean paired
difference and its 95% Student-t interval. Selection happens on validation; test numbers are for the
chosen point only, so they are not chosen by peeking at test. This module only computes numbers;
sentences for people are made on the UI side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# two-sided 95% critical values of Student's t, by degrees of freedom (1..30)
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_critical_95(df: int) -> float:
    """Two-sided 95% critical value of Student's t with `df` degrees of freedom.

    A table up to 30, then the Cornish-Fisher expansion around the normal's 1.95996 (off by < 0.001).
    """
    if df < 1:
        raise ValueError("a t interval needs at least 2 observations")
    if df <= len(_T95):
        return _T95[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Spread:
    """Mean and spread of one point's metric over its seeds."""

    n: int
    mean: float
    std: float  # sample standard deviation (n - 1); 0 for one seed
    low: float
    high: float


def spread(values: Iterable[float]) -> Spread:
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("no values")
    n = len(xs)
    mean = sum(xs) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
    return Spread(n, mean, std, min(xs), max(xs))


@dataclass(frozen=True)
class PairedDifference:
    """`point - reference` over the seeds both have: the mean and its 95% interval."""

    n: int
    mean: float
    ci_low: float | None  # None with fewer than 2 paired seeds: no interval from one pair
    ci_high: float | None

    @property
    def excludes_zero(self) -> bool:
        return self.ci_low is not None and (self.ci_low > 0 or self.ci_high < 0)


def paired_difference(point: Mapping[int, float], reference: Mapping[int, float]) -> PairedDifference:
    """Paired by seed: d_s = point[s] - reference[s] for every seed in both; mean +/- t * sd / sqrt(n)."""
    seeds = sorted(set(point) & set(reference))
    if not seeds:
        raise ValueError("the point and the reference share no seed")
    diffs = [point[s] - reference[s] for s in seeds]
    s = spread(diffs)
    if s.n < 2:
        return PairedDifference(s.n, s.mean, None, None)
    half = t_critical_95(s.n - 1) * s.std / math.sqrt(s.n)
    return PairedDifference(s.n, s.mean, s.mean - half, s.mean + half)


def summarise(
    rows: Iterable[Mapping[str, float]], keys: tuple[str, ...] = ("temperature", "alpha"), metric: str = "val_accuracy"
) -> list[dict[str, object]]:
    """Group finished trials (`rows`: dicts with `keys`, `seed` and `metric`) into points.

    -> one dict per point: its key values, the Spread of `metric`, and its PairedDifference against the
    alpha = 0 reference (the reference at alpha 0 is the same student on labels alone; T has no effect
    there, so every alpha-0 trial of a seed is that seed's reference, averaged if there are several).
    """
    points: dict[tuple, dict[int, float]] = {}
    for r in rows:
        points.setdefault(tuple(r[k] for k in keys), {})[int(r["seed"])] = float(r[metric])
    ref_by_seed: dict[int, list[float]] = {}
    for key, by_seed in points.items():
        if dict(zip(keys, key, strict=True)).get("alpha") == 0:
            for seed, v in by_seed.items():
                ref_by_seed.setdefault(seed, []).append(v)
    reference = {s: sum(v) / len(v) for s, v in ref_by_seed.items()}
    out = []
    for key, by_seed in sorted(points.items()):
        values = dict(zip(keys, key, strict=True))
        is_ref = values.get("alpha") == 0
        diff = None if is_ref or not (set(by_seed) & set(reference)) else paired_difference(by_seed, reference)
        out.append({**values, "spread": spread(by_seed.values()), "vs_reference": diff, "is_reference": is_ref})
    return out

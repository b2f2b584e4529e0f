"""The `sweep:` section: which temperatures and alphas `workbench sweep` tries, as a grid or an Optuna search."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option


@dataclass
class SweepConfig:
    mode: str = option("grid", "grid (every T x alpha point, each with every seed) | search (Optuna samples the space)")
    temperatures: list[float] = option([1.0, 2.0, 4.0, 8.0], "temperatures to try")
    alphas: list[float] = option([0.0, 0.25, 0.5, 0.75, 1.0], "alphas to try; 0 (labels alone) is always added")
    seeds: int = option(3, "repeats of every point with seeds seed, seed+1, ...: the spread over seeds")
    n_trials: int = option(20, "trials of a search (mode: search)")
    learning_rates: list[float] = option(
        [], "search only: [low, high] learning rate range (log scale); empty keeps training.learning_rate"
    )
    objectives: str = option("accuracy", "search only: accuracy | accuracy+latency (a Pareto front, NSGA-II)")
    prune: bool = option(True, "search only: stop hopeless trials early on their validation curve")
    storage: str = option("", "Optuna storage URL; empty = sqlite file sweeps.db in the runs folder")

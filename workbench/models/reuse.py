"""In-process reuse of loaded data, teachers and tokenisations, for workers that run many trials.

A sweep worker runs trial after trial in one process; each trial is a normal distillation run, but
loading the data, loading the teacher and tokenising every split again would cost more than a short
trial trains. Inside `reusing()`, `pipeline` gets these from here, keyed by the config that produced
them; outside it (every ordinary run) each call loads afresh, as before. Cached objects are shared
by every trial, so a trial must leave them as it found them: the student is a deep copy
(`models.layers.cut_layers`); the teacher's weights are never trained, though a trial moves it between
devices and switches its attention kernel for a block (`eager_attention` restores it); a trial's
notes go into its own copy of the data's notes, never into the shared `TextData.notes`.

Speed is reused too: a model's latency depends on its architecture, precision and device, not on the
temperature, alpha, seed or learning rate a trial changes, so a worker times the teacher and each
student architecture side by side once and later trials of that architecture carry the measurement
(their report names the run that measured it).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from workbench.config import DataConfig, ModelConfig
from workbench.data import TextData, load_data
from workbench.models.loaded import LoadedModel
from workbench.models.loading import load_teacher
from workbench.models.prepared import Prepared, tokenise

_local = threading.local()


@contextlib.contextmanager
def reusing() -> Iterator[dict[str, Any]]:
    """Within this block, identical loads in this thread return the same objects."""
    previous = getattr(_local, "memo", None)
    _local.memo = {}
    try:
        yield _local.memo
    finally:
        _local.memo = previous


def _memo(key: tuple, make: Any) -> Any:
    memo = getattr(_local, "memo", None)
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def data(cfg: DataConfig) -> TextData:
    return _memo(("data", json.dumps(asdict(cfg), sort_keys=True)), lambda: load_data(cfg))


def teacher(cfg: ModelConfig, label_names: list[str]) -> LoadedModel:
    key = ("teacher", json.dumps(asdict(cfg), sort_keys=True), tuple(label_names))
    return _memo(key, lambda: load_teacher(cfg, label_names))


def tokenised(loaded: LoadedModel, text_data: TextData, max_length: int) -> Prepared:
    """The teacher's Prepared (keyed by object identity: the memo holds both, so ids stay unique)."""
    return _memo(("tokenised", id(loaded), id(text_data), max_length), lambda: tokenise(loaded, text_data, max_length))


def latency(key: tuple, measure: Any) -> tuple[dict[str, Any], bool]:
    """(measurement, reused): `measure()` once per key inside `reusing()`, every call outside it."""
    memo = getattr(_local, "memo", None)
    full = ("latency", *key)
    if memo is not None and full in memo:
        return memo[full], True
    measured = measure()
    if memo is not None:
        memo[full] = measured
    return measured, False

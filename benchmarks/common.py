"""What every benchmark variant shares: the spec it is given, the data, the student, the result file.

The orchestrator (`benchmarks.distill`) writes one `Spec` as JSON and starts each variant in its own
process with `--spec SPEC.json --out RESULT.json`; the variant trains, evaluates on validation and
writes one `Result`. Everything that must be identical across variants (data subset, teacher,
student layers, T, alpha, learning rate, epochs, seed) comes from the spec, never from a default
inside a variant, so a difference in the table is a difference in how the loop is written.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@dataclass
class Spec:
    teacher_dir: str  # a fine-tuned teacher: a run folder (with model/) or a model folder
    max_train_examples: int | None  # None = the full bundled train split
    max_eval_examples: int | None  # validation (and test) examples kept
    epochs: float = 1.0
    learning_rate: float = 1e-4
    batch_size: int = 32  # workbench and HF Trainer; the article loop uses its own 16
    temperature: float = 2.0
    alpha: float = 0.5
    max_length: int = 128
    seed: int = 42
    allow_weak_teacher: bool = False  # the smoke test distils from an untrained head
    # variant-specific settings (workbench config overrides, e.g. {"training": {"precision": "fp32"}})
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str | Path) -> Spec:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")


@dataclass
class Result:
    variant: str
    train_examples: int  # examples per epoch
    epochs: float
    examples_per_s: float  # train_examples * epochs / (teacher_s + train_s)
    teacher_s: float  # time spent computing (or loading) teacher logits
    train_s: float  # the optimisation loop, teacher forward included where it runs in the loop
    eval_s: float  # final validation evaluation
    val_accuracy: float
    precision: str
    batch_size: int
    wall_s: float = 0.0  # the whole process (imports, loading, ..., saving): set by write_result
    peak_rss_mb: float = 0.0  # ru_maxrss of the variant's process: set by write_result
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


PROCESS_START = time.perf_counter()


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def load_data(spec: Spec):
    """The bundled Rotten Tomatoes splits, limited as the spec says (the engine's own sampling)."""
    from workbench.config import DataConfig
    from workbench.data import load_data as wb_load

    return wb_load(DataConfig(max_train_examples=spec.max_train_examples, max_eval_examples=spec.max_eval_examples))


def load_teacher_and_student(spec: Spec, label_names: list[str]):
    """(teacher, student) as the engine builds them: the student keeps teacher layers [0, 2, 4]."""
    from workbench.config import ModelConfig, StudentConfig
    from workbench.models import build_student, load_teacher

    teacher = load_teacher(ModelConfig(source="run", name=spec.teacher_dir), label_names)
    student = build_student(StudentConfig(kind="layers"), teacher, label_names)
    return teacher, student


def accuracy(logits, labels) -> float:
    import torch

    return (logits.argmax(-1) == torch.as_tensor(labels)).float().mean().item()


def main_args(description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--spec", required=True, help="JSON written by benchmarks.distill")
    p.add_argument("--out", required=True, help="where to write this variant's result JSON")
    p.add_argument("--variant", default=None, help="name recorded in the result")
    return p.parse_args()


def write_result(path: str | Path, result: Result) -> None:
    result.load_after = list(os.getloadavg())
    result.peak_rss_mb = peak_rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.extra["cpu_s"] = usage.ru_utime + usage.ru_stime  # whole process; less sensitive to others' load
    result.wall_s = time.perf_counter() - PROCESS_START
    Path(path).write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")

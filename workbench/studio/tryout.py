"""Classifying a typed sentence with both models of a finished run (the Compare page's text box).

The student comes from RUN/model; the teacher is rebuilt from the run's config.yaml exactly as
training loaded it (same source, same seed before loading, so an untrained bundled head gets the
same random weights the run used). The page caches the pair; here are only loading and inference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from workbench.config import load_config
from workbench.core import WorkbenchError
from workbench.models import LoadedModel, classify, load_classifier, load_teacher
from workbench.runs import read_report


def load_run_models(run_dir: Path) -> tuple[LoadedModel, LoadedModel, int]:
    """(teacher, student, max_length) of a finished distillation run, in eval mode on CPU."""
    run_dir = Path(run_dir)
    report = read_report(run_dir) or {}
    cfg = load_config(run_dir / "config.yaml")
    labels = (report.get("data") or {}).get("label_names")
    if not labels:
        raise WorkbenchError(f"{run_dir.name} has no report with label names; is it finished?")
    torch.manual_seed(cfg.seed)
    teacher = load_teacher(cfg.teacher, labels)
    student = load_classifier("run", str(run_dir), labels)
    for m in (teacher, student):
        m.model.eval()
    return teacher, student, cfg.training.max_length


def classify_both(teacher: LoadedModel, student: LoadedModel, text: str, max_length: int) -> list[dict[str, Any]]:
    """One row per model: {model, prediction, p_<label>...} for a typed sentence."""
    if not text.strip():
        raise WorkbenchError("type a sentence to classify")
    rows = []
    for who, m in (("teacher", teacher), ("student", student)):
        probs = classify(m.model, m.tokenizer, [text.strip()], max_length)[0]  # (C,)
        names = m.label_names
        rows.append(
            {
                "model": who,
                "prediction": names[int(probs.argmax())],
                **{n: float(p) for n, p in zip(names, probs, strict=True)},
            }
        )
    return rows

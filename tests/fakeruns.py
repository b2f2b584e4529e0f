"""Run folders written by hand, so page tests need no training (same layout the engine writes)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import yaml

from workbench.config import RunConfig, to_dict


def make_run(root: Path, run_id: str, kind: str = "distill", state: str = "finished", **status) -> Path:
    d = root / run_id
    d.mkdir(parents=True)
    cfg = RunConfig(name=run_id)
    cfg.data.max_train_examples = 64
    (d / "config.yaml").write_text(yaml.safe_dump(to_dict(cfg)), encoding="utf-8")
    (d / "status.json").write_text(
        json.dumps({"state": state, "kind": kind, "name": run_id, "started": time.time(), "error": None, **status})
    )
    return d


def write_events(run_dir: Path, events: list[dict]) -> None:
    with open(run_dir / "metrics.jsonl", "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")


def model_summary(acc: float, params: int, ms: float, cm: list[list[int]]) -> dict:
    return {
        "description": f"model with {params} parameters",
        "architecture": {"layers": 6 if params > 1000 else 3},
        "validation": {"accuracy": acc, "macro_f1": acc - 0.05, "confusion_matrix": cm},
        "test": {"accuracy": acc, "macro_f1": acc - 0.05, "confusion_matrix": cm},
        "params": {"embeddings": params // 2, "encoder": params // 2 - 10, "head": 10, "total": params},
        "size_bytes": params * 4,
        "latency_ms": {"batch_1": ms, "batch_32": ms / 3},
    }


def make_finished_distill(root: Path, run_id: str = "20261127-100000-distill-demo") -> Path:
    d = make_run(root, run_id)
    report = {
        "kind": "distill",
        "state": "finished",
        "machine": "2 CPU cores",
        "temperature": 4.0,
        "alpha": 0.25,
        "data": {"label_names": ["negative", "positive"], "sizes": {"train": 64, "validation": 4, "test": 4}},
        "teacher_check": {"accuracy": 0.8, "chance": 0.5, "ok": True},
        "teacher": model_summary(0.80, 2000, 14.0, [[2, 0], [1, 1]]),
        "student": model_summary(0.776, 1000, 6.67, [[2, 0], [2, 0]]),
        "comparison": {
            "accuracy_share_validation": 0.97,
            "accuracy_share_test": 0.97,
            "agreement_validation": 0.75,
            "agreement_test": 0.75,
            "param_ratio": 0.5,
            "speedup": {"batch_1": 2.1, "batch_32": 2.5},
        },
    }
    (d / "report.json").write_text(json.dumps(report))
    header = ["split", "index", "text", "label", "teacher_pred", "teacher_p_negative", "teacher_p_positive"]
    header += ["student_pred", "student_p_negative", "student_p_positive"]
    with open(d / "predictions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for split in ("validation", "test"):
            w.writerow([split, 0, "a fine film", "positive", "positive", 0.2, 0.8, "negative", 0.6, 0.4])
            w.writerow([split, 1, "dull and long", "negative", "negative", 0.9, 0.1, "negative", 0.7, 0.3])
            w.writerow([split, 2, "so so", "negative", "negative", 0.6, 0.4, "negative", 0.55, 0.45])
            w.writerow([split, 3, "loved it", "positive", "negative", 0.6, 0.4, "negative", 0.8, 0.2])
    (d / "model").mkdir()
    (d / "model" / "config.json").write_text("{}")
    (d / "model" / "model.safetensors").write_bytes(b"\0" * 16)
    return d


def make_guided_chain(root: Path, stamp: str = "20261127-1200") -> dict[str, Path]:
    """A guided first run's three folders as `launch_first_run` leaves them: each queued and chained
    `after:` the one before it (config.yaml), none of their processes started yet (no pid, group or
    `waiting_for` in status.json). Launched a second apart, so the baseline's folder is the newest.
    Tests write the states they need on top with `write_status`."""
    dirs: dict[str, Path] = {}
    before = None
    for i, (role, kind) in enumerate((("teacher", "teacher"), ("distilled", "distill"), ("baseline", "distill"))):
        d = make_run(root, f"{stamp}0{i}-{kind}-first-run-{role}", kind=kind, state="queued", created=1000.0 + i)
        cfg = RunConfig(name=f"first-run-{role}", group=f"first-run-{stamp}", role=role, after=before)
        cfg.data.max_train_examples = 64
        (d / "config.yaml").write_text(yaml.safe_dump(to_dict(cfg)), encoding="utf-8")
        dirs[role], before = d, str(d)
    return dirs

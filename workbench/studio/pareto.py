"""The size / speed / accuracy frontier across every student run so far.

A student is on the Pareto front when no other student is at least as good on every axis (higher
accuracy, lower latency, fewer parameters) and better on one. That is the set worth choosing from;
everything else is dominated. Reads finished run folders; facts only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.runs import list_runs


def student_points(root: Path | None = None, split: str = "validation") -> list[dict[str, Any]]:
    """One point per finished distillation run that has accuracy, latency at batch 1 and a size."""
    points = []
    for info in list_runs(root):
        rep = info.report or {}
        if info.kind != "distill" or info.state != "finished" or not rep:
            continue
        student = rep.get("student", {})
        acc = student.get(split, {}).get("accuracy")
        lat = (student.get("latency_ms") or {}).get("batch_1")
        params = (student.get("params") or {}).get("total")
        if acc is None or lat is None or params is None:
            continue
        point = {
            "run": info.id,
            "format": "pytorch",
            "accuracy": acc,
            "latency_ms": lat,
            "params": params,
            "temperature": rep.get("temperature"),
            "alpha": rep.get("alpha"),
            "sweep": info.status.get("sweep"),
            "architecture": (student.get("description") or ""),
        }
        points.append(point)
        int8 = int8_point(point, student.get("int8") or {}, split)
        if int8 is not None:
            points.append(int8)
    return points


def int8_point(point: dict[str, Any], int8: dict[str, Any], split: str) -> dict[str, Any] | None:
    """The run's int8 ONNX copy as a point of its own (same parameters; its own accuracy, latency and file
    size, measured by `evaluation.quantize`), or None when the run has none."""
    acc = ((int8.get("accuracy") or {}).get(split) or {}).get("int8")
    lat = (int8.get("latency_ms") or {}).get("batch_1")
    if acc is None or lat is None:
        return None
    return {**point, "format": "int8", "accuracy": acc, "latency_ms": lat, "size_bytes": int8.get("size_bytes")}


def dominates(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """a is at least as good as b on accuracy (higher), latency and parameters (lower), better on one."""
    no_worse = a["accuracy"] >= b["accuracy"] and a["latency_ms"] <= b["latency_ms"] and a["params"] <= b["params"]
    better = a["accuracy"] > b["accuracy"] or a["latency_ms"] < b["latency_ms"] or a["params"] < b["params"]
    return no_worse and better


def pareto_front(points: list[dict[str, Any]]) -> list[bool]:
    """For each point, whether it is on the front (not dominated by any other point)."""
    return [not any(dominates(q, p) for j, q in enumerate(points) if j != i) for i, p in enumerate(points)]

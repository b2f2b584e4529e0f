"""Plain-language readings of run folders, for people who do not read report.json.

The Train and Compare pages must say "the student keeps 97% of the teacher's accuracy at 2.1x the
speed", not show raw keys. These functions turn status, metrics and reports into sentences, table
rows and chart series; they only read dictionaries, so they are tested without any model.
"""

from __future__ import annotations

import time
from typing import Any

PHASES = {
    "loading": "loading data and models",
    "checking_teacher": "checking the teacher's accuracy",
    "teacher_checked": "teacher checked",
    "teacher_logits_start": "computing the teacher's answers",
    "teacher_logits": "teacher's answers ready",
    "training": "training",
    "evaluating": "evaluating and measuring speed",
    "done": "done",
}

STATE_WORDS = {
    "queued": "waiting for the current run to finish",
    "running": "running",
    "finished": "finished",
    "failed": "failed",
    "stopped": "stopped",
}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}" if abs(x) >= 0.1 else f"{x:.1%}"


def human_bytes(n: float | None) -> str:
    if n is None:
        return "–"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def human_count(n: float | None) -> str:
    if n is None:
        return "–"
    if n >= 1e6:
        return f"{n / 1e6:.1f}M"
    if n >= 1e3:
        return f"{n / 1e3:.0f}k"
    return str(int(n))


def human_seconds(s: float | None) -> str:
    if s is None:
        return "–"
    s = max(0.0, float(s))
    if s < 10:
        return f"{s:.1f} s"
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60):02d} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min"


def headline(report: dict[str, Any], split: str = "test") -> str:
    """One sentence: share of accuracy kept, speed-up and size of a distillation run."""
    if report.get("kind") != "distill" or "comparison" not in report:
        t = report.get("teacher", {}).get(split, {})
        if "accuracy" in t:
            return f"The fine-tuned teacher gets {pct(t['accuracy'])} of the {split} examples right."
        return "This run has no results yet."
    comp = report["comparison"]
    share = comp.get(f"accuracy_share_{split}")
    speed = comp.get("speedup", {}).get("batch_1")
    ratio = comp.get("param_ratio")
    if share is not None and share >= 1:
        parts = [f"The student is as accurate as the teacher ({pct(share)} of its accuracy)"]
    else:
        parts = [f"The student keeps {pct(share)} of the teacher's accuracy"]
    if speed:
        parts.append(f"at {speed:.1f}x the speed (one sentence at a time)")
    if ratio:
        parts.append(f"with {pct(ratio)} of its parameters")
    return " ".join(parts) + "."


def teacher_warning(report: dict[str, Any]) -> str | None:
    """A sentence when the run distilled from a teacher no better than always guessing one class."""
    tc = report.get("teacher_check") or {}
    if tc and not tc.get("ok", True):
        return (
            f"The teacher scored {pct(tc.get('accuracy'))} on validation, no better than always guessing the most "
            f"common label ({pct(tc.get('chance'))}), so its advice was close to noise. Fine-tune the teacher first."
        )
    return None


def progress(status: dict[str, Any], events: list[dict[str, Any]], stopping: bool = False) -> dict[str, Any]:
    """Fraction done, ETA and a short text for a progress bar (`stopping`: a stop was asked for)."""
    state = status.get("state", "unknown")
    steps = [e for e in events if e.get("type") == "step"]
    phase = status.get("phase") or ""
    total = next((e.get("total_steps") for e in reversed(events) if e.get("total_steps")), None)
    done = steps[-1]["step"] if steps else 0
    fraction = min(1.0, done / total) if total else 0.0
    if state == "finished":
        fraction = 1.0
    eta = steps[-1].get("eta_s") if steps and state == "running" else None
    if stopping and state in ("queued", "running"):
        text = f"Stopping after step {done}: the engine saves and evaluates the best model so far, then marks the run stopped."
        eta = None
    elif state == "queued":
        text = "Waiting: another run is training; this one starts when it finishes."
    elif state == "running":
        words = PHASES.get(phase, phase or "starting")
        text = f"Step {done} of {total}: {words}" if total else f"Starting: {words}"
        if eta is not None and phase == "training":
            text += f", about {human_seconds(eta)} left"
    else:
        text = f"Run {STATE_WORDS.get(state, state)}."
    return {"fraction": fraction, "eta_s": eta, "text": text, "step": done, "total_steps": total}


def metric_series(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows for the live charts: {"steps": [...], "evals": [...]}."""
    keys = ("step", "epoch", "loss", "loss_soft", "loss_hard", "lr", "examples_per_s", "elapsed_s", "eta_s")
    steps = [{k: e.get(k) for k in keys} for e in events if e.get("type") == "step"]
    evals = [
        {k: e.get(k) for k in ("step", "epoch", "accuracy", "macro_f1")} for e in events if e.get("type") == "eval"
    ]
    return {"steps": steps, "evals": evals}


def thin(rows: list[dict[str, Any]], max_points: int = 200) -> list[dict[str, Any]]:
    """Every k-th row, plus the last, so a chart of a long run stays light to send and to draw.

    200 points a line: more than a 600-pixel-wide chart shows.

    The stride only grows as the run does, so the points already drawn mostly stay where they were.
    """
    if len(rows) <= max_points:
        return rows
    k = -(-len(rows) // max_points)
    out = rows[::k]
    if out[-1] is not rows[-1]:
        out.append(rows[-1])
    return out


def history_row(run_id: str, status: dict[str, Any], report: dict[str, Any] | None, config: dict[str, Any] | None):
    """A row of the history table: what ran, with which settings, and how it went."""
    report = report or {}
    config = config or {}
    kind = status.get("kind", "?")
    tc = config.get("training" if kind == "distill" else "teacher_training", {}) or {}
    data = config.get("data", {}) or {}
    who = "student" if kind == "distill" else "teacher"
    acc = (report.get(who) or {}).get("test", {}).get("accuracy")
    started = status.get("started") or status.get("created")
    row = {
        "run": run_id,
        "what": "distillation" if kind == "distill" else "teacher fine-tuning" if kind == "teacher" else kind,
        "state": status.get("state", "?"),
        "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)) if started else "",
        "T": (config.get("distill") or {}).get("temperature") if kind == "distill" else None,
        "alpha": (config.get("distill") or {}).get("alpha") if kind == "distill" else None,
        "epochs": tc.get("epochs"),
        "train examples": data.get("max_train_examples") or "all",
        "test accuracy": None if acc is None else round(acc, 4),
        "result": headline(report) if report else (status.get("error") or ""),
    }
    if status.get("state") == "failed":
        row["result"] = f"Error: {status.get('error') or 'unknown error (see log.txt)'}"
    return row

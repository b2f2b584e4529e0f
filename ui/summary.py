"""Plain-language readings of run folders, for people who do not read report.json.

The Train and Compare pages must say "the student keeps 97% of the teacher's accuracy at 2.1x the
speed", not show raw keys. These functions turn status, metrics and reports into sentences, table
rows and chart series; they only read dictionaries, so they are tested without any model.
"""

from __future__ import annotations

import time
from typing import Any

from ui.speed import interval, ms_with_spread, speed_reading, unsure_reason  # noqa: F401  (re-exported: one reading)
from ui.wording import PHASES, RUN_STATES, SPLIT_WORDS
from workbench.evaluation import majority_of_confusion


def _phase_words(event: dict[str, Any]) -> str:
    """What a progress event's phase is doing, in words ("Computing the teacher's answers (training data)")."""
    split = SPLIT_WORDS.get(event.get("split") or "", event.get("split"))
    if event.get("phase") == "teacher_logits":
        return "Computing the teacher's answers" + (f" ({split} data)" if split else "")
    if event.get("phase") == "evaluating":
        who = event.get("role") or "model"
        return f"Evaluating the {who}" + (f" on the {split} data" if split else "")
    if event.get("phase") == "speed":
        return "Measuring speed"
    return str(event.get("phase", "working")).replace("_", " ").capitalize()


def phase_progress(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The current phase's latest progress event, or None when a step or a new phase came after it.

    Computing the teacher's answers, the final evaluation and the speed measurement log no training
    steps; their progress events are what keeps the bar from sitting empty for minutes.
    """
    for e in reversed(events):
        if e.get("type") == "progress":
            return e if e.get("total") else None
        if e.get("type") in ("phase", "step"):
            return None
    return None


def progress_text(event: dict[str, Any]) -> str:
    """ "Computing the teacher's answers (training data): 1,200 of 8,000 examples, about 40 s left"."""
    unit = event.get("unit") or "examples"
    text = f"{_phase_words(event)}: {event['done']:,} of {event['total']:,} {unit}"
    if event.get("eta_s") is not None and event["done"] < event["total"]:
        text += f", about {human_seconds(event['eta_s'])} left"
    return text


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


# Thresholds of the headline. One seed, one test set: small gaps are noise, and words like "slower"
# or "matches" must not flip on a rounding difference.
WEAK_MARGIN = 0.05  # a useful teacher clears the majority-class baseline by this much (the config's default margin)
SAME_POINTS = 0.5  # student within half a point of the teacher: it "matches"
NOISE_POINTS = 1.0  # at least this many points between two runs of one seed before calling a difference real
SAME_SPEED = 0.1  # a speed ratio within 10% of 1 reads "about as fast"


def _acc_pair(a: float, b: float) -> str:
    """ "84% vs 82%"; one decimal when whole percents would print the same number twice."""
    if f"{a:.0%}" == f"{b:.0%}":
        return f"{a:.1%} vs {b:.1%}"
    return f"{pct(a)} vs {pct(b)}"


def majority_baseline(cm: list[list[int]] | None) -> tuple[int, float] | None:
    """(class index, share) of the most common true label, from a confusion matrix (rows = true labels).

    What a model that always answers that class scores: the floor a teacher must clear.
    """
    return majority_of_confusion(cm)


def one_class_macro_f1(share: float, num_classes: int) -> float:
    """Macro-F1 of always answering the majority class: F1 = 2p / (1 + p) for that class, 0 for the rest."""
    return 2 * share / (1 + share) / max(1, num_classes)


def teacher_strength(model: dict[str, Any], split: str, label_names: list[str]) -> dict[str, Any] | None:
    """The teacher's accuracy and macro-F1 against the majority-class baseline of the split's labels.

    `weak`: it clears that baseline by less than WEAK_MARGIN, or its macro-F1 is within WEAK_MARGIN of
    a model that always answers the majority class (it gives mostly one answer).
    """
    m = model.get(split) or {}
    base = majority_baseline(m.get("confusion_matrix"))
    if base is None or m.get("accuracy") is None:
        return None
    top, share = base
    n = len(m["confusion_matrix"])
    near_chance = m["accuracy"] - share < WEAK_MARGIN
    f1 = m.get("macro_f1")
    one_answer = f1 is not None and f1 < one_class_macro_f1(share, n) + WEAK_MARGIN
    return {
        "accuracy": m["accuracy"],
        "macro_f1": f1,
        "majority": share,
        "majority_label": label_names[top] if top < len(label_names) else str(top),
        "near_chance": near_chance,
        "one_answer": one_answer,
        "weak": near_chance or one_answer,
    }


def _weak_teacher_sentence(ts: dict[str, Any], split: str, who: str = "the teacher") -> str:
    always = f'always answering "{ts["majority_label"]}" scores {pct(ts["majority"])}'
    f1 = f"its macro-F1 of {pct(ts['macro_f1'])} shows it gives mostly one answer"
    if ts["near_chance"]:
        head = (
            f"Careful: {who} is barely better than guessing: it scored {pct(ts['accuracy'])} on {split}, and {always}"
        )
        head += f"; {f1}." if ts["one_answer"] else "."
    else:
        head = f"Careful: {who} gives mostly one answer: {f1} (accuracy {pct(ts['accuracy'])} on {split}; {always})."
    return head


def assess(
    report: dict[str, Any], split: str = "test", baseline_report: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The facts the headline is made of, and `caution`: whether it should be read as a warning."""
    names = (report.get("data") or {}).get("label_names") or []
    t = (report.get("teacher") or {}).get(split) or {}
    s = (report.get("student") or {}).get(split) or {}
    out: dict[str, Any] = {
        "teacher": teacher_strength(report.get("teacher") or {}, split, names),
        "teacher_acc": t.get("accuracy"),
        "student_acc": s.get("accuracy"),
        "speed": speed_reading(report),
        "baseline_acc": None,
        "baseline_diff_points": None,
        "baseline_noise_points": None,
    }
    if baseline_report:
        b_acc = ((baseline_report.get("student") or {}).get(split) or {}).get("accuracy")
        if b_acc is not None and out["student_acc"] is not None:
            out["baseline_acc"] = b_acc
            out["baseline_diff_points"] = (out["student_acc"] - b_acc) * 100
            out["baseline_noise_points"] = noise_points(out["student_acc"], b_acc, _split_size(report, split))
    weak = bool(out["teacher"] and out["teacher"]["weak"])
    t_acc, s_acc = out["teacher_acc"], out["student_acc"]
    better = t_acc is not None and s_acc is not None and (s_acc - t_acc) * 100 > SAME_POINTS
    speed = out["speed"]
    slower = speed["speedup"] is not None and not speed["unsure"] and speed["speedup"] <= 1 - SAME_SPEED
    no_gain = out["baseline_diff_points"] is not None and out["baseline_diff_points"] < out["baseline_noise_points"]
    out.update(student_better=better, slower=slower, caution=weak or better or slower or speed["unsure"] or no_gain)
    return out


def _split_size(report: dict[str, Any], split: str) -> int | None:
    cm = ((report.get("student") or {}).get(split) or {}).get("confusion_matrix")
    if cm:
        return sum(sum(row) for row in cm)
    return ((report.get("data") or {}).get("sizes") or {}).get(split)


def noise_points(a: float, b: float, n: int | None) -> float:
    """How many points two accuracies on the same n examples may differ by chance, at least NOISE_POINTS.

    One standard error of the difference of two independent proportions, sqrt(a(1-a)/n + b(1-b)/n):
    a cautious bound (the two models answer the same examples, which makes the true error smaller),
    and on a test set of a few hundred examples it is well above one point.
    """
    if not n:
        return NOISE_POINTS
    se = (a * (1 - a) / n + b * (1 - b) / n) ** 0.5 * 100
    return max(NOISE_POINTS, se)


def steps_made(report: dict[str, Any] | None) -> int | None:
    """The optimizer steps a run made, from its report's `training` block (None when not recorded)."""
    steps = ((report or {}).get("training") or {}).get("steps")
    return steps if isinstance(steps, int) else None


def early_stop_plan(report: dict[str, Any] | None, baseline_report: dict[str, Any] | None) -> int | None:
    """The training steps a distilled run and its baseline were both planned for, when early stopping ended
    either: a different count made is then the shared rule at work, not an unfair plan. None otherwise."""
    a, b = ((r or {}).get("training") or {} for r in (report, baseline_report))
    if not (a.get("stopped_early") or b.get("stopped_early")):
        return None
    plan = a.get("total_steps")
    return plan if isinstance(plan, int) and plan == b.get("total_steps") else None


def headline(report: dict[str, Any], split: str = "test", baseline_report: dict[str, Any] | None = None) -> str:
    """A few sentences that hold up in front of others: what the run shows, warnings first.

    Distillation runs: a weak teacher (near the majority-class baseline of the split, or answering
    mostly one class) leads; then the student's accuracy next to the teacher's (a student that beats
    its teacher says so, and what that usually means); its speed, "slower" when it is, "unclear" when
    the timings cannot tell; and, given `baseline_report` (the same student trained without the
    teacher), whether distillation beat it, in points with sign, "within noise" when it is that close.
    """
    if report.get("kind") != "distill" or "comparison" not in report:
        t = (report.get("teacher") or {}).get(split) or {}
        if "accuracy" not in t:
            return "This run has no results yet."
        text = f"The fine-tuned teacher gets {pct(t['accuracy'])} of the {split} examples right."
        ts = teacher_strength(report.get("teacher") or {}, split, (report.get("data") or {}).get("label_names") or [])
        if ts and ts["weak"]:
            text = _weak_teacher_sentence(ts, split) + " " + text + " Train it longer before distilling from it."
        return text
    a = assess(report, split, baseline_report)
    out: list[str] = []
    if a["teacher"] and a["teacher"]["weak"]:
        out.append(
            _weak_teacher_sentence(a["teacher"], split) + " Fine-tune it further before trusting this comparison."
        )
    t_acc, s_acc = a["teacher_acc"], a["student_acc"]
    if t_acc is not None and s_acc is not None:
        on = f"{_acc_pair(s_acc, t_acc)} on {split}"
        if a["student_better"]:
            out.append(f"The student scored higher than the teacher ({on}): the teacher may be under-trained.")
        elif abs(s_acc - t_acc) * 100 <= SAME_POINTS:
            out.append(f"The student matches the teacher's accuracy ({on}).")
        else:
            out.append(f"The student keeps {pct(s_acc / t_acc if t_acc else None)} of the teacher's accuracy ({on}).")
    sp = a["speed"]
    x = sp["speedup"]
    if x is None:
        speed = "Its speed was not measured"
    elif sp["unsure"]:
        speed = f"Its speed next to the teacher's is unclear ({unsure_reason(sp)})"
    elif a["slower"]:
        speed = f"It is slower than the teacher: one sentence takes {1 / x:.1f}x as long"
    elif x < 1 + SAME_SPEED:
        speed = "It is about as fast as the teacher one sentence at a time"
    else:
        speed = f"It is {x:.1f}x as fast one sentence at a time"
    ratio = (report.get("comparison") or {}).get("param_ratio")
    if ratio and x is not None and not sp["unsure"]:
        out.append(f"{speed}, with {pct(ratio)} of the teacher's parameters.")
    else:
        out.append(f"{speed}." + (f" It has {pct(ratio)} of the teacher's parameters." if ratio else ""))
    d = a["baseline_diff_points"]
    if d is not None:
        b = pct(a["baseline_acc"]) if f"{a['baseline_acc']:.0%}" != f"{s_acc:.0%}" else f"{a['baseline_acc']:.1%}"
        if abs(d) < a["baseline_noise_points"]:
            out.append(
                f"Without the teacher, the same student scores {b} ({d:+.1f} points for distillation): within noise "
                "(one seed: a difference this small is not conclusive)."
            )
        elif d > 0:
            out.append(f"Distillation helped: without the teacher, the same student scores {b} ({d:+.1f} points).")
        else:
            out.append(
                f"Distillation did not help: without the teacher, the same student scores {b} "
                f"({d:+.1f} points for distillation)."
            )
    return " ".join(out)


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
    elif state == "running" and phase_progress(events) is not None:
        current = phase_progress(events)
        text = progress_text(current)
        fraction = min(1.0, current["done"] / current["total"])
        eta = current.get("eta_s")
    elif state == "running":
        words = PHASES.get(phase, phase or "starting")
        text = f"Step {done} of {total}: {words}" if total else f"Starting: {words}"
        if eta is not None and phase == "training":
            text += f", about {human_seconds(eta)} left"
    else:
        text = f"Run {RUN_STATES.get(state, state)}."
    return {"fraction": fraction, "eta_s": eta, "text": text, "step": done, "total_steps": total}


def metric_series(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows for the live charts: {"steps": [...], "evals": [...]}."""
    keys = (
        "step", "epoch", "loss", "loss_soft", "loss_hard", "loss_hidden", "loss_attention", "lr",
        "examples_per_s", "elapsed_s", "eta_s",
    )  # fmt: skip
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


def _train_examples(data: dict[str, Any]) -> Any:
    """'all', a cap (64), or a label budget ('64 per class': a few-label run; its pool is not counted)."""
    if data.get("labels_per_class"):
        return f"{data['labels_per_class']} per class"
    return data.get("max_train_examples") or "all"


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
        "train examples": _train_examples(data),
        "test accuracy": None if acc is None else round(acc, 4),
        "result": headline(report) if report else (status.get("error") or ""),
    }
    if status.get("state") == "failed":
        row["result"] = f"Error: {status.get('error') or 'unknown error (see log.txt)'}"
    return row

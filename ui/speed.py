"""One reading of a run's speed, for every place that prints it.

The Train page (result box, History), Compare (metric, table, warning), the model card and the HTML
report all read speed through `speed_reading`, so a run never shows two speed-ups (issue 18 item 6:
Train said 1.9x where Compare said 2.3x). Three rules make the number one number:

- the speed-up is the ratio of the two medians the report shows (teacher ms / student ms at the same
  batch size); `comparison.speedup` is used only when a report carries no medians (a hand-written or
  very old one), so the headline can never disagree with the bars and the ms rows under it;
- one measurement per pair: a no-teacher baseline trains the same student architecture as its
  distilled run, so it shows the distilled run's timing (`pair_timing`) instead of a second,
  differently noisy one of the same two models; Measure again re-times that one run;
- a reading is unsure (busy machine, overlapping middle halves, or timings that varied a lot
  between repeats): then every place says "unclear" instead of a number.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import streamlit as st

from ui.wording import SPEED_UNSURE, SPEED_UNSURE_DETAIL
from workbench.core import files_stamp
from workbench.runs import find_distilled, read_report

# "Noisy" timings: the rounds of one model varied so much that its median is not a firm figure.
# The slowest round may be one GC pause or page fault away from the rest, so it alone must be far
# out (3x the median; issue 18 saw 92.7 ms around a median of 20.4: 4.5x) before it counts; the middle
# half of the rounds (p25-p75) wider than half the median means the typical round itself wandered.
NOISY_MAX = 3.0
NOISY_MIDDLE = 0.5


def interval(spread: Any, inner: bool = False) -> tuple[float, float] | None:
    """(low, high) of a timing spread: reports store {min, p25, p75, max} per batch size (older ones and
    tests [low, high]). `inner` gives the middle half of the rounds (p25-p75), robust to one slow round."""
    if not spread:
        return None
    if isinstance(spread, dict):
        lo, hi = ("p25", "p75") if inner else ("min", "max")
        return (float(spread[lo]), float(spread[hi])) if lo in spread and hi in spread else None
    return float(spread[0]), float(spread[-1])


def noisy(ms: float | None, spread: Any) -> bool:
    """Did one model's rounds vary too much for its median to be trusted (see NOISY_MAX, NOISY_MIDDLE)?"""
    if not ms or not spread:
        return False
    whole, middle = interval(spread), interval(spread, inner=True)
    far_out = whole is not None and whole[1] > NOISY_MAX * ms
    wide = middle is not None and middle[1] - middle[0] > NOISY_MIDDLE * ms
    return far_out or wide


def speed_reading(report: dict[str, Any], key: str = "batch_1") -> dict[str, Any]:
    """What the report says about speed at one batch size, and whether that can be trusted.

    Newer reports carry a median per model (`latency_ms`), its spread (`latency_spread_ms`: min, p25,
    p75, max of the rounds), `latency_busy` (the machine was loaded beyond its cores while timing) and the precision
    both were timed in; older ones only the first. `why` says why the ratio is unsure, first reason first:
    "busy", "overlap" (the middle halves of the two models' rounds overlap: it cannot even be said which
    is faster) or "noisy" (one model's rounds varied a lot, see `noisy`); None when it can be trusted.
    """
    t, s = report.get("teacher") or {}, report.get("student") or {}
    t_ms = (t.get("latency_ms") or {}).get(key)
    s_ms = (s.get("latency_ms") or {}).get(key)
    # the ratio of the medians shown beside it; the stored ratio only when there are no medians to divide
    speedup = t_ms / s_ms if t_ms and s_ms else ((report.get("comparison") or {}).get("speedup") or {}).get(key)
    raw_t = (t.get("latency_spread_ms") or {}).get(key)
    raw_s = (s.get("latency_spread_ms") or {}).get(key)
    t_spread, s_spread = interval(raw_t), interval(raw_s)
    busy = bool(report.get("latency_busy") or t.get("latency_busy") or s.get("latency_busy"))
    t_mid, s_mid = interval(raw_t, inner=True), interval(raw_s, inner=True)
    overlap = bool(t_mid and s_mid and t_mid[0] <= s_mid[1] and s_mid[0] <= t_mid[1])
    noisy_model = "teacher" if noisy(t_ms, raw_t) else "student" if noisy(s_ms, raw_s) else None
    why = None
    if speedup is not None:
        why = "busy" if busy else "overlap" if overlap else "noisy" if noisy_model else None
    conditions = report.get("latency_conditions") or {}
    return {
        "key": key,
        "speedup": speedup,
        "teacher_ms": t_ms,
        "student_ms": s_ms,
        "teacher_spread": t_spread,
        "student_spread": s_spread,
        "busy": busy,
        "overlap": overlap,
        "noisy": noisy_model is not None,
        "noisy_model": noisy_model,
        "why": why,
        "unsure": why is not None,
        "precision": report.get("latency_precision"),
        "has_spread": bool(t_spread or s_spread),
        "measured_in": conditions.get("measured_in"),
        "pair_of": conditions.get("pair_of"),
    }


def unsure_reason(sp: dict[str, Any], detailed: bool = False) -> str:
    """Why a reading is unsure, inside a sentence: short for the headline, `detailed` for Compare's warning."""
    if not sp.get("why"):
        return ""
    if not detailed:
        return SPEED_UNSURE[sp["why"]]
    who = sp.get("noisy_model") or "teacher"
    low_high = sp.get(f"{who}_spread") or (0.0, 0.0)
    return SPEED_UNSURE_DETAIL[sp["why"]].format(
        who=who, low=low_high[0], high=low_high[1], median=sp.get(f"{who}_ms") or 0.0
    )


def speed_text(sp: dict[str, Any], slower: bool = False) -> str:
    """The speed-up as a metric shows it: "2.1x", "0.7x (slower)", "unclear" or "not measured"."""
    if sp["speedup"] is None:
        return "not measured"
    if sp["unsure"]:
        return "unclear"
    return f"{sp['speedup']:.1f}x" + (" (slower)" if slower else "")


def ms_with_spread(ms: float | None, spread: Any) -> str:
    """ "12.3 ms (11.9–14.0)": the median and the range of the repeated timings."""
    if ms is None:
        return "–"
    low_high = interval(spread)
    if low_high:
        return f"{ms:.1f} ms ({low_high[0]:.1f}–{low_high[1]:.1f})"
    return f"{ms:.1f} ms"


MODEL_TIMING = ("latency_ms", "latency_spread_ms", "latency_busy")
RUN_TIMING = ("latency_precision", "latency_busy")


def with_timing_of(report: dict[str, Any], source: dict[str, Any], source_id: str) -> dict[str, Any]:
    """A copy of `report` whose speed facts are `source`'s (a run of the same two models), noting
    `pair_of`: the run whose timing it shows (and `measured_in`: the run that timed them)."""
    out = copy.deepcopy(report)
    for who in ("teacher", "student"):
        mine, theirs = out.setdefault(who, {}), source.get(who) or {}
        for k in MODEL_TIMING:
            mine[k] = copy.deepcopy(theirs.get(k))
    for k in RUN_TIMING:
        out[k] = source.get(k)
    conditions = dict(source.get("latency_conditions") or {})
    conditions.setdefault("measured_in", source_id)
    out["latency_conditions"] = {**conditions, "pair_of": source_id}
    speedup = (source.get("comparison") or {}).get("speedup")
    if "comparison" in out:
        out["comparison"] = {**out["comparison"], "speedup": copy.deepcopy(speedup or {})}
    return out


@st.cache_data(show_spinner=False, max_entries=256)
def _twin(run_dir: str, stamp: str) -> str | None:
    twin = find_distilled(Path(run_dir))
    return str(twin) if twin else None


def twin_of(run_dir: Path) -> Path | None:
    """`find_distilled`, remembered until a run folder appears, goes or changes its status (History asks
    for every baseline at every rerun, and the configs it compares take a tenth of a second to load)."""
    root = Path(run_dir).parent
    statuses = sorted(d / "status.json" for d in root.iterdir() if d.is_dir()) if root.is_dir() else []
    twin = _twin(str(run_dir), files_stamp(*statuses, Path(run_dir) / "config.yaml"))
    return Path(twin) if twin else None


def timing_run(run_dir: Path, report: dict[str, Any] | None) -> Path:
    """The run whose timing `run_dir`'s report shows: its distilled run for a no-teacher baseline that
    has one with a timing (one measurement per pair), else the run itself. Measure again re-times this run."""
    if not report or report.get("kind") != "distill" or report.get("alpha") != 0:
        return Path(run_dir)
    twin = twin_of(run_dir)
    twin_report = read_report(twin) if twin else None
    if twin is None or not ((twin_report or {}).get("student") or {}).get("latency_ms"):
        return Path(run_dir)
    return twin


def pair_timing(run_dir: Path, report: dict[str, Any] | None) -> dict[str, Any] | None:
    """`report` as every page should read its speed: a baseline's with its distilled run's timing
    (`timing_run`), any other run's as it is."""
    source = timing_run(run_dir, report)
    if source == Path(run_dir) or report is None:
        return report
    return with_timing_of(report, read_report(source) or {}, source.name)

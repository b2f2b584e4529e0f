"""The guided first run in the UI, and the hand-offs between steps (teacher -> distil -> compare).

A newcomer should not have to know that a teacher must be fine-tuned before it can teach, nor
which run to pick next: the pages ask this module what the next sensible step is, and the button
for it is the primary one. The engine launches and finds the runs (`workbench.runs.guided`,
`workbench.runs.queries`); this module only words them and moves the draft config along.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import streamlit as st

from ui.state import OPEN_RUN_KEY, save_cfg
from ui.summary import human_seconds
from ui.wording import RUN_STATES, STEP_STARTING, STEP_STATES, STEPS
from workbench.config import ModelConfig, RunConfig
from workbench.core import cpu_has_native_bf16
from workbench.runs import RunInfo

ROOT = Path(__file__).resolve().parent.parent
MEASURED = ROOT / "benchmarks" / "results" / "first_run.json"
QUIET_MINUTES = (4, 5)  # derived for the full bundled data, not measured (benchmarks/results/first_run_search.md)


def measured_file(student: str = "layers") -> Path:
    """The project's benchmark of the guided first run with this student (`benchmarks/first_run.py
    --student`): first_run.json for the student cut from the teacher, first_run_<kind>.json else."""
    return MEASURED if student == "layers" else MEASURED.with_name(f"first_run_{student}.json")


def few_labels_estimate_text() -> str:
    """The few-label story's time: the few-label benchmark's teacher + student on the whole pool, measured
    on an idle 2-core machine (`benchmarks/results/few_labels.json`); the baseline learns from the labelled
    few alone and adds a minute or two."""
    try:
        runs = json.loads(MEASURED.with_name("few_labels.json").read_text(encoding="utf-8"))["runs"]
        minutes = [(r["teacher_seconds"] + r["student_seconds"]) / 60 for r in runs]
    except (OSError, ValueError, KeyError, TypeError):
        minutes = []
    if not minutes:
        return "**half an hour or more** on a 2-core laptop: the teacher labels every unlabelled text."
    low, high = math.floor(min(minutes)), math.ceil(max(minutes)) + 2
    return (
        f"About **{low}-{high} minutes** on an idle 2-core laptop (measured by `benchmarks.few_labels`): "
        "the teacher labels every unlabelled text for the student."
    )


def estimate_text(n_train: int | None, measured: tuple[float, int] | None, student: str = "layers") -> str:
    """How long the three runs take, said before they start, and how sure that figure is.

    `n_train`: the training examples the runs will use (None: unknown). `measured`: (seconds,
    training examples) of a guided first run that finished on this machine, if any; time grows
    about linearly with the training examples, so it is scaled to `n_train`. `student`: the story's
    student family; its own benchmark figure is used (a BiLSTM trains more passes, each much cheaper).
    """
    if measured:
        seconds, n = measured
        scaled = seconds * (n_train / n) if n_train and n else seconds
        return (
            f"About **{human_seconds(scaled)}**: a first run on this machine took {human_seconds(seconds)} "
            f"for {n:,} training examples."
        )
    try:
        bench = json.loads(measured_file(student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        bench = {}
    full = (bench.get("data_sizes") or {}).get("train")
    share = min(1.0, n_train / full) if n_train and full else 1.0
    # the project's benchmark of the full first run on an idle 2-core machine, else the derived figure
    quiet = float(bench.get("minutes") or 0) or None
    low, high = (quiet, quiet) if quiet else QUIET_MINUTES
    # measured on a CPU with native bf16, run on one without: fp32 throughout. Up to three times the
    # time: the distillation benchmark's fp32 run took 2.1x its bf16 one on the same VM, and the story
    # took 8.0 minutes on a VM without bf16 against 2.6 on the one with (different VMs and code)
    slower = bool(quiet) and "native bf16" in str(bench.get("machine", "")) and not cpu_has_native_bf16()
    high *= 3 if slower else 1
    # loading the models and evaluating them take a minute or so whatever the number of examples
    lo, hi = max(1, math.floor(low * share)), max(2, math.ceil(high * share))
    source = f"measured {quiet:.1f} minutes for all the data" if quiet else "an estimate"
    if slower:
        source += " on a CPU with native bf16, which this one lacks"
    return f"About **{lo}-{hi} minutes** on an idle 2-core laptop ({source}; slower while the computer is busy)."


def use_teacher(cfg: RunConfig, run_dir: str | Path) -> None:
    """Make the fine-tuned teacher of run `run_dir` the draft's teacher, and forget the widgets
    that still show the old choice (Setup's radio and picker seed themselves from the config)."""
    cfg.teacher = ModelConfig(source="run", name=str(run_dir))
    for key in ("setup_teacher_source", "setup_teacher_run", "temp_teacher"):
        st.session_state.pop(key, None)
    save_cfg()


def use_teacher_button(cfg: RunConfig, info: RunInfo, key: str) -> None:
    """'Use this teacher' under a finished teacher run: primary, since distilling is the next step."""
    if info.kind != "teacher" or info.state != "finished" or not (info.run_dir / "model").is_dir():
        return
    if cfg.teacher.source == "run" and Path(cfg.teacher.name) == info.run_dir:
        st.success("This is the selected teacher: the next distillation learns from it.")
        return
    if st.button("Use this teacher", type="primary", key=f"use_teacher_{key}", icon=":material/check:"):
        use_teacher(cfg, info.run_dir)
        st.rerun()


def compare_button(info: RunInfo, key: str) -> None:
    """'Compare teacher and student' under a distillation that ended with a report (finished, or stopped
    with its last checkpoint measured): the card a demo-giver looks at should lead to the comparison."""
    if not (info.kind == "distill" and info.state in ("finished", "stopped") and info.report):
        return
    if st.button("Compare teacher and student", key=f"compare_{key}", icon=":material/compare_arrows:"):
        open_compare(info.id)


def step_line(i: int, role: str, info: RunInfo | None) -> str:
    """'Step 2/3 · Distil the student from it: waiting for the teacher run (…) to finish'."""
    if info is None:
        return f"**Step {i}/3 · {STEPS[role]}**: not started"
    status: dict[str, Any] = info.status
    state = info.state
    words = STEP_STATES.get(state, state)
    if state == "queued" and status.get("waiting_for") and status.get("waiting_for_label"):
        words = f"waiting for {status['waiting_for_label']} to finish"
    elif state == "queued" and status.get("queued_since"):
        words = RUN_STATES["queued"]  # its turn came; another run holds the training slot
    elif state == "queued" and role == "teacher":
        words = STEP_STARTING  # the first step waits for nothing: its process is getting ready
    elif state == "queued":
        words = "waiting for the run before it to finish"
    elif state == "failed" and status.get("error"):
        words = f"failed: {status['error']}"
    return f"**Step {i}/3 · {STEPS[role]}**: {words}"


def show_steps(group: dict[str, RunInfo]) -> bool:
    """The guided run's three steps with their states; True when all three finished."""
    for i, role in enumerate(("teacher", "distilled", "baseline"), 1):
        info = group.get(role)
        line = step_line(i, role, info)
        state = info.state if info else None
        if state == "finished":
            st.markdown(f":material/check_circle: {line}")
        elif state == "running":
            st.markdown(f":material/autorenew: {line}")
        elif state in ("failed", "stopped"):
            st.markdown(f":material/error: {line}")
        else:
            st.markdown(f":material/hourglass_empty: {line}")
    return all(group.get(r) is not None and group[r].state == "finished" for r in STEPS)


def open_compare(run_id: str) -> None:
    st.session_state["compare_run"] = run_id
    st.session_state.pop("cmp_run", None)
    st.switch_page("pages/compare.py")


LAST_SHOWN_KEY = "wb_last_shown"


def remember_open(run_dir: Path) -> None:
    """A run this session started: History opens it, and Current run shows it once nothing trains."""
    st.session_state[OPEN_RUN_KEY] = str(run_dir)
    st.session_state[LAST_SHOWN_KEY] = str(run_dir)


def remember_shown(run_dir: Path) -> None:
    """The run the live panel shows: it stays the one shown after it ends (instead of a blank panel)."""
    st.session_state[LAST_SHOWN_KEY] = str(run_dir)


def last_shown() -> Path | None:
    """The run Current run shows when nothing trains: the last one shown live, else the last started."""
    for key in (LAST_SHOWN_KEY, OPEN_RUN_KEY):
        d = Path(st.session_state.get(key) or "")
        if d.name and (d / "status.json").is_file():
            return d
    return None


def teacher_label(run: dict[str, Any]) -> str:
    """A picker's line for a fine-tuned teacher run (from `workbench.runs.finished_teacher_runs`)."""
    acc = run.get("accuracy")
    return f"{run['id']} (test accuracy {acc:.0%})" if acc is not None else run["id"]

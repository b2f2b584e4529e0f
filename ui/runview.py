"""Drawing one run from its folder: progress, live charts, errors and the result sentence; the runs
waiting behind it; Resume under one that was interrupted.

Used by the Train page for the live run (inside a polling fragment) and for runs opened from the
history. Everything comes from the run folder, so any tab, any reload, shows the same thing.

Several sessions polling one run share one `RunCharts` (a process-wide cache): metrics.jsonl is parsed
incrementally and the figures are rebuilt only when new events arrived, once for all sessions. Every
poll in every session used to re-parse the whole file and rebuild four plotly express figures
(~160 ms of the server's CPU), which slowed the training process next to it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import yaml

from ui import charts
from ui.guided import remember_open
from ui.quality import run_quality
from ui.speed import pair_timing
from ui.summary import assess, headline, history_row, human_seconds, metric_series, progress, teacher_warning
from ui.tables import one_type_per_column
from ui.wording import (
    CANNOT_RESUME,
    IN_LINE,
    RESUME,
    RESUME_FROM,
    RUN_KINDS,
    STARTING_RUN,
    WAITING_FOR_RUN,
    WAITING_FOR_SLOT,
    kept_weights_line,
    plain_problem,
)
from workbench.core import WorkbenchError
from workbench.runs import ACTIVE_STATES, InLine, MetricsTail, RunInfo, jobs, read_report
from workbench.training import saved_position

STATE_BADGES = {
    "queued": ":gray-badge[:material/hourglass_empty: waiting]",
    "running": ":blue-badge[:material/autorenew: running]",
    "finished": ":green-badge[:material/check_circle: finished]",
    "failed": ":red-badge[:material/error: failed]",
    "stopped": ":orange-badge[:material/stop_circle: stopped]",
}


class RunCharts:
    """One run's events, chart series and figures, refreshed from its metrics.jsonl when it grows.

    Shared by every session (figures are read-only once built); the lock makes the first poll after
    new events rebuild them while the others wait and reuse the result.
    """

    def __init__(self, run_dir: Path, kind: str) -> None:
        self.kind = kind
        self.soft = teacher_signal(run_dir, kind)  # a run's settings do not change while it trains
        self._tail = MetricsTail(run_dir)
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.series: dict[str, list[dict[str, Any]]] = {"steps": [], "evals": []}
        self.figures: dict[str, go.Figure] = {}
        self._version = 0  # bumped whenever the events change
        self._drawn = -1  # the version the figures show
        self._drawn_at = 0.0

    def refresh(
        self, min_redraw_s: float = 0.0
    ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], dict[str, go.Figure]]:
        """(events, chart series, figures) as of now; one consistent set even while others refresh.

        `min_redraw_s`: while a run is live, sessions poll at staggered times and a busy run logs
        between any two of them, so figures would be rebuilt on nearly every poll; this keeps the
        figures of the last `min_redraw_s` seconds instead (the numbers above them stay current).
        """
        with self._lock:
            if self._tail.update():
                self.events = list(self._tail.events)
                series = metric_series(self.events)
                if series != self.series:  # progress events (one a second) change no chart: keep the figures
                    self.series = series
                    self._version += 1
            fresh = time.monotonic() - self._drawn_at >= min_redraw_s or not self.figures
            if self._drawn != self._version and fresh:
                self.figures = _figures(self.series, self.soft) if self.series["steps"] else {}
                self._drawn, self._drawn_at = self._version, time.monotonic()
            return self.events, self.series, self.figures


def teacher_signal(run_dir: Path, kind: str) -> bool:
    """Whether the run learns from the teacher's answers: a distillation whose alpha (config.yaml) is above 0.

    Decided from the settings, not from the logged numbers: a baseline (alpha = 0) still logs the KL to
    the teacher, which is not zero and not part of its loss, and its chart must not show it as a line.
    A distillation whose config cannot be read keeps the soft line (alpha > 0 is the default).
    """
    if kind != "distill":
        return False
    try:
        config = yaml.safe_load((Path(run_dir) / "config.yaml").read_text(encoding="utf-8"))
        alpha = config["distill"]["alpha"]
    except (OSError, yaml.YAMLError, TypeError, KeyError):
        return True
    return not isinstance(alpha, int | float) or alpha > 0


def _figures(series: dict[str, list[dict[str, Any]]], soft: bool) -> dict[str, go.Figure]:
    steps = series["steps"]
    figs = {
        "loss": charts.loss_chart(steps, soft=soft),
        "lr": charts.line_chart(steps, "lr", "Learning rate", "learning rate"),
        "speed": charts.line_chart(steps, "examples_per_s", "Throughput", "examples per second"),
    }
    if series["evals"]:
        figs["acc"] = charts.accuracy_chart(series["evals"])
    return figs


@st.cache_resource(show_spinner=False, max_entries=16)
def run_charts(run_dir: str, kind: str) -> RunCharts:
    return RunCharts(Path(run_dir), kind)


def render_run(run_dir: Path, status: dict[str, Any], key: str, min_redraw_s: float = 0.0) -> None:
    """Header, progress, stop button (while active), charts and outcome of one run.

    `min_redraw_s`: for the live panel, how old its charts may be when new events are waiting.
    """
    state = status.get("state", "unknown")
    kind = status.get("kind", "?")
    st.markdown(f"**{RUN_KINDS.get(kind, kind)}** · `{run_dir.name}` · {STATE_BADGES.get(state, state)}")
    live = state in ACTIVE_STATES
    run_figs = run_charts(str(run_dir), kind)
    events, series, figs = run_figs.refresh(min_redraw_s if live else 0.0)
    stopping = (run_dir / "STOP").exists()
    prog = progress(status, events, stopping=stopping)
    if state == "queued" and not stopping and not (status.get("queued_since") or status.get("waiting_for")):
        prog["text"] = STARTING_RUN  # neither waiting for the training slot nor for another run: its process starts
    if live:
        bar, button = st.columns([5, 1])
        bar.progress(prog["fraction"], text=prog["text"])
        if button.button(
            "Stop", key=f"stop_{key}_{run_dir.name}", type="secondary", icon=":material/stop:", disabled=stopping
        ):
            jobs.stop(run_dir)
            st.toast("Stopping… the run ends after its current step.")
    else:
        st.progress(prog["fraction"], text=prog["text"])
    if state == "failed":
        st.error(status.get("error") or "The run failed; see log.txt in its folder.")
    elif state == "stopped":
        st.warning("This run was stopped before the end; the best model so far was kept if there was one.")
    if series["steps"] and figs:
        last = series["steps"][-1]
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Step", f"{last['step']} / {prog['total_steps'] or '?'}")
        m2.metric("Loss", f"{last['loss']:.4f}")
        m3.metric("Examples per second", f"{last['examples_per_s']:.0f}" if last.get("examples_per_s") else "–")
        m4.metric(
            "Time left" if live else "Training time",
            human_seconds(last["eta_s"] if live else last.get("elapsed_s")),
        )
        c1, c2 = st.columns(2)
        c1.plotly_chart(figs["loss"], key=f"loss_{key}")
        if "acc" in figs:
            c2.plotly_chart(figs["acc"], key=f"acc_{key}")
            note = charts.evaluation_caption(series["evals"], more_to_come=live)
            if note:
                c2.caption(note)
        else:
            c2.info("Validation accuracy appears after the first evaluation (a few times each epoch).")
        # While a run is live, every watching tab redraws its charts every poll: two charts by default,
        # the other two on request (the throughput and time left are in the numbers above).
        if not live or st.toggle("Learning rate and throughput charts", key=f"more_{key}"):
            c3, c4 = st.columns(2)
            c3.plotly_chart(figs["lr"], key=f"lr_{key}")
            c4.plotly_chart(figs["speed"], key=f"speed_{key}")
        if run_figs.soft:
            st.caption(
                "Loss: **soft** = how far the student is from the teacher's softened answers (T² · KL), "
                "**hard** = how wrong it is on the labels (cross-entropy), **total** = alpha · soft + (1 − alpha) · hard."
            )
        elif kind == "distill":
            st.caption("Loss: alpha = 0, so the teacher's softened answers are no part of it (no soft line).")
    elif state in ACTIVE_STATES:
        st.info("The charts start after the first logged training steps.")
    if state in ("finished", "stopped"):
        report = pair_timing(run_dir, read_report(run_dir)) or {}  # a baseline: its pair's one timing
        if report:
            level, why = run_quality(report)  # colour follows quality: 0% is never green
            if level == "good" and report.get("kind") == "distill" and assess(report)["caution"]:
                level = "near"  # a good score with a catch (weak teacher, slower student...) is no success box
            box = {"good": st.success, "near": st.warning, "bad": st.error}[level]
            box(headline(report) + (f" {why}" if why else ""))
            kept = kept_weights_line(report.get("training"))
            if kept:
                st.caption(kept)
            warning = teacher_warning(report)
            if warning:
                st.warning(warning)


def history_frame(infos: list[RunInfo]) -> pd.DataFrame:
    """The History table: one row per run, each column of one type (Arrow refuses mixed columns)."""
    rows = []
    for info in infos:
        try:
            config = yaml.safe_load((info.run_dir / "config.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            config = {}
        report = pair_timing(info.run_dir, info.report)  # the speed Compare shows for this run
        rows.append(history_row(info.id, info.status, report, config if isinstance(config, dict) else {}))
    return one_type_per_column(pd.DataFrame(rows))


def waiting_sentence(run: InLine, line: list[InLine]) -> str:
    """'`baseline` is waiting: it starts when the distillation `distilled` finishes' (or 'the run above')."""
    if run.after is None:
        return WAITING_FOR_SLOT.format(name=run.run_dir.name)
    before = next((r for r in line if r.run_dir == run.after), None)
    what = IN_LINE.get((before.role or before.status.get("kind")) if before else "", "the run")
    return WAITING_FOR_RUN.format(name=run.run_dir.name, what=what, after=run.after.name)


def waiting_rows(line: list[InLine]) -> None:
    """The runs behind the current one (`line[0]`), each with what it waits for and a Cancel button."""
    for run in line[1:]:
        c1, c2 = st.columns([5, 1])
        c1.info(waiting_sentence(run, line))
        if c2.button("Cancel", key=f"cancel_{run.run_dir.name}"):
            jobs.stop(run.run_dir)
            st.rerun()


def resume_button(run_dir: Path, state: str, key: str) -> None:
    """Resume, the primary button, under an interrupted run that saved a checkpoint; why not, under one without.

    One rule for every card that shows such a run (Current run once it was stopped, History), so
    the run's own card offers what History offers, through the same engine call (`jobs.resume`).
    """
    if state not in ("failed", "stopped"):
        return
    if not (run_dir / "checkpoint" / "state.pt").is_file():
        st.caption(CANNOT_RESUME)
        return
    pos = saved_position(run_dir / "checkpoint")
    label = RESUME_FROM.format(step=pos.step) if pos else RESUME
    if st.button(label, type="primary", key=f"resume_{key}", icon=":material/play_arrow:"):
        try:
            jobs.resume(run_dir)
        except WorkbenchError as exc:
            st.error(plain_problem(exc))
        else:
            remember_open(run_dir)  # Current run follows it, History opens it
            st.rerun()

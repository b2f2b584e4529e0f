"""Drawing one run from its folder: progress, live charts, errors and the result sentence.

Used by the Train page for the live run (inside a polling fragment) and for runs opened from the
history. Everything is read from disk on each call, so any tab, any reload, shows the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

import workbench.jobs as jobs
from ui import charts
from workbench.runs import ACTIVE_STATES, read_metrics, read_report
from workbench.summary import headline, human_seconds, metric_series, progress, teacher_warning

KIND_WORDS = {"teacher": "Teacher fine-tuning", "distill": "Distillation"}
STATE_BADGES = {
    "queued": ":gray-badge[:material/hourglass_empty: waiting]",
    "running": ":blue-badge[:material/autorenew: running]",
    "finished": ":green-badge[:material/check_circle: finished]",
    "failed": ":red-badge[:material/error: failed]",
    "stopped": ":orange-badge[:material/stop_circle: stopped]",
}


def render_run(run_dir: Path, status: dict[str, Any], key: str) -> None:
    """Header, progress, stop button (while active), charts and outcome of one run."""
    state = status.get("state", "unknown")
    kind = status.get("kind", "?")
    st.markdown(f"**{KIND_WORDS.get(kind, kind)}** · `{run_dir.name}` · {STATE_BADGES.get(state, state)}")
    events = read_metrics(run_dir)
    stopping = (run_dir / "STOP").exists()
    prog = progress(status, events, stopping=stopping)
    if state in ACTIVE_STATES:
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
    series = metric_series(events)
    if series["steps"]:
        last = series["steps"][-1]
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Step", f"{last['step']} / {prog['total_steps'] or '?'}")
        m2.metric("Loss", f"{last['loss']:.4f}")
        m3.metric("Examples per second", f"{last['examples_per_s']:.0f}" if last.get("examples_per_s") else "–")
        m4.metric(
            "Time left" if state in ACTIVE_STATES else "Training time",
            human_seconds(last["eta_s"] if state in ACTIVE_STATES else last.get("elapsed_s")),
        )
        c1, c2 = st.columns(2)
        c1.plotly_chart(charts.loss_chart(series["steps"], soft=kind == "distill"), key=f"loss_{key}")
        if series["evals"]:
            c2.plotly_chart(charts.accuracy_chart(series["evals"]), key=f"acc_{key}")
        else:
            c2.info("Validation accuracy appears after the first evaluation (end of each epoch).")
        c3, c4 = st.columns(2)
        c3.plotly_chart(charts.line_chart(series["steps"], "lr", "Learning rate", "learning rate"), key=f"lr_{key}")
        c4.plotly_chart(
            charts.line_chart(series["steps"], "examples_per_s", "Throughput", "examples per second"),
            key=f"speed_{key}",
        )
        if kind == "distill":
            st.caption(
                "Loss: **soft** = how far the student is from the teacher's softened answers (T² · KL), "
                "**hard** = how wrong it is on the labels (cross-entropy), **total** = alpha · soft + (1 − alpha) · hard."
            )
    elif state in ACTIVE_STATES:
        st.info("The charts start after the first logged training steps.")
    if state in ("finished", "stopped"):
        report = read_report(run_dir) or {}
        if report:
            st.success(headline(report))
            warning = teacher_warning(report)
            if warning:
                st.warning(warning)

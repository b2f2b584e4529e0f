"""Experiments: sweeps over T and alpha with seeds, whether distillation paid off, and the student frontier."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import streamlit as st

from ui.experiments import effect_sentence, heatmap, pareto_chart, seed_dots
from ui.guard import ensure_navigation
from ui.label_curve import label_curve_section
from ui.state import bind, get_cfg
from ui.summary import human_seconds
from workbench.config import load_config, validate_values
from workbench.core import WorkbenchError
from workbench.runs import runs_root
from workbench.studio import pareto_front, student_points
from workbench.sweeps import launch_sweep, list_sweeps, stop_sweep

ensure_navigation("pages/experiments.py")

POLL_SECONDS = 3.0
T_CHOICES = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
ALPHA_CHOICES = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]

cfg = get_cfg()
st.title("Experiments")
st.caption(
    "One run is an anecdote. A sweep trains the same student at many temperatures and alphas, each with several "
    "seeds, always including alpha = 0 (the same student on labels alone), so you can see whether the teacher "
    "helped beyond noise. Trials run one after another in the background, queued with other runs."
)


@st.cache_resource(show_spinner=False, max_entries=8)
def _study(study: str, url: str):
    """The Optuna study, opened once per server (storage connections are shared and thread-safe)."""
    from workbench.sweeps import load_sweep

    return load_sweep(study, url)[0]


def _estimate(n_trials: int) -> str:
    """Time from earlier finished distillation runs of this machine, if there are any."""
    from workbench.runs import list_runs

    secs = [
        (i.report or {}).get("training", {}).get("seconds")
        for i in list_runs()
        if i.kind == "distill" and i.state == "finished" and i.report
    ]
    secs = [s for s in secs if s]
    if not secs:
        return "The time per trial is unknown until the first trial finishes."
    per = sorted(secs)[len(secs) // 2] * 1.2  # training, plus evaluation and the speed measurement
    return f"About {human_seconds(per * n_trials)} ({human_seconds(per)} a trial, judged from earlier runs here)."


# --------------------------------------------------------------------------- start
st.header("Start a sweep")
sw = cfg.sweep
a, b, c = st.columns(3)
temps = a.multiselect("Temperatures (T)", T_CHOICES, key=bind("sw_t", [t for t in sw.temperatures if t in T_CHOICES]))
alphas = b.multiselect(
    "Alphas (weight of the teacher)",
    ALPHA_CHOICES,
    key=bind("sw_a", [x for x in sw.alphas if x in ALPHA_CHOICES]),
    help="alpha = 0 is always included: it is the reference every other point is compared with.",
)
seeds = int(c.number_input("Seeds per point", 1, 10, key=bind("sw_seeds", int(sw.seeds))))
name = st.text_input("Sweep name", key=bind("sw_name", f"{cfg.name}-sweep"))
sw.temperatures, sw.alphas, sw.seeds, sw.mode = [float(t) for t in temps], [float(x) for x in alphas], seeds, "grid"

reason = None
if not temps:
    reason = "Choose at least one temperature."
elif cfg.teacher.source == "bundled" and not cfg.allow_weak_teacher:
    reason = "The bundled teacher has not learned the task yet: fine-tune a teacher on the Train page first."
else:
    try:
        validate_values(cfg)
    except WorkbenchError as exc:
        reason = f"A setting needs fixing first: {exc}."
if not reason:
    from workbench.sweeps import grid_points

    n = len(grid_points(cfg))
    st.markdown(
        f"**{n} trials**: {len(temps)} temperature(s) × {len(set(alphas) - {0.0})} alpha(s) above 0, plus alpha = 0, "
        f"× {seeds} seed(s). Each trains the student for {cfg.training.epochs:g} epoch(s) on "
        f"{cfg.data.max_train_examples or 'all'} training examples. {_estimate(n)}"
    )
if st.button("Start the sweep", type="primary", disabled=bool(reason), icon=":material/grid_view:"):
    try:
        folder = launch_sweep(copy.deepcopy(cfg), name, runs_root())
    except WorkbenchError as exc:
        st.error(str(exc))
    else:
        st.session_state["sw_open"] = folder.name
        st.rerun()
if reason:
    st.caption(reason)


# --------------------------------------------------------------------------- a sweep
def _render(sweep_info: dict) -> None:
    folder: Path = sweep_info["folder"]
    state = sweep_info.get("state", "?")
    try:
        base = load_config(folder / "config.yaml")
    except WorkbenchError:
        st.warning("This sweep's settings file is missing or damaged.")
        return
    from workbench.sweeps import grid_points, storage_url, summary, trial_rows

    try:
        study = _study(sweep_info.get("study", folder.name), storage_url(base.sweep.storage, runs_root()))
    except WorkbenchError:
        st.info("The sweep is starting…")
        return
    rows = trial_rows(study)
    info = summary(study)
    total = len(grid_points(base))
    done = sum(r["state"] == "complete" for r in rows)
    live = state in ("queued", "running")
    st.progress(min(1.0, done / max(total, 1)), text=f"{done} of {total} trials finished · sweep {state}")
    times = [
        (t.datetime_complete - t.datetime_start).total_seconds()
        for t in study.get_trials(deepcopy=False)
        if t.datetime_complete and t.datetime_start and t.state.name == "COMPLETE"
    ]
    if live and times:
        st.caption(f"About {human_seconds(sum(times) / len(times) * (total - done))} left.")
    c1, c2 = st.columns(2)
    if live and c1.button("Stop the sweep", key="sw_stop", icon=":material/stop:"):
        stop_sweep(sweep_info.get("study", folder.name), runs_root())
        st.rerun()
    if not live and done < total and c1.button("Continue the sweep", key="sw_continue", type="primary"):
        try:
            launch_sweep(base, sweep_info.get("study", folder.name), runs_root())
        except WorkbenchError as exc:
            st.error(str(exc))
        st.rerun()
    if sweep_info.get("error") and not live:
        st.caption(sweep_info["error"])
    if not info["points"]:
        st.info("No trial has finished yet: the charts appear after the first one.")
        return
    left, right = st.columns(2)
    left.plotly_chart(heatmap(info["points"]), key="sw_heat")
    right.plotly_chart(seed_dots(rows), key="sw_dots")
    _leaderboard(info["points"])
    if info["chosen"]:
        _chosen(info["chosen"])
    with st.expander("All trials"):
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _leaderboard(points: list[dict]) -> None:
    """Every (T, alpha) point, best mean validation accuracy first, with its spread over seeds."""
    st.subheader("Leaderboard")
    board = sorted(points, key=lambda p: p["spread"].mean, reverse=True)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "T": "any" if p["alpha"] == 0 else f"{p['temperature']:g}",
                    "alpha": f"{p['alpha']:g}",
                    "mean validation accuracy": p["spread"].mean,
                    "spread (sd)": p["spread"].std,
                    "seeds": p["spread"].n,
                    "against labels alone": effect_sentence(p["vs_reference"]),
                }
                for p in board
            ]
        ),
        hide_index=True,
        column_config={
            "mean validation accuracy": st.column_config.NumberColumn(format="percent"),
            "spread (sd)": st.column_config.NumberColumn(format="percent"),
        },
    )


def _chosen(chosen: dict) -> None:
    """The point chosen on validation (its test accuracy only), and the button that takes its T and alpha."""
    test = chosen["test_accuracy_mean"]
    st.markdown(
        "**Chosen on validation:** "
        + (
            "alpha = 0, the student on labels alone: no teacher setting beat it"
            if chosen["alpha"] == 0
            else f"T = {chosen['temperature']:g}, alpha = {chosen['alpha']:g}"
        )
        + (f"; its test accuracy is {test:.1%} (mean of {chosen['test_seeds']} seed(s))." if test else ".")
        + " Test numbers are shown for this point only, so the choice is not made by looking at test."
    )
    if st.button("Use these settings", key="sw_use", icon=":material/arrow_forward:"):
        cfg.distill.temperature, cfg.distill.alpha = float(chosen["temperature"]), float(chosen["alpha"])
        for k in ("temp_T", "temp_alpha"):  # the Temperature page's sliders re-read the config
            st.session_state.pop(k, None)
        st.switch_page("pages/train.py")


@st.fragment(run_every=POLL_SECONDS)
def _live(folder_name: str) -> None:
    sweeps = {s["folder"].name: s for s in list_sweeps()}
    info = sweeps.get(folder_name)
    if info is None:
        return
    _render(info)
    if info.get("state") not in ("queued", "running"):
        st.rerun()


st.divider()
st.header("Sweeps")
sweeps = list_sweeps()
if not sweeps:
    st.caption("Sweeps you start appear here, with their charts and statistics.")
else:
    names = [s["folder"].name for s in sweeps]
    opened = st.session_state.get("sw_open")
    pick = st.selectbox("Sweep", names, index=names.index(opened) if opened in names else 0, key="sw_pick")
    chosen_sweep = next(s for s in sweeps if s["folder"].name == pick)
    if chosen_sweep.get("state") in ("queued", "running"):
        _live(pick)
    else:
        _render(chosen_sweep)

# --------------------------------------------------------------------------- labels
st.divider()
label_curve_section(cfg)

# --------------------------------------------------------------------------- frontier
st.divider()
st.header("Every student so far")
points = student_points()
if len(points) < 2:
    st.caption("Once two or more students have finished, their accuracy, speed and size are compared here.")
else:
    front = pareto_front(points)
    st.plotly_chart(pareto_chart(points, front), key="sw_pareto")
    st.caption(
        f"{sum(front)} of {len(points)} students are on the front: no other student is at least as accurate, "
        "as fast and as small. Latency as measured when each run finished (the machine's load may differ)."
    )

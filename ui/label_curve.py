"""The Experiments page's "How many labels do you need?": start a label-efficiency curve, watch it fill in.

The engine (`workbench.runs.label_curve`) queues a teacher and a distilled student per budget and seed
and reads the curve back from the run folders; this module holds the widgets, the wording and the
chart call only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.experiments import label_curve_chart
from ui.state import bind
from ui.wording import RUN_STATES
from workbench.config import RunConfig
from workbench.core import WorkbenchError
from workbench.runs import (
    CURVE_BUDGETS,
    budget_name,
    curve_rows,
    curve_summary,
    launch_curve,
    list_curves,
    runs_root,
    stop_curve,
)

POLL_SECONDS = 5.0
STATES = RUN_STATES | {"queued": "waiting"}  # a table cell has no room for the sentence
INTRO = (
    "Labelling is the expensive part. This trains a teacher from 16, 32, 64 or 256 labelled texts per class "
    "(the other training texts become unlabelled texts it labels for the student), distils the student from it, "
    "and draws test accuracy against the number of labels, with every label as the reference. With the bundled "
    "models the few-label points use the few-label recipe of Setup (the larger all-mpnet-base-v2 teaches the "
    "bundled MiniLM) and “all” the ordinary one (MiniLM teaches its 3-layer cut): the table names each teacher."
)
COST = (
    "**{n} runs**: a teacher and a student for each of {budgets} label budget(s) × {seeds} seed(s), one after "
    "another in the background, queued with other runs. On a 2-core computer a point takes 5 to 25 minutes (more "
    "labels and more unlabelled texts take longer). The smallest budget comes first, so the curve fills in from the left."
)


def label_curve_section(cfg: RunConfig) -> None:
    st.header("How many labels do you need?")
    st.caption(INTRO)
    a, b = st.columns([3, 1])
    names = a.multiselect(
        "Labelled texts per class",
        [budget_name(x) for x in CURVE_BUDGETS],
        key=bind("lc_budgets", ["16", "64", "all"]),
        help="“all” fine-tunes the teacher on every label, the ordinary way: the top of the curve.",
    )
    seeds = int(b.number_input("Seeds per budget", 1, 5, key=bind("lc_seeds", 1)))
    if names:
        st.markdown(COST.format(n=2 * len(names) * seeds, budgets=len(names), seeds=seeds))
    if st.button("Run the label curve", disabled=not names, icon=":material/show_chart:", key="lc_start"):
        try:
            group = launch_curve(cfg, [None if n == "all" else int(n) for n in names], seeds, runs_root())
        except WorkbenchError as exc:
            st.error(str(exc))
        else:
            st.session_state["lc_open"] = group
            st.rerun()
    curves = list_curves(runs_root())
    if not curves:
        st.caption("Curves you start appear here.")
        return
    groups = [c["group"] for c in curves]
    opened = st.session_state.get("lc_open")
    pick = st.selectbox(
        "Curve",
        groups,
        index=groups.index(opened) if opened in groups else 0,
        format_func=curve_title,
        key="lc_pick",
    )
    if next(c for c in curves if c["group"] == pick)["active"]:
        if st.button("Stop the curve", key="lc_stop", icon=":material/stop:"):
            stop_curve(pick, runs_root())
            st.rerun()
        _live(pick)
    else:
        _render(pick)


@st.fragment(run_every=POLL_SECONDS)
def _live(group: str) -> None:
    _render(group)
    if not next((c for c in list_curves(runs_root()) if c["group"] == group), {}).get("active"):
        st.rerun()


def _render(group: str) -> None:
    rows = curve_rows(group, runs_root())
    summary = curve_summary(rows)
    done = sum(r.get("student_kept") is not None for r in rows)
    st.progress(done / max(len(rows), 1), text=f"{done} of {len(rows)} points finished")
    if summary:
        st.plotly_chart(label_curve_chart(summary, rows), key=f"lc_chart_{group}")
        full = next((p for p in summary if p["budget"] == "all"), None)
        if full:
            st.caption(
                f"With every label the teacher reaches {full['teacher_test']:.1%} on test. The student keeps its "
                "teacher's share in the table below; the spread over seeds includes a different split and labelled sample."
            )
    else:
        st.info("No point has finished yet: the chart appears after the first teacher and its student.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "labels per class": r["budget"],
                    "seed": r["seed"],
                    "teacher model": r.get("teacher_model", "?"),
                    "teacher": STATES.get(r.get("teacher_state"), r.get("teacher_state") or "?"),
                    "student": STATES.get(r.get("student_state"), r.get("student_state") or "?"),
                    "teacher test": _percent(r.get("teacher_test")),
                    "student test": _percent(r.get("student_test")),
                    "student keeps": _percent(r.get("student_kept")),
                }
                for r in rows
            ]
        ),
        hide_index=True,
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def curve_title(group: str) -> str:
    """'label-curve-20261204-153000-ab12' -> 'started 2026-12-04 15:30 (ab12)'."""
    parts = group.removeprefix("label-curve-").split("-")
    if len(parts) == 3 and len(parts[0]) == 8 and len(parts[1]) == 6:
        day, clock, tag = parts
        return f"started {day[:4]}-{day[4:6]}-{day[6:]} {clock[:2]}:{clock[2:4]} ({tag})"
    return group

"""Compare's "Several students side by side": the teacher and the chosen students in one table and one picture.

The rest of Compare shows one run: its student beside its teacher. A demo wants the teacher, the 3-layer
student and the BiLSTM at once, named as people named their runs. The rows are the engine's
(`workbench.runs.lineup`); this module words them, picks the default runs and says what is held equal.
Drawn only when there are at least two distilled students to put side by side.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import charts
from ui.sections import section
from ui.summary import human_bytes, human_count, pct
from ui.wording import FAMILY_NOUNS, LINEUP_HELD, lineup_differs_sentence
from workbench.runs import RunInfo, candidates, default_pick, is_baseline, lineup, unique_names

AXES = {"ms per sentence": "ms_per_sentence", "size on disk": "size_bytes"}


def _times(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}x"


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f} ms" if x >= 1 else f"{x:.2f} ms"


def lineup_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The lineup's rows as a table for people: teacher first, one student a row."""
    return pd.DataFrame(
        [
            {
                "": r["name"] + (" (without the teacher)" if r.get("without_teacher") else ""),
                "family": FAMILY_NOUNS.get(r.get("kind") or "", r.get("kind") or "–"),
                "what it is": r["architecture"],
                "parameters": human_count(r["params"]),
                "size on disk": human_bytes(r["size_bytes"]),
                "ms per sentence": _ms(r["ms_per_sentence"]),
                "speed-up": _times(r["speedup"]),
                "test accuracy": pct(r["accuracy"]),
                "accuracy kept": pct(r["accuracy_kept"]),
                "agrees with teacher": "–" if r["role"] == "teacher" else pct(r["agreement"]),
                "without the teacher": pct(r["baseline_accuracy"]),
            }
            for r in rows
        ]
    )


def several_students(infos: list[RunInfo]) -> None:
    """The section, for Compare's finished distillation runs `infos` (newest first); nothing with fewer than
    two distilled students."""
    runs = candidates(infos)
    if sum(not is_baseline(i) for i in runs) < 2:
        return
    with section("several students side by side"):
        _draw(runs)
        st.divider()


def _draw(runs: list[RunInfo]) -> None:
    st.subheader("Several students side by side")
    by_id = {i.id: i for i in runs}
    names = unique_names(runs)
    picked = st.multiselect(
        "Students",
        list(by_id),
        default=default_pick(runs),
        format_func=lambda i: names[i] + (" (without the teacher)" if is_baseline(by_id[i]) else ""),
        key="cmp_many",
        help="By default the newest distilled run of each kind of student on the same data and teacher",
    )
    if not picked:
        st.info("Pick one or more students to see them beside their teacher.")
        return
    table = lineup([by_id[i] for i in picked])
    if table.differs:
        st.warning(lineup_differs_sentence(table.differs))
    st.dataframe(lineup_frame(table.rows), hide_index=True)
    axis = st.radio("Across", list(AXES), horizontal=True, key="cmp_many_axis")
    st.plotly_chart(charts.students_map(table.rows, AXES[axis]), key="cmp_many_chart")
    st.caption(LINEUP_HELD)

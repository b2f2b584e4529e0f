"""'On other text': teacher and student on the run's test sets from elsewhere, beside the in-domain test.

A student that keeps 98% of its teacher on the kind of text it trained on may keep far less on tweets or
shop reviews; this table is where a person sees it before deploying. The rows and the sentence are plain
data (the shared HTML report builds the same table from them, and must not import streamlit); only
`show_extra_sets` draws, and it imports streamlit itself for that reason.
"""

from __future__ import annotations

from typing import Any

from ui.summary import pct

COLUMNS = ("test set", "examples", "teacher accuracy", "student accuracy", "kept")


def extra_rows(report: dict[str, Any], split: str = "test") -> list[dict[str, str]]:
    """The in-domain `split` first, then each test set from elsewhere; [] when the run has none."""
    sets = report.get("extra_eval") or {}
    if not sets:
        return []
    t, s = report.get("teacher") or {}, report.get("student") or {}
    size = ((report.get("data") or {}).get("sizes") or {}).get(split)
    t_acc, s_acc = (t.get(split) or {}).get("accuracy"), (s.get(split) or {}).get("accuracy")
    rows = [_row(f"{split} split of the training data", size, t_acc, s_acc)]
    for name, m in sets.items():
        rows.append(
            _row(name, m.get("n"), (m.get("teacher") or {}).get("accuracy"), (m.get("student") or {}).get("accuracy"))
        )
    return rows


def _row(name: str, n: int | None, t_acc: float | None, s_acc: float | None) -> dict[str, str]:
    kept = s_acc / t_acc if t_acc and s_acc is not None else None
    values = (name, f"{n:,}" if isinstance(n, int) else "–", pct(t_acc), pct(s_acc), kept_pct(kept))
    return dict(zip(COLUMNS, values, strict=True))


def kept_pct(kept: float | None) -> str:
    """A kept share to one decimal: 96.6% and 97.4% are on two sides of a 97% target."""
    return "–" if kept is None else f"{kept:.1%}"


def weakest_sentence(report: dict[str, Any]) -> str | None:
    """Where the student keeps least of its teacher's accuracy, in one sentence; None without sets or a student."""
    kept = {n: m.get("kept") for n, m in (report.get("extra_eval") or {}).items() if m.get("kept") is not None}
    if not kept:
        return None
    name = min(kept, key=kept.__getitem__)
    if len(kept) == 1:
        return f"On {name!r} the student keeps {kept_pct(kept[name])} of the teacher's accuracy."
    return f"The student keeps least of the teacher's accuracy on {name!r}: {kept_pct(kept[name])}."


def show_extra_sets(report: dict[str, Any], split: str) -> None:
    """The Compare page's 'On other text' table and its caption; nothing for a run without such sets."""
    import streamlit as st  # here, not at the top: report_html imports this module and must stay streamlit-free

    rows = extra_rows(report, split)
    if not rows:
        return
    st.subheader("On other text")
    st.dataframe(rows, hide_index=True, column_order=COLUMNS)
    sentence = weakest_sentence(report)
    st.caption(
        "Both models measured on labelled files from elsewhere, beside the kind of text they trained on. Kept = student accuracy / "
        f"teacher accuracy.{' ' + sentence if sentence else ''}"
    )

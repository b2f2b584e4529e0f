"""Setup's Data column: the data set (bundled, hub, or an uploaded file with its columns), the example limits and
the test sets from elsewhere (labelled files both models are also measured on after training)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import cached
from ui.state import bind
from ui.wording import DATA_SOURCES, SENTENCES, plain_problem
from workbench.config import DataConfig, ExtraEvalSet, RunConfig
from workbench.core import WorkbenchError
from workbench.studio import (
    base_name,
    check_columns,
    check_extra_set,
    display_name,
    extra_set_labels,
    read_upload,
    save_upload,
)

MAX_EXAMPLES = 10_000_000  # a bound, so the box cannot hold a number the config would not take
ADDED_KEY, ROUND_KEY = "setup_extra_added", "setup_extra_round"  # the last addition's note; uploader generation


def _hub_data(d: DataConfig) -> None:
    d.name = st.text_input("Hub data set name", key=bind("setup_data_hub", d.name))
    d.subset = st.text_input("Configuration (optional)", key=bind("setup_data_subset", d.subset or "")) or None
    d.text_column = st.text_input("Text column", key=bind("setup_data_text", d.text_column))
    d.label_column = st.text_input("Label column", key=bind("setup_data_label", d.label_column))


def _uploaded_frame(d: DataConfig, up: Any) -> tuple[Any, str | None, str | None]:
    """(the uploaded or earlier chosen file as a frame, its name to show, why it cannot be read); the frame is
    None when it cannot be read."""
    frame, shown, problem = None, None, None
    if up is not None:
        shown = base_name(up.name)
        try:
            path = save_upload(up.name, up.getvalue())
            frame = read_upload(path, up.name)
            d.path = str(path)
        except WorkbenchError as exc:
            d.path = None  # a failed upload must not leave the previous file in use
            problem = _said(exc)
    elif d.path:  # chosen in an earlier visit (the draft keeps it)
        shown = display_name(d.path)
        try:
            frame = read_upload(d.path)
        except WorkbenchError as exc:
            problem = _said(exc)
    if problem:
        st.error(problem)
    return frame, shown, problem


def _said(exc: WorkbenchError) -> str:
    """The sentence for a problem with the person's file: by its code when ui/wording.py has a sentence for it,
    else as it is (it names the file, which the config-key wording could mangle: "data.csv")."""
    return plain_problem(exc) if exc.code in SENTENCES else str(exc)


def _local_data(d: DataConfig) -> str | None:
    """The uploaded file and which of its columns hold the text and the label.
    Returns why that file or column choice cannot train (None when it can, or while no file is chosen)."""
    up = st.file_uploader("Training file", type=["csv", "jsonl", "parquet"], key="setup_upload")
    frame, shown, problem = _uploaded_frame(d, up)
    if frame is None:
        if up is None and not d.path:
            st.info("Upload a file to continue.")
        return problem
    columns = [str(c) for c in frame.columns]
    st.caption(f"Using {len(frame)} rows from {shown}; validation and test are carved from it.")
    for key, attr, label, fallback in (
        ("setup_col_text", "text_column", "Text column", 0),
        ("setup_col_label", "label_column", "Label column", min(1, len(columns) - 1)),
    ):
        if st.session_state.get(key) not in columns:
            st.session_state.pop(key, None)
        current = getattr(d, attr) if getattr(d, attr) in columns else columns[fallback]
        setattr(d, attr, st.selectbox(label, columns, key=bind(key, current)))
    try:
        check_columns(frame, d.text_column, d.label_column, shown, d)  # the engine's check, as a run makes it
    except WorkbenchError as exc:
        problem = f"{shown}: {plain_problem(exc)}" if exc.code in SENTENCES else str(exc)  # str(exc) names the file
        st.error(problem)  # next to the column choice that causes it
        return problem
    return None


def _example_limits(d: DataConfig) -> None:
    st.markdown("**Example limits** (small = fast; 0 = use everything)")
    a, b = st.columns(2)
    n_train = a.number_input(
        "Training examples",
        min_value=0,
        max_value=MAX_EXAMPLES,
        step=100,
        key=bind("setup_max_train", min(d.max_train_examples or 0, MAX_EXAMPLES)),
    )
    n_eval = b.number_input(
        "Validation / test examples",
        min_value=0,
        max_value=MAX_EXAMPLES,
        step=50,
        key=bind("setup_max_eval", min(d.max_eval_examples or 0, MAX_EXAMPLES)),
    )
    d.max_train_examples, d.max_eval_examples = int(n_train) or None, int(n_eval) or None


def data_section(cfg: RunConfig) -> str | None:
    """The Data column: sets `cfg.data`. Returns why the uploaded file or its column choice cannot train (None
    when it can, or when no file is in use)."""
    st.subheader("Data")
    st.caption("Short texts with a label each (for example a review and whether it is positive).")
    d = cfg.data
    d.source = st.radio(
        "Data set", list(DATA_SOURCES), format_func=DATA_SOURCES.get, key=bind("setup_data_source", d.source)
    )
    column_problem = None
    if d.source == "hub":
        _hub_data(d)
    elif d.source == "local":
        column_problem = _local_data(d)
    _example_limits(d)
    _extra_sets(cfg, column_problem)
    return column_problem


def _class_names(cfg: RunConfig) -> list[str] | None:
    """The classes of the data as a run would load it; None while it cannot load (the page says why elsewhere)."""
    try:
        return list(cached.data_for(cfg).label_names)
    except WorkbenchError:
        return None


def _extra_sets(cfg: RunConfig, column_problem: str | None) -> None:
    """Test sets from elsewhere: the ones chosen (each can be removed) and an uploader that adds one."""
    d = cfg.data
    with st.expander("Test sets from elsewhere (optional)", expanded=bool(d.extra_eval)):
        st.caption(
            "Labelled files of other text, such as your shop's reviews or tweets. After training, the teacher "
            "and the student are both measured on each one, beside the test split, on the Compare page."
        )
        for i, entry in enumerate(list(d.extra_eval)):
            a, b = st.columns([4, 1])
            mapped = ", ".join(f"{k} → {v}" for k, v in entry.labels.items())
            a.markdown(f"**{entry.name}**: {display_name(entry.path)}" + (f" ({mapped})" if mapped else ""))
            if b.button("Remove", key=f"setup_extra_remove_{i}"):
                d.extra_eval.pop(i)
                st.rerun()
        names = None if column_problem else _class_names(cfg)
        if names is None:
            st.caption("Choose training data that can be used first: a test set's labels are matched to its classes.")
            return
        if st.session_state.get(ADDED_KEY):
            st.success(st.session_state.pop(ADDED_KEY))
        # a new key after each addition empties the uploader, ready for the next file
        upload_key = f"setup_extra_upload_{st.session_state.get(ROUND_KEY, 0)}"
        up = st.file_uploader("Add a labelled file (CSV: a text and a label column)", type=["csv"], key=upload_key)
        if up is not None:
            _add_extra_set(d, up, names)


def _add_extra_set(d: DataConfig, up: Any, names: list[str]) -> None:
    """Name the uploaded file, map each label that is not one of the classes, and add it to the run."""
    shown = base_name(up.name)
    try:
        entry = ExtraEvalSet(name="", path=str(save_upload(up.name, up.getvalue(), suffixes=(".csv",))))
        unknown = extra_set_labels(entry, names, d)
    except WorkbenchError as exc:
        st.error(_said(exc))
        return
    entry.name = st.text_input("Name of this test set", value=shown.rsplit(".", 1)[0], key="setup_extra_name").strip()
    if unknown:
        st.caption(f"Which class is each of these labels? The classes are {', '.join(names)}.")
    chosen = {
        label: st.selectbox(
            f"“{label}” means", names, index=None, placeholder="choose a class", key=f"setup_extra_map_{i}_{label}"
        )
        for i, label in enumerate(unknown)
    }
    if not st.button("Add this test set", key="setup_extra_add"):
        return
    if None in chosen.values():  # never a guess: a wrong class would make every number of this set wrong
        st.error(f"Say which class each label means first: {', '.join(k for k, v in chosen.items() if v is None)}.")
        return
    entry.labels.update(chosen)
    taken = {e.name for e in d.extra_eval}
    if not entry.name or entry.name in taken:
        st.error("Give this test set a name of its own." if entry.name else "Give this test set a name.")
        return
    try:
        rows = check_extra_set(entry, names, d)
    except WorkbenchError as exc:
        st.error(_said(exc))
        return
    d.extra_eval.append(entry)
    st.session_state[ADDED_KEY] = f"Added {entry.name!r}: {rows:,} labelled texts from {shown}."
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    st.rerun()

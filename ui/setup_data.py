"""Setup's Data column: the data set (bundled, hub, or an uploaded file with its columns) and the example limits."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.state import bind
from ui.wording import DATA_SOURCES, SENTENCES, plain_problem
from workbench.config import DataConfig, RunConfig
from workbench.core import WorkbenchError
from workbench.studio import base_name, check_columns, display_name, read_upload, save_upload

MAX_EXAMPLES = 10_000_000  # a bound, so the box cannot hold a number the config would not take


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
    return column_problem

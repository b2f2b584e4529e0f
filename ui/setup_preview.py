"""Setup's lower half: the data as the run will see it, and the compatibility check (pre-flight) of both models.

Both load the data or the models, so they are drawn only once the settings above are valid.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import cached, charts
from ui.summary import human_bytes, human_count, human_seconds
from ui.wording import CHECK_LEVELS, plain_problem
from workbench.config import RunConfig
from workbench.core import WorkbenchError
from workbench.studio import label_balance, preview_rows, token_lengths


def data_preview(cfg: RunConfig) -> None:
    """The split sizes, labels, eight training rows, the label balance and the token lengths.
    Stops the page when the data cannot load (the compatibility check would fail the same way)."""
    st.divider()
    st.header("The data")
    try:
        data = cached.data_for(cfg)
    except WorkbenchError as exc:
        st.error(plain_problem(exc))
        st.stop()
    sizes = {n: len(data.split(n)) for n in ("train", "validation", "test")}
    st.write(
        f"**{sizes['train']:,}** training, **{sizes['validation']:,}** validation and **{sizes['test']:,}** test "
        f"examples; labels: **{', '.join(data.label_names)}**. {data.description}"
    )
    for note in data.notes:
        st.caption(f"• {note}")
    st.dataframe(pd.DataFrame(preview_rows(data, "train", 8)), hide_index=True)
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.label_balance(label_balance(data)), key="setup_balance")
    c1.caption("How many examples of each label. Very uneven bars mean accuracy alone can mislead.")
    try:
        tok = cached.tokenizer(cfg.teacher)
        lengths = token_lengths(tok, data.train.texts)
        c2.plotly_chart(charts.token_lengths(lengths, cfg.training.max_length), key="setup_lengths")
        over = sum(n > cfg.training.max_length for n in lengths)
        c2.caption(
            f"Texts longer than the maximum length ({cfg.training.max_length} tokens, set on the Train page) are cut: "
            f"{over} of {len(lengths)} here."
        )
    except WorkbenchError as exc:
        c2.error(plain_problem(exc))


def compatibility_check(cfg: RunConfig, newcomer: bool) -> None:
    """The button that runs the pre-flight check, and its last result (kept across reruns with the settings it
    was run for, so a change of settings is pointed out). Secondary when the guided box holds the primary button."""
    st.divider()
    st.header("Compatibility check")
    st.caption(
        "Loads both models, compares their labels, tokenizers and inputs, and times one training step on this machine."
    )
    cfg_key = cached.key_of(cfg)
    if st.button("Run the compatibility check", type="secondary" if newcomer else "primary"):
        from workbench.training import run_preflight

        with st.spinner("Loading both models and timing a training step…"):
            try:
                st.session_state["setup_preflight"] = (cfg_key, run_preflight(cfg).to_dict())
            except WorkbenchError as exc:
                st.session_state.pop("setup_preflight", None)
                st.error(plain_problem(exc))
    stored = st.session_state.get("setup_preflight")
    if stored:
        key, pf = stored
        if key != cfg_key:
            st.info("The settings changed since this check; run it again to update it.")
        _preflight_result(pf)


def _preflight_result(pf: dict[str, Any]) -> None:
    """The checks, both models side by side, and the estimated cost of training on this machine."""
    (st.success if pf["ok"] else st.error)(
        "Teacher, student and data fit together."
        if pf["ok"]
        else "These choices cannot train as they are: see PROBLEM below."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {"status": CHECK_LEVELS.get(c["level"], c["level"]), "check": c["name"], "result": c["message"]}
                for c in pf["checks"]
            ]
        ),
        hide_index=True,
    )
    t, s = pf["teacher"], pf["student"]
    m1, m2, m3 = st.columns(3)
    m1.metric("Teacher parameters", human_count(t["params"]["total"]), help=t["description"])
    m2.metric(
        "Student parameters",
        human_count(s["params"]["total"]),
        delta=f"{s['params']['total'] / t['params']['total']:.0%} of the teacher",
        delta_color="off",
        help=s["description"],
    )
    m3.metric("Weights in memory", f"{human_bytes(t['bytes'])} / {human_bytes(s['bytes'])}", help="teacher / student")
    left, right = st.columns(2)
    left.plotly_chart(charts.param_breakdown(t["params"], s["params"]), key="setup_params")
    right.dataframe(
        pd.DataFrame([{"": k, "teacher": str(t.get(k)), "student": str(s.get(k))} for k in MODEL_FACTS]),
        hide_index=True,
    )
    _estimate(pf.get("estimate") or {})


MODEL_FACTS = (
    "description",
    "architecture",
    "layers",
    "hidden_size",
    "heads",
    "vocab_size",
    "max_positions",
    "num_labels",
    "inputs",
)


def _estimate(e: dict[str, Any]) -> None:
    """Time per epoch, the teacher's answers and training memory, as the pre-flight step timing predicts them."""
    if not e:
        return
    st.subheader("Estimated cost on this machine")
    e1, e2, e3 = st.columns(3)
    e1.metric("Time per epoch", human_seconds(e["seconds_per_epoch"]), help=e["note"])
    e2.metric("Teacher's answers (once)", human_seconds(e["teacher_logits_seconds"]))
    e3.metric(
        "Memory for training",
        human_bytes(e["memory_bytes"]),
        help="weights, gradients and optimizer state of the student plus the teacher's weights",
    )
    st.caption(f"{e['train_steps_per_epoch']} steps per epoch on {e['device']} ({e['precision']}). {e['note']}.")

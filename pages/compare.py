"""Compare: teacher and student of a finished distillation run, side by side, in plain words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cached, charts
from ui.export import model_zip
from ui.guard import ensure_navigation
from ui.state import sticky
from ui.summary import headline, human_bytes, human_count, pct, teacher_warning
from workbench.errors import WorkbenchError
from workbench.runs import list_runs

ensure_navigation("pages/compare.py")

st.title("Compare")
st.caption("How much of the teacher's skill did the student keep, and what did we gain in size and speed?")

infos = [i for i in list_runs() if i.kind == "distill" and i.report and "comparison" in i.report]
if not infos:
    st.info("No finished distillation run yet. Start one on the **Train** page; its results appear here.")
    st.stop()
ids = [i.id for i in infos]
wanted = st.session_state.get("compare_run")
pick = st.selectbox("Run", ids, index=ids.index(wanted) if wanted in ids else 0, key="cmp_run")
st.session_state["compare_run"] = pick
info = next(i for i in infos if i.id == pick)
rep = info.report
t, s, comp = rep["teacher"], rep["student"], rep["comparison"]
names = rep["data"]["label_names"]
split = st.radio("Measured on", ["test", "validation"], horizontal=True, key="cmp_split")

st.success(f"**{headline(rep, split)}**")
warning = teacher_warning(rep)
if warning:
    st.warning(warning)
st.caption(
    f"Distilled with T = {rep.get('temperature')}, alpha = {rep.get('alpha')} on {rep['data']['sizes']['train']:,} "
    f"training examples; {rep['data']['sizes'][split]:,} {split} examples; {rep.get('machine', '')}."
)

# --------------------------------------------------------------------------- headline numbers
t_acc, s_acc = t[split]["accuracy"], s[split]["accuracy"]
speed = comp.get("speedup", {})
m = st.columns(5)
m[0].metric("Teacher accuracy", pct(t_acc))
m[1].metric("Student accuracy", pct(s_acc), delta=f"{(s_acc - t_acc) * 100:+.1f} points", delta_color="normal")
m[2].metric("Accuracy kept", pct(comp.get(f"accuracy_share_{split}")), help="student accuracy / teacher accuracy")
m[3].metric(
    "Speed-up (1 sentence)",
    f"{speed['batch_1']:.1f}x" if speed.get("batch_1") else "not measured",
    help="teacher time / student time",
)
m[4].metric(
    "Agreement", pct(comp.get(f"agreement_{split}")), help="share of examples where both models give the same label"
)

left, right = st.columns(2)
left.plotly_chart(charts.param_breakdown(t["params"], s["params"]), key="cmp_params")
left.caption(
    "Embeddings turn words into numbers, the encoder layers do the reading, the head picks the label. "
    "Cutting layers shrinks the encoder; the embeddings stay."
)
if t.get("latency_ms") and s.get("latency_ms"):
    right.plotly_chart(charts.latency(t["latency_ms"], s["latency_ms"]), key="cmp_latency")
    right.caption(
        "Measured on this machine after training, tokenisation included, one sentence at a time and in batches of 32."
    )
else:
    right.info(
        "Speed was not measured: the run was stopped early. "
        f"`python -m workbench evaluate {info.run_dir}` measures it and completes this page."
    )

table = pd.DataFrame(
    [
        {"": "parameters", "teacher": human_count(t["params"]["total"]), "student": human_count(s["params"]["total"])},
        {"": "size on disk", "teacher": human_bytes(t.get("size_bytes")), "student": human_bytes(s.get("size_bytes"))},
        *[
            {
                "": f"ms per sentence, {k.replace('_', ' of ')}",
                "teacher": f"{t['latency_ms'][k]:.1f}",
                "student": f"{s['latency_ms'][k]:.1f}",
            }
            for k in (t.get("latency_ms") or {})
            if k in (s.get("latency_ms") or {})
        ],
        *[
            {"": f"speed-up, {k.replace('_', ' of ')}", "teacher": "1.0x", "student": f"{v:.1f}x"}
            for k, v in speed.items()
        ],
        {"": f"accuracy ({split})", "teacher": pct(t_acc), "student": pct(s_acc)},
        {"": f"macro-F1 ({split})", "teacher": pct(t[split]["macro_f1"]), "student": pct(s[split]["macro_f1"])},
        {"": "layers", "teacher": str(t["architecture"]["layers"]), "student": str(s["architecture"]["layers"])},
        {"": "what it is", "teacher": t["description"], "student": s["description"]},
    ]
)
st.dataframe(table, hide_index=True)

st.subheader("Where each model goes wrong")
c1, c2 = st.columns(2)
c1.plotly_chart(charts.confusion(t[split]["confusion_matrix"], names, "Teacher"), key="cmp_cm_t")
c2.plotly_chart(charts.confusion(s[split]["confusion_matrix"], names, "Student"), key="cmp_cm_s")
st.caption("Rows are the true labels, columns the predictions: the diagonal counts correct answers.")

# --------------------------------------------------------------------------- per example
st.subheader("Example by example")
try:
    preds = pd.read_csv(info.run_dir / "predictions.csv")
except (OSError, pd.errors.ParserError):
    preds = None
    st.error("This run has no readable predictions.csv.")
if preds is not None:
    rows = preds[preds["split"] == split]
    only = st.checkbox("Only examples where teacher and student disagree", key="cmp_disagree")
    if only:
        rows = rows[rows["teacher_pred"] != rows["student_pred"]]
    st.caption(f"{len(rows)} example(s).")
    cols = ["text", "label", "teacher_pred", "student_pred"] + [
        c for c in rows.columns if c.startswith(("teacher_p_", "student_p_"))
    ]
    st.dataframe(
        rows[cols],
        hide_index=True,
        column_config={
            c: st.column_config.ProgressColumn(
                c.replace("_p_", " p(") + ")", min_value=0.0, max_value=1.0, format="%.2f"
            )
            for c in cols
            if "_p_" in c
        },
    )

# --------------------------------------------------------------------------- try a sentence
st.subheader("Try a sentence")


with st.form("cmp_try"):
    text = st.text_input(
        "A sentence to classify",
        key=sticky("cmp_try_text"),  # still there after a visit to another page
        placeholder="An unexpectedly moving film with a sharp script.",
    )
    go = st.form_submit_button("Classify with both models")
if go:
    try:
        from workbench.tryout import classify_both

        teacher, student, max_length = cached.run_models(info.run_dir)
        result = pd.DataFrame(classify_both(teacher, student, text, max_length))
        st.dataframe(result, hide_index=True)
        verdict = "Both models agree." if result["prediction"].nunique() == 1 else "The models disagree on this one."
        st.write(verdict)
    except WorkbenchError as exc:
        st.error(str(exc))

# --------------------------------------------------------------------------- download
st.subheader("Take the student with you")
st.download_button(
    "Download the student (.zip: model, tokenizer, model card)",
    data=lambda: model_zip(info.run_dir),
    file_name=f"{info.id}-student.zip",
    mime="application/zip",
    icon=":material/download:",
    key="cmp_zip",
)

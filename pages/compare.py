"""Compare: teacher and student of a finished distillation run, side by side, in plain words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cached, charts
from ui.calibration import calibration_of, calibration_sentence
from ui.compare_many import several_students
from ui.deploy import export_box
from ui.export import (
    download_size,
    model_name,
    model_zip,
    pytorch_zip_label,
    read_config,
    report_size_estimate,
    student_name,
    teacher_name,
)
from ui.extra_sets import show_extra_sets
from ui.guard import ensure_navigation
from ui.report_html import build_html
from ui.sections import section
from ui.speed import pair_timing, speed_text, timing_run, unsure_reason
from ui.state import sticky
from ui.summary import (
    assess,
    early_stop_plan,
    headline,
    human_bytes,
    human_count,
    ms_with_spread,
    pct,
    speed_reading,
    steps_made,
    teacher_warning,
)
from ui.wording import ENSEMBLE_INPUTS, PRECISIONS, STEPS, baseline_steps_sentence
from workbench.config import load_config
from workbench.core import WorkbenchError
from workbench.runs import (
    ACTIVE_STATES,
    baseline_config,
    distilled_steps,
    find_baseline,
    jobs,
    list_runs,
    read_report,
    read_status,
)

ensure_navigation("pages/compare.py")

st.title("Compare")
st.caption("How much of the teacher's skill did the student keep, and what did we gain in size and speed?")

infos = [i for i in list_runs() if i.kind == "distill" and i.report and "comparison" in i.report]
if not infos:
    st.info("No finished distillation run yet. Start one on the **Train** page; its results appear here.")
    st.stop()
several_students(infos)  # the teacher and several students in one table, when there are several
ids = [i.id for i in infos]
wanted = st.session_state.get("compare_run")
no_teacher = {i.id for i in infos if i.report.get("alpha") == 0}
# a baseline usually finishes after its distilled run: open the newest distilled one, not the baseline
first = next((n for n, i in enumerate(ids) if i not in no_teacher), 0)
pick = st.selectbox(
    "Run",
    ids,
    index=ids.index(wanted) if wanted in ids else first,
    key="cmp_run",
    format_func=lambda i: f"{i} (without the teacher)" if i in no_teacher else i,
)
st.session_state["compare_run"] = pick
info = next(i for i in infos if i.id == pick)
rep = pair_timing(info.run_dir, info.report)  # a baseline shows its distilled run's timing: one per pair
timing_dir = timing_run(info.run_dir, info.report)  # the run Measure again re-times
t, s, comp = rep["teacher"], rep["student"], rep["comparison"]
names = rep["data"]["label_names"]
split = st.radio("Measured on", ["test", "validation"], horizontal=True, key="cmp_split")

base_dir = find_baseline(info.run_dir)
base_rep = read_report(base_dir) if base_dir else None
if base_rep and split not in (base_rep.get("student") or {}):
    base_rep = None
verdict = assess(rep, split, base_rep)
(st.warning if verdict["caution"] else st.success)(f"**{headline(rep, split, base_rep)}**")
warning = teacher_warning(rep)
if warning and not (verdict["teacher"] and verdict["teacher"]["weak"]):  # the headline already leads with it
    st.warning(warning)
st.caption(
    f"Distilled with T = {rep.get('temperature')}, alpha = {rep.get('alpha')} on {rep['data']['sizes']['train']:,} "
    f"training examples; {rep['data']['sizes'][split]:,} {split} examples; {rep.get('machine', '')}."
)

# --------------------------------------------------------------------------- headline numbers
t_acc, s_acc = t[split]["accuracy"], s[split]["accuracy"]
sp = speed_reading(rep)
m = st.columns(5)
m[0].metric("Teacher accuracy", pct(t_acc))
m[1].metric("Student accuracy", pct(s_acc), delta=f"{(s_acc - t_acc) * 100:+.1f} points", delta_color="normal")
m[2].metric("Accuracy kept", pct(comp.get(f"accuracy_share_{split}")), help="student accuracy / teacher accuracy")
m[3].metric(
    "Speed-up (1 sentence)",
    speed_text(sp, verdict["slower"]),
    help="teacher time / student time, medians; below 1 the student is slower",
)
m[4].metric(
    "Agreement", pct(comp.get(f"agreement_{split}")), help="share of examples where both models give the same label"
)

# --------------------------------------------------------------------------- without the teacher
st.subheader("Without the teacher")
if rep.get("alpha") == 0:
    st.info(
        "This run trained the student on the labels alone (alpha = 0): it is the baseline that distilled runs "
        "with the same settings are compared with."
    )
elif base_rep:
    b = base_rep["student"][split]
    b_rows = [("teacher", t[split]), ("distilled student", s[split]), ("same student, no teacher", b)]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "": who,
                    f"accuracy ({split})": pct(r["accuracy"]),
                    f"macro-F1 ({split})": pct(r["macro_f1"]),
                    "vs distilled student": "–"
                    if who == "distilled student"
                    else f"{(r['accuracy'] - s[split]['accuracy']) * 100:+.1f} points",
                }
                for who, r in b_rows
            ]
        ),
        hide_index=True,
    )
    st.caption(
        f"Baseline: run {base_dir.name}, the same student, data and seed trained on the labels alone "
        f"(alpha = 0). {baseline_steps_sentence(steps_made(rep), steps_made(base_rep), early_stop_plan(rep, base_rep))} "
        "One seed each: differences of a point or so are noise."
    )
else:
    pending = find_baseline(info.run_dir, states=ACTIVE_STATES)
    if pending:
        st.info(
            f"The same student without the teacher is training now (run {pending.name}). Watch it on the "
            "**Train** page; its results appear here, beside this run, when it finishes."
        )
    else:
        st.write(
            "Would the student be as good without the teacher? Train the same student on the labels alone "
            "(alpha = 0; same data, seed and number of training steps) and see it here beside the distilled one."
        )
        if st.button(STEPS["baseline"], type="primary", key="cmp_baseline"):
            try:
                started = jobs.launch(
                    baseline_config(load_config(info.run_dir / "config.yaml"), distilled_steps(info.run_dir)), "distill"
                )
                st.success(
                    f"Started run {started.name}. Watch it on the **Train** page; its results appear here, "
                    "beside this run, when it finishes."
                )
            except WorkbenchError as exc:
                st.error(str(exc))


left, right = st.columns(2)
left.plotly_chart(charts.param_breakdown(t["params"], s["params"]), key="cmp_params")
left.caption(
    "Embeddings turn words into numbers, the encoder layers do the reading, the head picks the label. "
    "Cutting layers shrinks the encoder; the embeddings stay."
)


@st.fragment(run_every=2)
def measuring(run_dir) -> None:
    """Polls while `workbench evaluate` re-times the models; reloads the page when it is done."""
    if jobs.reevaluating(run_dir):
        st.info("Measuring again: both models are being timed. This page updates when it is done.")
    else:
        st.rerun()


def measure_again(run_dir) -> None:
    """The 'Measure again' button, or the note that a measurement is under way or just failed."""
    if jobs.reevaluating(run_dir):
        measuring(run_dir)
        return
    started = read_status(run_dir).get("reevaluate_started")
    report_time = (run_dir / "report.json").stat().st_mtime if (run_dir / "report.json").exists() else 0
    if started and report_time < started:
        st.warning("The last new measurement did not finish; its output is in log.txt in the run's folder.")
    if st.button("Measure again", key="cmp_measure", help="Times both models again; best when nothing is training"):
        try:
            jobs.reevaluate(run_dir)
            st.rerun()
        except WorkbenchError as exc:
            st.error(str(exc))


with right:
    if t.get("latency_ms") and s.get("latency_ms"):
        spreads = {"teacher": t.get("latency_spread_ms") or {}, "student": s.get("latency_spread_ms") or {}}
        st.plotly_chart(charts.latency(t["latency_ms"], s["latency_ms"], spreads), key="cmp_latency")
        precision = rep.get("latency_precision")
        how = (
            f"Both models timed in {PRECISIONS.get(precision, precision)}"
            if precision
            else "The precision of these timings was not recorded"
        )
        spread_words = (
            "bars are medians, whiskers the lowest and highest of the repeats"
            if sp["has_spread"]
            else "no spread was recorded"
        )
        borrowed = sp.get("measured_in") and sp["measured_in"] != info.run_dir.name
        where = (
            f" Timed in {sp['pair_of']}, the distilled run of this pair: the same teacher and student "
            "architecture, so one measurement serves both."
            if sp.get("pair_of")
            else f" Timed once in {sp['measured_in']}, an earlier trial of this sweep with the same student "
            "architecture: speed does not depend on temperature, alpha or seed."
            if borrowed
            else ""
        )
        st.caption(
            f"Measured on this machine after training, tokenisation included, one sentence at a time and in "
            f"batches of 32; {spread_words}. {how}.{where}"
        )
        if sp["unsure"]:
            why = unsure_reason(sp, detailed=True)
            st.warning(f"This speed figure is unreliable: {why}. Measure again when nothing else is running.")
            measure_again(timing_dir)
        elif not sp["has_spread"] or not precision:
            st.caption("This report is from an older version, without the spread of the timings.")
            measure_again(timing_dir)
    elif info.report.get("state") == "stopped":
        st.info("Speed was not measured: the run was stopped early. Measure it now to compare the two models' speed.")
        measure_again(info.run_dir)
    else:
        st.info("Speed was not measured for this run.")
        measure_again(info.run_dir)

table = pd.DataFrame(
    [
        {"": "parameters", "teacher": human_count(t["params"]["total"]), "student": human_count(s["params"]["total"])},
        {"": "size on disk", "teacher": human_bytes(t.get("size_bytes")), "student": human_bytes(s.get("size_bytes"))},
        *[
            {
                "": f"ms per sentence, {k.replace('_', ' of ')} (median, low–high)",
                "teacher": ms_with_spread(t["latency_ms"][k], (t.get("latency_spread_ms") or {}).get(k)),
                "student": ms_with_spread(s["latency_ms"][k], (s.get("latency_spread_ms") or {}).get(k)),
            }
            for k in (t.get("latency_ms") or {})
            if k in (s.get("latency_ms") or {})
        ],
        *[
            {
                "": f"speed-up, {r['key'].replace('_', ' of ')}",
                "teacher": "1.0x",
                "student": f"{r['speedup']:.1f}x" + (" (unclear)" if r["unsure"] else ""),
            }
            for r in (speed_reading(rep, k) for k in (t.get("latency_ms") or comp.get("speedup") or {}))
            if r["speedup"] is not None
        ],
        {"": f"accuracy ({split})", "teacher": pct(t_acc), "student": pct(s_acc)},
        {"": f"macro-F1 ({split})", "teacher": pct(t[split]["macro_f1"]), "student": pct(s[split]["macro_f1"])},
        {"": "layers", "teacher": str(t["architecture"]["layers"]), "student": str(s["architecture"]["layers"])},
        {
            "": "what it is",
            "teacher": teacher_name(read_config(info.run_dir)),
            "student": student_name(read_config(info.run_dir), s),
        },
    ]
)
st.dataframe(table, hide_index=True)

if rep.get("ensemble"):  # several teachers: each one's accuracy and the ensemble's
    ens = rep["ensemble"]
    st.subheader("The teachers")
    rule = ENSEMBLE_INPUTS["probs" if ens["combine"] == "probs" else "logits"]
    ens_rows = [
        {
            "": f"teacher {n}" + (" (main)" if n == 1 else ""),
            "what it is": teacher_name(read_config(info.run_dir)) if n == 1 else model_name("run", m["location"]),
            f"accuracy ({split})": pct(m[split]["accuracy"]),
        }
        for n, m in enumerate(ens["members"], start=1)
    ]
    ens_rows.append(
        {"": "ensemble", "what it is": f"average of {rule}", f"accuracy ({split})": pct(ens[split]["accuracy"])}
    )
    st.dataframe(pd.DataFrame(ens_rows), hide_index=True)
    st.caption(
        "The student learned from the ensemble. The teacher above, with its size and speed, is the main teacher."
    )

st.subheader("Where each model goes wrong")
c1, c2 = st.columns(2)
c1.plotly_chart(charts.confusion(t[split]["confusion_matrix"], names, "Teacher"), key="cmp_cm_t")
c2.plotly_chart(charts.confusion(s[split]["confusion_matrix"], names, "Student"), key="cmp_cm_s")
st.caption("Rows are the true labels, columns the predictions: the diagonal counts correct answers.")

cal = calibration_of(rep, split)
if cal:  # reports written before calibration was measured show nothing here
    st.subheader("Can you trust their confidence?")
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(charts.reliability(cal), key="cmp_reliability")
    c2.markdown(calibration_sentence(cal["teacher"]["ece"], cal["student"]["ece"]))
    c2.caption(
        "Each dot is a group of examples on which a model was about equally sure (bigger dot: more examples). "
        "On the dashed line a model that says 80% is right 80% of the time; below it, the model is "
        "over-confident. ECE (expected calibration error) is the average distance from that line."
    )

show_extra_sets(rep, split)  # test sets from elsewhere, when the run has any

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
    with section("the two models' answers"):  # a failure is one line; the download below stays usable
        from workbench.studio import classify_both

        teacher, student, max_length = cached.run_models(info.run_dir)
        result = pd.DataFrame(classify_both(teacher, student, text, max_length))
        st.dataframe(result, hide_index=True)
        verdict = "Both models agree." if result["prediction"].nunique() == 1 else "The models disagree on this one."
        st.write(verdict)

# --------------------------------------------------------------------------- download
st.subheader("Share the result, take the student with you")
d1, d2 = st.columns(2)
d1.download_button(
    f"Download a report to share (.html, about {download_size(report_size_estimate(info.run_dir))})",
    data=lambda: build_html(info.run_dir),
    file_name=f"{info.id}-report.html",
    mime="text/html",
    icon=":material/description:",
    key="cmp_report",
    help="One file with the headline, charts, examples and settings; opens in any browser, offline",
)
try:
    zip_label = pytorch_zip_label(info.run_dir)  # its files' sizes added up: the zip is built on click only
except WorkbenchError as exc:
    d2.caption(f"{exc}.")
else:
    d2.download_button(
        zip_label,
        data=lambda: model_zip(info.run_dir),
        file_name=f"{info.id}-student.zip",
        mime="application/zip",
        icon=":material/download:",
        key="cmp_zip",
        help="Weights, config, tokenizer and a model card; the ONNX files, once exported, are offered below",
    )


export_box(info.run_dir, info.id, s)

"""Temperature & alpha: see what T and alpha do to the teacher's soft targets and to the loss, on real examples."""

from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from ui import cached, charts
from ui.guard import ensure_navigation
from ui.sections import section
from ui.state import KEPT_PREFIX, bind, get_cfg, save_cfg, sticky
from workbench.config import ModelConfig
from workbench.runs import best_teacher_run, finished_teacher_runs
from workbench.studio import explain, temperature_curve

ensure_navigation("pages/temperature.py")

SETUP = "setup"
N_CHOICES = 40

cfg = get_cfg()
st.title("Temperature & alpha")
st.markdown(
    "The student learns from two things at once: the **right answers** (labels) and the teacher's **soft targets**, "
    "its full spread of probabilities. **T** (temperature) flattens that spread so the student also sees *how sure* "
    "the teacher is and which wrong answers look plausible to it. **alpha** says how much the student listens to the "
    "teacher versus the labels."
)
st.latex(
    r"\text{loss} = \alpha \cdot T^2 \cdot \mathrm{KL}\big(\mathrm{softmax}(z_t/T)\,\|\,\mathrm{softmax}(z_s/T)\big)"
    r" + (1-\alpha)\cdot \mathrm{CE}(z_s, y)"
)
st.caption(
    "Convention used everywhere in this workbench: alpha weights the soft (teacher) loss, 1 − alpha the hard "
    "(label) loss, and the soft loss is multiplied by T² so its size does not shrink as T grows (Hinton et al., 2015)."
)

with st.expander("More ways to learn from the teacher: inner workings and extra texts"):
    st.markdown(
        "The loss above uses only the teacher's **answers**. Three optional additions, set on the **Setup** page:\n\n"
        "- **Hidden states** (TinyBERT): after each layer, a transformer holds a list of numbers per word, its "
        "current reading of the text. The student is also scored on how close its own numbers are to the "
        "teacher's at matching layers (through a learned translation when the student is narrower).\n"
        "- **Attention** (MiniLM): each layer decides which other words each word looks at. The student is also "
        "scored on looking where the teacher looks.\n"
        "- **Extra texts** (Tang et al. 2019): copies of the training texts with some words masked or cut short, "
        "and any unlabelled texts you add. They have no labels, so the student learns from the teacher's answers "
        "alone there: more examples of how the teacher thinks, at the cost of longer epochs.\n\n"
        "The first two need a transformer student; extra texts help most for small students such as the BiLSTM."
    )
    st.latex(
        r"\text{loss} = \alpha\,\text{soft} + (1-\alpha)\,\text{hard}"
        r" + w_{\text{hidden}}\,\text{MSE}(h_s W, h_t) + w_{\text{attention}}\,\mathrm{KL}(A_t \,\|\, A_s)"
    )
    d = cfg.distill
    st.caption(
        f"Now: hidden-state weight {d.hidden_weight:g}, attention weight {d.attention_weight:g}, "
        f"{cfg.transfer.augment_factor} augmented copies per text"
        + (", plus a file of unlabelled texts." if cfg.transfer.unlabelled_path else ".")
    )

# --------------------------------------------------------------------------- which teacher
runs = finished_teacher_runs()
options = [SETUP] + [r["run_dir"] for r in runs]
labels = {
    SETUP: f"The teacher chosen on Setup ({cfg.teacher.source}{': ' + cfg.teacher.name if cfg.teacher.name else ''})"
}
for r in runs:
    acc = f", test accuracy {r['accuracy']:.0%}" if r["accuracy"] is not None else ""
    labels[r["run_dir"]] = f"Fine-tuned teacher from run {r['id']}{acc}"
best = best_teacher_run(cfg.data)  # the best for this data, not the newest (which may be a smoke test)
default = (best or runs[0])["run_dir"] if runs and cfg.teacher.source != "run" else SETUP
if st.session_state.get("temp_teacher") not in options:
    st.session_state.pop("temp_teacher", None)
picked_teacher = st.selectbox("Teacher to explore", options, format_func=labels.get, key=bind("temp_teacher", default))
explore = copy.deepcopy(cfg)
if picked_teacher != SETUP:
    explore.teacher = ModelConfig(source="run", name=picked_teacher)
    if st.button("Distil from this fine-tuned teacher", help="Sets the teacher of the run you will train"):
        cfg.teacher = ModelConfig(source="run", name=picked_teacher)
        for key in ("setup_teacher_source", "setup_teacher_run"):
            st.session_state.pop(key, None)
        st.session_state["temp_teacher"] = SETUP
        save_cfg()
        st.rerun()
elif not runs:
    st.caption("Fine-tune a teacher on the **Train** page and it will be offered here.")

loaded = None
with section("the teacher and the student on this data"):  # a failure is one line; the choice above stays
    data = cached.data_for(explore)
    model_key = cached.explorer_key(explore)
    loaded = data, model_key, *cached.explorer_models(model_key, tuple(data.label_names))
if loaded is None:
    st.stop()
data, model_key, teacher, student = loaded
names = data.label_names
if not teacher.head_trained:
    st.warning(
        "**This teacher is untrained.** Its classification head has random weights until it is fine-tuned, so its "
        "probabilities below are guesses, not knowledge. The curves still show what T does; for meaningful soft "
        "targets, fine-tune the teacher on the Train page and pick it above."
    )
st.caption(
    f"The student ({student.description}) is shown *before* training: distillation will pull it towards the teacher."
)

# --------------------------------------------------------------------------- examples and sliders
left, right = st.columns([3, 2], gap="large")
with left:
    val = data.validation
    choices = list(range(min(N_CHOICES, len(val))))
    if any(i not in choices for i in st.session_state.get("temp_examples", [])):
        st.session_state.pop("temp_examples")
    picked = st.multiselect(
        "Validation examples",
        choices,
        format_func=lambda i: f"#{i} {names[val.labels[i]]}: {val.texts[i][:40]}…",
        key=bind("temp_examples", choices[:3]),
        max_selections=6,
    )
    # sticky: a typed sentence and its label are still there after a visit to another page
    typed = st.text_input(
        "…or type a sentence of your own", key=sticky("temp_typed"), placeholder="A warm, funny film."
    )
    if st.session_state.get(KEPT_PREFIX + "temp_typed_label", names[0]) not in names:  # labels of other data
        st.session_state.pop(KEPT_PREFIX + "temp_typed_label", None)
        st.session_state.pop("temp_typed_label", None)
    typed_label = (
        st.selectbox(
            "The label you mean it to have",
            names,
            key=sticky("temp_typed_label", names[0]),
            help="A sentence you type has no true label; the hard (label) part of the loss needs one, so it uses "
            "yours.",
        )
        if typed.strip()
        else None
    )
with right:
    t_value = min(10.0, max(0.5, round(cfg.distill.temperature * 2) / 2))
    T = st.slider("Temperature T", 0.5, 10.0, step=0.5, format="%.1f", key=bind("temp_T", t_value))
    alpha = st.slider(
        "alpha: weight of the teacher's soft targets",
        0.0,
        1.0,
        step=0.05,
        key=bind("temp_alpha", float(cfg.distill.alpha)),
    )
    cfg.distill.temperature, cfg.distill.alpha = float(T), float(alpha)
    save_cfg()  # the draft: a reload or another page finds T and alpha
    st.success(
        f"Training will use **T = {T:g}** and **alpha = {alpha:g}**: {alpha:.0%} teacher, {1 - alpha:.0%} labels."
    )

texts = [val.texts[i] for i in picked] + ([typed.strip()] if typed_label else [])
tags = [f"#{i}" for i in picked] + (["typed"] if typed_label else [])
y = [val.labels[i] for i in picked] + ([names.index(typed_label)] if typed_label else [])
if not texts:
    st.info("Pick at least one example or type a sentence.")
    st.stop()


@st.cache_data(show_spinner="Running both models on the examples…", max_entries=32)
def logits_of(key: str, label_names: tuple[str, ...], sentences: tuple[str, ...], max_length: int):
    from workbench.studio import logits_for_texts

    t_model, s_model = cached.explorer_models(key, label_names)
    return (
        logits_for_texts(t_model, list(sentences), max_length).tolist(),
        logits_for_texts(s_model, list(sentences), max_length).tolist(),
    )


answers = None
with section("the two models' answers"):
    answers = logits_of(model_key, tuple(names), tuple(texts), cfg.training.max_length)
if answers is None:
    st.stop()
t_list, s_list = answers
ex = explain(t_list, s_list, y, T, alpha)

# --------------------------------------------------------------------------- probabilities at T
st.divider()
st.subheader(f"Class probabilities at T = {T:g}")
c1, c2 = st.columns([3, 1])
rows = [
    {"example": tag, "model": who, "class": names[c], "probability": p[i][c]}
    for i, tag in enumerate(tags)
    for who, p in (("teacher", ex.teacher_probs), ("student", ex.student_probs))
    for c in range(len(names))
]
c1.plotly_chart(charts.probability_bars(rows, f"Teacher and student, softened with T = {T:g}"), key="temp_probs")
c2.markdown(
    "Each panel is one example. Purple bars are the **teacher's** soft targets, orange the **student's** current "
    "guesses. Training moves the orange bars towards the purple ones. Raise T and both get flatter: the teacher's "
    "second choice becomes visible."
)

# --------------------------------------------------------------------------- curve over T
st.subheader("How the teacher's answer flattens as T grows")
# start from the example the teacher is surest about: its curve shows the flattening best
surest = min(range(len(tags)), key=lambda i: ex.teacher_entropy[i])
which = st.selectbox(
    "Example",
    list(range(len(tags))),
    index=surest,
    format_func=lambda i: f"{tags[i]}: {texts[i][:80]}",
    key="temp_curve_example",
)
curve = temperature_curve(t_list[which])
c1, c2, c3 = st.columns([2, 2, 1])
c1.plotly_chart(charts.temperature_curve(curve, names, T), key="temp_curve")
c2.plotly_chart(charts.entropy_curve(curve, T), key="temp_entropy")
h = ex.teacher_entropy[which]
c3.metric("Uncertainty at this T", f"{h:.2f} bits", help=f"0 = certain, {curve['max_entropy']:.2f} = a coin toss")
c3.markdown(
    "At **T = 1** you see the teacher's plain answer. As T grows the lines meet: at very high T every class looks "
    "equally likely and the soft targets carry no information. Entropy measures that flatness."
)

# --------------------------------------------------------------------------- loss breakdown
st.subheader("The loss on these examples, part by part")
b = ex.loss
table = pd.DataFrame(
    {
        "example": tags,
        # a typed sentence has no true label: the table says so, and which label the hard loss used instead
        "true label": [names[v] for v in y[: len(picked)]]
        + ([f"– (typed by you; the loss used {typed_label})"] if typed_label else []),
        "soft: T²·KL(teacher‖student)": b.soft,
        "hard: CE(student, label)": b.hard,
        "alpha × soft": b.weighted_soft,
        "(1 − alpha) × hard": b.weighted_hard,
        "total": b.total,
    }
)
c1, c2 = st.columns([3, 2], gap="large")
parts = [
    {"example": tag, "part": name, "value": v}
    for name, values in (("alpha × soft (teacher)", b.weighted_soft), ("(1 − alpha) × hard (labels)", b.weighted_hard))
    for tag, v in zip(tags, values, strict=True)
]
c1.plotly_chart(charts.loss_parts(parts), key="temp_loss")
c2.markdown(
    f"Averaged over these {len(tags)} example(s): soft **{b.mean_soft:.3f}**, hard **{b.mean_hard:.3f}**, "
    f"total = {alpha:g} × {b.mean_soft:.3f} + {1 - alpha:g} × {b.mean_hard:.3f} = **{b.mean_total:.3f}**. "
    "The soft part is small when the student already agrees with the teacher; the hard part is small when it "
    "gives the right label high probability."
)
st.dataframe(table.round(4), hide_index=True)

"""Setup: choose the teacher, the student and the data, and look at all three before anything trains."""

from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from ui import cached, charts
from ui.guard import ensure_navigation
from ui.guided import estimate_text, remember_open, teacher_label
from ui.state import bind, config_problem, get_cfg, plain_problem, save_cfg
from ui.summary import human_bytes, human_count, human_seconds
from workbench.config import ModelConfig, to_commented_yaml
from workbench.core import WorkbenchError
from workbench.models import default_layers, teacher_seconds_per_text, transfer_cost
from workbench.runs import (
    ACTIVE_STATES,
    best_teacher_run,
    finished_teacher_runs,
    first_run_wall_seconds,
    guided,
    guided_group,
    runs_root,
    slug,
)
from workbench.studio import (
    base_name,
    check_columns,
    display_name,
    label_balance,
    preview_rows,
    read_upload,
    save_upload,
    token_lengths,
)

ensure_navigation("pages/setup.py")

TEACHERS = {
    "bundled": "Bundled MiniLM (all-MiniLM-L6-v2)",
    "hub": "A model from the Hugging Face hub",
    "local": "A model folder on this machine",
    "run": "A teacher fine-tuned in an earlier run",
}
STUDENTS = {
    "layers": "Cut from the teacher (keep some of its layers)",
    "scratch": "A small transformer trained from scratch",
    "bilstm": "A BiLSTM (Tang et al. 2019): tiny and fast",
    "pretrained": "A pre-trained model",
}
DATASETS = {
    "bundled": "Bundled Rotten Tomatoes reviews",
    "hub": "A data set from the Hugging Face hub",
    "local": "Upload a CSV / JSONL / Parquet file",
}
ICONS = {"ok": "ok", "warn": "warning", "error": "PROBLEM"}
MAX_EXAMPLES = 10_000_000  # a bound, so the box cannot hold a number the config would not take

cfg = get_cfg()
column_problem = None  # why the uploaded file's column choice cannot train
st.title("Setup")
st.caption(
    "Pick a big **teacher** model, a smaller **student** that will learn from it, and the **data** they work on. "
    "Nothing trains on this page: look at the data and check that the models fit together first."
)


# --------------------------------------------------------------------------- the guided first run
def guided_box() -> bool:
    """For a newcomer (no teacher fine-tuned on this data yet): the whole story in one click.
    True when its button is shown (it is then the page's one primary button)."""
    group = guided_group()
    if any(i.state in ACTIVE_STATES for i in group.values()):
        with st.container(border=True):
            st.markdown("**Your first run is under way.** Follow its three steps on the Train page.")
            if st.button("Watch it on the Train page", type="primary", icon=":material/monitoring:"):
                st.switch_page("pages/train.py")
        return False
    if best_teacher_run(cfg.data) is not None:
        return False
    with st.container(border=True):
        st.subheader("New here? Run the whole story")
        st.markdown(
            "One click trains three models, one after the other, on the data below:\n"
            "1. **Fine-tune the teacher**: the bundled MiniLM learns the task (it starts untrained).\n"
            "2. **Distil the student**: a smaller model learns from the teacher's answers.\n"
            "3. **Train the same student without the teacher**, so you can see what the teacher added.\n\n"
            "Then **Compare** shows how much of the teacher's accuracy the student kept, and how much faster it is."
        )
        st.markdown("Time: " + estimate_text(cfg.data.max_train_examples, first_run_wall_seconds()))
        problem = config_problem(cfg)
        if st.button(
            "Run the whole story (teacher, student, comparison)",
            type="primary",
            icon=":material/play_arrow:",
            disabled=problem is not None,
            key="guided_start",
        ):
            save_cfg()
            try:
                dirs = guided.launch_first_run(copy.deepcopy(cfg), runs_root())
            except WorkbenchError as exc:
                st.error(plain_problem(str(exc)))
                return True
            remember_open(dirs["teacher"])
            st.switch_page("pages/train.py")
        if problem:
            st.caption(f"Cannot start yet: {problem.rstrip('.')}.")
        else:
            st.caption(
                "You can leave this page or close the tab: the runs carry on. Smaller example limits (below) make it faster."
            )
    return True


def student_size(cfg) -> None:
    """'About 4.7M parameters, 21% of the teacher's 22.7M', from config files alone (no weights)."""
    if cfg.student.kind == "pretrained":
        return
    try:
        sizes = cached.param_estimate(cfg)
    except WorkbenchError:
        return  # the teacher or data column already says what is wrong
    t, s = sizes["teacher"]["total"], (sizes["student"] or {}).get("total")
    if not s:
        return
    line = f"About **{human_count(s)} parameters**, {s / t:.0%} of the teacher's {human_count(t)}."
    if sizes.get("student_vocab_size", sizes["vocab_size"]) < sizes["vocab_size"]:
        line += (
            f" Its vocabulary keeps the {sizes['student_vocab_size']:,} of the teacher's {sizes['vocab_size']:,} "
            "word pieces that occur in the training texts."
        )
    st.caption(line)


newcomer = guided_box()
st.text_input("Run name", key=bind("setup_name", cfg.name), help="Used in the run's folder name.")
cfg.name = st.session_state["setup_name"] or "run"

col_t, col_s, col_d = st.columns(3, gap="large")

# --------------------------------------------------------------------------- teacher
with col_t:
    st.subheader("Teacher")
    st.caption("The large model whose answers the student imitates.")
    source = st.radio(
        "Where the teacher comes from",
        list(TEACHERS),
        format_func=TEACHERS.get,
        key=bind("setup_teacher_source", cfg.teacher.source),
    )
    name = ""
    if source == "hub":
        name = st.text_input(
            "Hub model id",
            key=bind("setup_teacher_hub", cfg.teacher.name if cfg.teacher.source == "hub" else "bert-base-uncased"),
        )
        st.caption("Needs a connection to the hub (or the model in the local hub cache).")
    elif source == "local":
        name = st.text_input(
            "Model folder", key=bind("setup_teacher_local", cfg.teacher.name if cfg.teacher.source == "local" else "")
        )
    elif source == "run":
        runs = finished_teacher_runs()
        if not runs:
            st.info("No fine-tuned teacher yet. Start one on the **Train** page (“Fine-tune the teacher”).")
        else:
            options = [r["run_dir"] for r in runs]
            labels = {r["run_dir"]: teacher_label(r) for r in runs}
            best = best_teacher_run(cfg.data)  # not the newest: that may be a 3-example test at chance
            current = cfg.teacher.name if cfg.teacher.name in options else (best or runs[0])["run_dir"]
            if st.session_state.get("setup_teacher_run") not in options:
                st.session_state.pop("setup_teacher_run", None)
            name = st.selectbox(
                "Fine-tuned teacher", options, format_func=labels.get, key=bind("setup_teacher_run", current)
            )
    else:
        st.caption(
            "Ships with the workbench, works offline. Its classification head starts untrained: fine-tune it first on the Train page."
        )
    cfg.teacher = ModelConfig(source=source, name=name or "")

# --------------------------------------------------------------------------- student
with col_s:
    st.subheader("Student")
    st.caption("The small, fast model we want to end up with.")
    s = cfg.student
    s.kind = st.radio(
        "What the student is", list(STUDENTS), format_func=STUDENTS.get, key=bind("setup_student_kind", s.kind)
    )
    if s.kind == "layers":
        try:
            n = cached.layer_count(cfg.teacher)
        except WorkbenchError as exc:
            st.error(plain_problem(str(exc)))
            n = None
        if n:
            chosen = [i for i in (s.layers or default_layers(n)) if i < n]
            if any(i >= n for i in st.session_state.get("setup_student_layers", [])):
                st.session_state.pop("setup_student_layers")
            layers = st.multiselect(
                f"Teacher layers to keep (of {n})",
                list(range(n)),
                key=bind("setup_student_layers", chosen),
                help="Every other layer is DistilBERT's recipe. Fewer layers = faster, less accurate.",
            )
            s.layers = sorted(layers) or None
            st.caption(f"The student keeps {len(layers) or len(default_layers(n))} of {n} layers.")
    elif s.kind == "pretrained":
        s.source = st.selectbox("From", ["hub", "local", "run", "bundled"], key=bind("setup_student_source", s.source))
        if s.source != "bundled":
            s.name = st.text_input(
                "Model id or folder", key=bind("setup_student_name", s.name or "distilbert-base-uncased")
            )
    elif s.kind == "scratch":
        s.num_layers = st.slider("Layers", 1, 12, key=bind("setup_scratch_layers", s.num_layers))
        s.hidden_size = st.select_slider(
            "Hidden size", [64, 128, 192, 256, 384, 512, 768], key=bind("setup_scratch_hidden", s.hidden_size)
        )
        s.num_heads = st.select_slider(
            "Attention heads", [1, 2, 4, 8, 12], key=bind("setup_scratch_heads", s.num_heads)
        )
        s.intermediate_size = st.select_slider(
            "Feed-forward size", [256, 512, 1024, 1536, 2048, 3072], key=bind("setup_scratch_ff", s.intermediate_size)
        )
        st.caption("Reuses the teacher's tokenizer and a projection of its word embeddings.")
    elif s.kind == "bilstm":
        st.caption(
            "Reads each text word by word, forwards and backwards, with no attention: far smaller and faster "
            "than a transformer. Most of what it gains comes from extra texts the teacher labels (below)."
        )
        s.embedding_size = st.select_slider(
            "Word vector size",
            [32, 64, 128, 256, 300],
            key=bind("setup_lstm_embedding", s.embedding_size),
            help="Starts from the teacher's word vectors, projected down to this width.",
        )
        s.lstm_hidden_size = st.select_slider(
            "LSTM size (each direction)", [64, 128, 256, 512], key=bind("setup_lstm_hidden", s.lstm_hidden_size)
        )
        s.lstm_layers = st.slider("LSTM layers", 1, 3, key=bind("setup_lstm_layers", s.lstm_layers))
    if s.kind in ("scratch", "bilstm"):
        s.prune_vocab = st.checkbox(
            "Prune vocabulary to training words",
            key=bind("setup_prune_vocab", s.prune_vocab),
            help="Keeps only the words that occur in the training texts: a much smaller word table. "
            "Words never seen in training are then read as unknown.",
        )
    student_size(cfg)

# --------------------------------------------------------------------------- data
with col_d:
    st.subheader("Data")
    st.caption("Short texts with a label each (for example a review and whether it is positive).")
    d = cfg.data
    d.source = st.radio("Data set", list(DATASETS), format_func=DATASETS.get, key=bind("setup_data_source", d.source))
    if d.source == "hub":
        d.name = st.text_input("Hub data set name", key=bind("setup_data_hub", d.name))
        d.subset = st.text_input("Configuration (optional)", key=bind("setup_data_subset", d.subset or "")) or None
        d.text_column = st.text_input("Text column", key=bind("setup_data_text", d.text_column))
        d.label_column = st.text_input("Label column", key=bind("setup_data_label", d.label_column))
    elif d.source == "local":
        up = st.file_uploader("Training file", type=["csv", "jsonl", "parquet"], key="setup_upload")
        frame, shown = None, None
        if up is not None:
            try:
                path = save_upload(up.name, up.getvalue())
                shown, frame = base_name(up.name), read_upload(path, up.name)
                d.path = str(path)
            except WorkbenchError as exc:
                d.path = None  # a failed upload must not leave the previous file in use
                st.error(plain_problem(str(exc)))
        elif d.path:  # chosen in an earlier visit (the draft keeps it)
            shown = display_name(d.path)
            try:
                frame = read_upload(d.path)
            except WorkbenchError as exc:
                st.error(plain_problem(str(exc)))
        if frame is not None:
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
                check_columns(frame, d.text_column, d.label_column, shown)
            except WorkbenchError as exc:
                column_problem = str(exc)
        elif up is None and not d.path:
            st.info("Upload a file to continue.")
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

# --------------------------------------------------------------------------- teacher signals
TRANSFORMER_STUDENTS = ("layers", "scratch")
ENSEMBLE = {"probs": "Average their probabilities", "logits": "Average their raw scores (logits)"}
UNLABELLED_TYPES = (".txt", ".csv", ".jsonl")


def training_size(cfg) -> int | None:
    """Training examples the run will use (None while the data cannot load yet)."""
    if column_problem or config_problem(cfg):  # the page says why below; loading would fail
        return None
    try:
        return len(cached.data_for(cfg).train)
    except WorkbenchError:
        return None


def transfer_box(cfg) -> None:
    """More texts for the teacher to label (Tang et al.'s transfer set), and what they cost."""
    tr = cfg.transfer
    st.markdown("**More texts for the teacher to label**")
    st.caption(
        "The teacher answers for texts that have no label, and the student learns from those answers too. "
        "Copies of the training texts with some words masked or cut short are an easy source."
    )
    tr.augment_factor = st.slider(
        "Augmented copies of each training text", 0, 8, key=bind("setup_augment", tr.augment_factor)
    )
    with st.expander("Advanced: how the copies are made"):
        tr.mask_prob = st.slider(
            "Chance that a word is masked", 0.0, 0.5, step=0.05, key=bind("setup_mask_prob", float(tr.mask_prob))
        )
        tr.ngram_prob = st.slider(
            "Chance that a copy is cut to a few words",
            0.0,
            1.0,
            step=0.05,
            key=bind("setup_ngram_prob", float(tr.ngram_prob)),
        )
    up = st.file_uploader(
        "Unlabelled texts (optional)",
        type=[t.lstrip(".") for t in UNLABELLED_TYPES],
        key="setup_unlabelled",
        help="A .txt file with one text per line, or a .csv / .jsonl with the same text column as the training data.",
    )
    if up is not None:
        try:
            tr.unlabelled_path = str(save_upload(up.name, up.getvalue(), suffixes=UNLABELLED_TYPES))
        except WorkbenchError as exc:
            tr.unlabelled_path = None  # a failed upload must not leave the previous file in use
            st.error(plain_problem(str(exc)))
    n_unlabelled = 0
    if tr.unlabelled_path:
        try:
            n_unlabelled = cached.text_count(tr.unlabelled_path)
            st.caption(f"Using {n_unlabelled:,} unlabelled texts from {display_name(tr.unlabelled_path)}.")
        except WorkbenchError as exc:
            st.error(plain_problem(str(exc)))
        if up is None and st.button("Stop using this file", key="setup_unlabelled_clear"):
            tr.unlabelled_path = None
            st.rerun()
    n_train = training_size(cfg)
    if not (tr.augment_factor or n_unlabelled) or not n_train:
        return
    stored = st.session_state.get("setup_preflight")
    estimate = stored[1].get("estimate") if stored and stored[0] == cached.key_of(cfg) else None
    per_text = teacher_seconds_per_text(estimate, min(cfg.training.batch_size, n_train))
    cost = transfer_cost(n_train, tr.augment_factor, n_unlabelled, tr.max_examples, per_text)
    once = (
        f"the teacher labels them once (~{human_seconds(cost['teacher_seconds'])})"
        if cost["teacher_seconds"] is not None
        else "the teacher labels them once (run the compatibility check below to time that on this machine)"
    )
    st.info(
        f"**{cost['extra_texts']:,} extra texts**: {once}, and each epoch takes about "
        f"{cost['epoch_factor']:.1f} times longer ({n_train:,} training texts now)."
    )


def inner_box(cfg) -> None:
    """The hidden-state (TinyBERT) and attention (MiniLM) losses: transformer students only."""
    d = cfg.distill
    st.markdown("**Copy the teacher's inner workings**")
    st.caption(
        "Besides its answers, the student can imitate what the teacher computes inside: its hidden states "
        "and where its attention goes. 0 = off. The Temperature & alpha page explains both."
    )
    if cfg.student.kind not in TRANSFORMER_STUDENTS:
        d.hidden_weight = d.attention_weight = 0.0
        st.caption(
            "Not for this student: only a transformer student (cut from the teacher or trained from scratch) "
            "has hidden states and attention to compare with the teacher's."
        )
        return
    blocked = cfg.student.kind == "scratch" and cfg.student.prune_vocab
    if blocked:
        d.hidden_weight = d.attention_weight = 0.0
        st.caption(
            "Untick *Prune vocabulary to training words* (Student) to use these: the teacher must read the same words the student reads."
        )
    a, b = st.columns(2)
    hidden = a.number_input(
        "Hidden-state weight",
        min_value=0.0,
        max_value=100.0,
        step=0.5,
        key=bind("setup_hidden_weight", float(d.hidden_weight)),
        disabled=blocked,
    )
    attention = b.number_input(
        "Attention weight",
        min_value=0.0,
        max_value=100.0,
        step=0.5,
        key=bind("setup_attention_weight", float(d.attention_weight)),
        disabled=blocked,
    )
    if not blocked:
        d.hidden_weight, d.attention_weight = float(hidden), float(attention)


def teachers_box(cfg) -> None:
    """More fine-tuned teachers: the student learns from their average."""
    st.markdown("**More teachers**")
    st.caption("Other fine-tuned teachers on this data: the student learns from the average of all of them.")
    runs = [r for r in finished_teacher_runs() if r["run_dir"] != cfg.teacher.name]
    if not runs:
        cfg.extra_teachers = []
        st.caption("No other fine-tuned teacher yet: fine-tune more on the **Train** page to use them here.")
        return
    options = [r["run_dir"] for r in runs]
    labels = {r["run_dir"]: teacher_label(r) for r in runs}
    if any(o not in options for o in st.session_state.get("setup_extra_teachers", [])):
        st.session_state.pop("setup_extra_teachers")
    picked = st.multiselect(
        "Also learn from",
        options,
        format_func=labels.get,
        key=bind("setup_extra_teachers", [t for t in cfg.extra_teachers if t in options]),
    )
    cfg.extra_teachers = list(picked)
    if picked:
        cfg.distill.ensemble = st.radio(
            "How their answers are combined",
            list(ENSEMBLE),
            format_func=ENSEMBLE.get,
            key=bind("setup_ensemble", cfg.distill.ensemble),
            help="Probabilities: each teacher's softened answer counts equally. Raw scores: a very sure teacher "
            "weighs more.",
        )


st.subheader("What the student learns from")
st.caption(
    "By default: the labels and the teacher's answers on the training texts (mixed by alpha on the Temperature & "
    "alpha page). Everything below is optional and makes training slower."
)
sig1, sig2, sig3 = st.columns(3, gap="large")
with sig1:
    transfer_box(cfg)
with sig2:
    inner_box(cfg)
with sig3:
    teachers_box(cfg)

save_cfg()  # the draft: a reload or another page finds these choices
problem = config_problem(cfg)
if problem or column_problem:
    st.error(problem or column_problem)
    st.stop()

st.download_button(
    "Download this configuration (YAML)",
    to_commented_yaml(cfg),
    file_name=f"{slug(cfg.name)}.yaml",
    mime="text/yaml",
    help="Keeps these settings in a file; the Train page shows how to run it from a terminal.",
)

# --------------------------------------------------------------------------- data preview
st.divider()
st.header("The data")
try:
    data = cached.data_for(cfg)
except WorkbenchError as exc:
    st.error(plain_problem(str(exc)))
    st.stop()
sizes = {n: len(data.split(n)) for n in ("train", "validation", "test")}
st.write(
    f"**{sizes['train']:,}** training, **{sizes['validation']:,}** validation and **{sizes['test']:,}** test examples; "
    f"labels: **{', '.join(data.label_names)}**. {data.description}"
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
    c2.error(plain_problem(str(exc)))

# --------------------------------------------------------------------------- compatibility
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
            st.error(plain_problem(str(exc)))
stored = st.session_state.get("setup_preflight")
if stored:
    key, pf = stored
    if key != cfg_key:
        st.info("The settings changed since this check; run it again to update it.")
    (st.success if pf["ok"] else st.error)(
        "Teacher, student and data fit together."
        if pf["ok"]
        else "These choices cannot train as they are: see PROBLEM below."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {"status": ICONS.get(c["level"], c["level"]), "check": c["name"], "result": c["message"]}
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
        pd.DataFrame(
            [
                {"": k, "teacher": str(t.get(k)), "student": str(s.get(k))}
                for k in (
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
            ]
        ),
        hide_index=True,
    )
    e = pf.get("estimate") or {}
    if e:
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

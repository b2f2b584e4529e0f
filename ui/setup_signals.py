"""Setup's "What the student learns from": extra texts for the teacher to label, the inner-workings losses,
and more teachers. All optional; each makes training slower, and says so."""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.guided import teacher_label
from ui.state import bind, config_problem
from ui.summary import human_seconds
from ui.wording import ENSEMBLE_RULES, plain_problem
from workbench.config import RunConfig, TransferConfig
from workbench.core import WorkbenchError
from workbench.models import teacher_seconds_per_text, transfer_cost
from workbench.runs import finished_teacher_runs
from workbench.studio import display_name, save_upload

TRANSFORMER_STUDENTS = ("layers", "scratch")
UNLABELLED_TYPES = (".txt", ".csv", ".jsonl")


def training_size(cfg: RunConfig, column_problem: str | None) -> int | None:
    """Training examples the run will use (None while the data cannot load yet)."""
    if column_problem or config_problem(cfg):  # the page says why below; loading would fail
        return None
    try:
        return len(cached.data_for(cfg).train)
    except WorkbenchError:
        return None


def transfer_box(cfg: RunConfig, column_problem: str | None) -> None:
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
    n_unlabelled = _unlabelled_texts(cfg.transfer)
    _transfer_cost(cfg, n_unlabelled, column_problem)


def _unlabelled_texts(tr: TransferConfig) -> int:
    """The optional file of unlabelled texts; returns how many texts it holds (0 without one)."""
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
            st.error(plain_problem(exc))
    n_unlabelled = 0
    if tr.unlabelled_path:
        try:
            n_unlabelled = cached.text_count(tr.unlabelled_path)
            st.caption(f"Using {n_unlabelled:,} unlabelled texts from {display_name(tr.unlabelled_path)}.")
        except WorkbenchError as exc:
            st.error(plain_problem(exc))
        if up is None and st.button("Stop using this file", key="setup_unlabelled_clear"):
            tr.unlabelled_path = None
            st.rerun()
    return n_unlabelled


def _transfer_cost(cfg: RunConfig, n_unlabelled: int, column_problem: str | None) -> None:
    """How many extra texts, how long the teacher takes to label them and how much longer each epoch gets."""
    tr = cfg.transfer
    n_train = training_size(cfg, column_problem)
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


def inner_box(cfg: RunConfig) -> None:
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


def teachers_box(cfg: RunConfig) -> None:
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
            list(ENSEMBLE_RULES),
            format_func=ENSEMBLE_RULES.get,
            key=bind("setup_ensemble", cfg.distill.ensemble),
            help="Probabilities: each teacher's softened answer counts equally. Raw scores: a very sure teacher "
            "weighs more.",
        )


def signals_section(cfg: RunConfig, column_problem: str | None) -> None:
    """Three columns of optional teacher signals; `column_problem` (the uploaded file's columns cannot train)
    keeps the transfer-set cost from loading data that would fail."""
    st.subheader("What the student learns from")
    st.caption(
        "By default: the labels and the teacher's answers on the training texts (mixed by alpha on the Temperature & "
        "alpha page). Everything below is optional and makes training slower."
    )
    sig1, sig2, sig3 = st.columns(3, gap="large")
    with sig1:
        transfer_box(cfg, column_problem)
    with sig2:
        inner_box(cfg)
    with sig3:
        teachers_box(cfg)

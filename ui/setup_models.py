"""Setup's Teacher and Student columns: where the teacher comes from, what the student is, and its size.

Each widget's key is seeded from the session's RunConfig (`bind`) and what it returns is written back
into that config, so leaving and reopening the page keeps every choice.
"""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.guided import teacher_label
from ui.sections import section
from ui.state import bind
from ui.summary import human_count
from ui.wording import (
    BUNDLED_CHOICES,
    STUDENT_KINDS,
    TEACHER_SOURCES,
    TRAIN_PAGE_LINE,
    family_line,
    kept_line,
    plain_problem,
    training_line,
)
from workbench.config import ModelConfig, RunConfig, TrainConfig, apply_family_defaults
from workbench.core import WorkbenchError
from workbench.models import default_layers
from workbench.runs import best_teacher_run, finished_teacher_runs


# --------------------------------------------------------------------------- teacher
def _teacher_run(cfg: RunConfig) -> str:
    """The fine-tuned teacher picked from earlier runs ("" while there is none)."""
    runs = finished_teacher_runs()
    if not runs:
        st.info("No fine-tuned teacher yet. Start one on the **Train** page (“Fine-tune the teacher”).")
        return ""
    options = [r["run_dir"] for r in runs]
    labels = {r["run_dir"]: teacher_label(r) for r in runs}
    best = best_teacher_run(cfg.data)  # not the newest: that may be a 3-example test at chance
    current = cfg.teacher.name if cfg.teacher.name in options else (best or runs[0])["run_dir"]
    if st.session_state.get("setup_teacher_run") not in options:
        st.session_state.pop("setup_teacher_run", None)
    return st.selectbox("Fine-tuned teacher", options, format_func=labels.get, key=bind("setup_teacher_run", current))


def teacher_section(cfg: RunConfig) -> None:
    """The Teacher column: sets `cfg.teacher`."""
    st.subheader("Teacher")
    st.caption("The large model whose answers the student imitates.")
    source = st.radio(
        "Where the teacher comes from",
        list(TEACHER_SOURCES),
        format_func=TEACHER_SOURCES.get,
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
        name = _teacher_run(cfg)
    else:
        current = cfg.teacher.name if cfg.teacher.source == "bundled" and cfg.teacher.name in BUNDLED_CHOICES else ""
        name = st.selectbox(
            "Bundled model",
            list(BUNDLED_CHOICES),
            format_func=BUNDLED_CHOICES.get,
            key=bind("setup_teacher_bundled", current),
        )
        st.caption(
            "Ships with the workbench, works offline. Its classification head starts untrained: fine-tune it first on the Train page."
        )
    cfg.teacher = ModelConfig(source=source, name=name or "")


# --------------------------------------------------------------------------- student
def _layers_student(cfg: RunConfig) -> None:
    """Which of the teacher's layers a student cut from it keeps."""
    s = cfg.student
    try:
        n = cached.layer_count(cfg.teacher)
    except WorkbenchError as exc:
        st.error(plain_problem(exc))
        n = None
    if not n:
        return
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


def _pretrained_student(cfg: RunConfig) -> None:
    s = cfg.student
    s.source = st.selectbox("From", ["hub", "local", "run", "bundled"], key=bind("setup_student_source", s.source))
    if s.source != "bundled":
        s.name = st.text_input(
            "Model id or folder", key=bind("setup_student_name", s.name or "distilbert-base-uncased")
        )


def _scratch_student(cfg: RunConfig) -> None:
    s = cfg.student
    s.num_layers = st.slider("Layers", 1, 12, key=bind("setup_scratch_layers", s.num_layers))
    s.hidden_size = st.select_slider(
        "Hidden size", [64, 128, 192, 256, 384, 512, 768], key=bind("setup_scratch_hidden", s.hidden_size)
    )
    s.num_heads = st.select_slider("Attention heads", [1, 2, 4, 8, 12], key=bind("setup_scratch_heads", s.num_heads))
    s.intermediate_size = st.select_slider(
        "Feed-forward size", [256, 512, 1024, 1536, 2048, 3072], key=bind("setup_scratch_ff", s.intermediate_size)
    )
    st.caption("Reuses the teacher's tokenizer and a projection of its word embeddings.")


def _bilstm_student(cfg: RunConfig) -> None:
    s = cfg.student
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


STUDENT_FORMS = {
    "layers": _layers_student,
    "pretrained": _pretrained_student,
    "scratch": _scratch_student,
    "bilstm": _bilstm_student,
}


def student_size(cfg: RunConfig) -> None:
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


# widgets that show a value a family pick may change: dropped so they seed themselves from the config again
FAMILY_WIDGETS = {
    "training.learning_rate": ("dt_lr",),
    "training.epochs": ("dt_epochs",),
    "student.prune_vocab": ("setup_prune_vocab",),
    "student.num_layers": ("setup_scratch_layers",),
    "student.hidden_size": ("setup_scratch_hidden",),
    "student.num_heads": ("setup_scratch_heads",),
    "student.intermediate_size": ("setup_scratch_ff",),
    "student.embedding_size": ("setup_lstm_embedding",),
    "student.lstm_hidden_size": ("setup_lstm_hidden",),
}
FAMILY_NOTE_KEY = "wb_family_note"


def pick_family(cfg: RunConfig, kind: str) -> None:
    """Make the student a `kind` student with its family's training defaults, and say so once.

    Values the person set by hand (anything not the previous family's default) stay: the engine's
    `apply_family_defaults` decides, this only words it and re-seeds the widgets it changed."""
    if kind == cfg.student.kind:
        return
    change = apply_family_defaults(cfg, kind, previous=cfg.student.kind)
    for field in change.applied:
        for key in FAMILY_WIDGETS.get(field, ()):
            st.session_state.pop(key, None)
    line = family_line(kind, cfg.training.learning_rate, cfg.training.epochs)
    # with the values it states: while they are still the config's, the caption below need not repeat them
    said = (cfg.training.learning_rate, cfg.training.epochs)
    st.session_state[FAMILY_NOTE_KEY] = (" ".join(x for x in (line, kept_line(change.kept)) if x), said)


def _on_kind_change(cfg: RunConfig) -> None:
    pick_family(cfg, st.session_state["setup_student_kind"])


def student_section(cfg: RunConfig) -> None:
    """The Student column: sets `cfg.student` (its kind and that kind's settings)."""
    st.subheader("Student")
    st.caption("The small, fast model we want to end up with.")
    s = cfg.student
    s.kind = st.radio(
        "What the student is",
        list(STUDENT_KINDS),
        format_func=STUDENT_KINDS.get,
        key=bind("setup_student_kind", s.kind),
        on_change=_on_kind_change,
        args=(cfg,),
    )
    stored = st.session_state.get(FAMILY_NOTE_KEY)
    note, said = stored if isinstance(stored, tuple) else (stored or "", None)
    if note:
        st.info(note, icon=":material/tune:")
    now = (cfg.training.learning_rate, cfg.training.epochs)
    # one statement of the numbers: the note's, while they hold, else the caption's (changed on Train since)
    st.caption(TRAIN_PAGE_LINE if note and said == now else training_line(*now))
    if s.kind in STUDENT_FORMS:
        STUDENT_FORMS[s.kind](cfg)
    if s.kind in ("scratch", "bilstm"):
        s.prune_vocab = st.checkbox(
            "Prune vocabulary to training words",
            key=bind("setup_prune_vocab", s.prune_vocab),
            help="Keeps only the words that occur in the training texts: a much smaller word table. "
            "Words never seen in training are then read as unknown.",
        )
    with section("the student's size"):
        student_size(cfg)


# --------------------------------------------------------------------------- best checkpoint
def best_checkpoint_settings(tc: TrainConfig, prefix: str) -> None:
    """Keep the best checkpoint, and stop early: one line each, beside the other training settings."""
    a, b = st.columns(2)
    tc.keep_best = a.checkbox(
        "Keep the best checkpoint",
        key=bind(f"{prefix}_keep_best", bool(tc.keep_best)),
        help=f"Validation runs {tc.evals_per_epoch} times each pass over the data. Checked, the model saved at the "
        "end is the one with the best validation accuracy; unchecked, the one from the last step.",
    )
    tc.early_stopping_patience = int(
        b.number_input(
            "Stop early after N evaluations without improvement",
            0,
            1000,
            key=bind(f"{prefix}_patience", int(tc.early_stopping_patience)),
            help="Ends training once this many validation passes in a row bring no better accuracy; "
            "0 = never stop early. The no-teacher baseline follows the same rule.",
        )
    )

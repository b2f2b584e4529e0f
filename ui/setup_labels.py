"""Setup's "How many labels do you have?": every label, or a few per class and a pile of unlabelled texts.

With a few, the engine keeps that many labelled texts per class, the teacher (the bundled MPNet, when
the bundled MiniLM was picked: `apply_few_labels`) learns from them with SetFit-style pairs, and the rest of the training texts (or an unlabelled file) are labelled by the
teacher for the student. On the bundled data the hidden labels of the rest stand in for a real pile.
"""

from __future__ import annotations

import streamlit as st

from ui.state import bind, save_cfg
from workbench.config import RunConfig, apply_few_labels

CHOICES = {"all": "Every text has a label", "few": "Only a few per class"}
HELP = (
    "With only a few labels (say 16-64 per class), the bundled teacher becomes the larger all-mpnet-base-v2, whose "
    "sentence sense needs few examples (another teacher first learns from pairs of labelled texts, SetFit), and the "
    "student the bundled MiniLM. The teacher then labels the other training texts for the student; their own labels "
    "are hidden. "
    "`python -m benchmarks.few_labels` measures how much accuracy each number of labels gives."
)


def labels_section(cfg: RunConfig) -> None:
    """Sets `cfg.data.labels_per_class`, the unlabelled pool and the teacher's method together."""
    d = cfg.data
    choice = st.radio(
        "How many labels do you have?",
        list(CHOICES),
        format_func=CHOICES.get,
        key=bind("setup_label_budget", "few" if d.labels_per_class else "all"),
        help=HELP,
    )
    if choice == "all":
        if d.labels_per_class is not None:
            _apply(cfg, None)
        return
    n = st.number_input(
        "Labelled texts per class",
        min_value=2,
        max_value=100_000,
        step=16,
        key=bind("setup_labels_per_class", d.labels_per_class or 64),
        help="The rest of the training texts become unlabelled texts that the teacher labels for the student.",
    )
    if d.labels_per_class != int(n):
        _apply(cfg, int(n))
    teacher = (
        f"The bundled {cfg.teacher.name}" if cfg.teacher.source == "bundled" and cfg.teacher.name else "The teacher"
    )
    how = "SetFit pairs, then " if cfg.few_labels.teacher_method == "setfit" else ""
    st.caption(
        f"{teacher} learns from {int(n)} labelled texts per class ({how}{cfg.teacher_training.epochs:g} passes); "
        "the other training texts are labelled by it for the student."
    )


# the model widgets above this section: dropped when the recipe swaps the models, so they show the new ones
MODEL_WIDGETS = (
    "setup_teacher_source",
    "setup_teacher_bundled",
    "setup_student_kind",
    "setup_student_source",
    "setup_student_name",
)


def _apply(cfg: RunConfig, per_class: int | None) -> None:
    """The engine's recipe; when it swapped teacher or student (the bundled MPNet for few labels), the
    Teacher and Student columns, drawn above, are drawn again with the new models."""
    before = (cfg.teacher.source, cfg.teacher.name, cfg.student.kind)
    apply_few_labels(cfg, per_class)
    if (cfg.teacher.source, cfg.teacher.name, cfg.student.kind) != before:
        for key in MODEL_WIDGETS:
            st.session_state.pop(key, None)
        save_cfg()
        st.rerun()

"""Setup's "How many labels do you have?": every label, or a few per class and a pile of unlabelled texts.

With a few, the engine keeps that many labelled texts per class, the teacher learns from them with
SetFit-style pairs, and the rest of the training texts (or an unlabelled file) are labelled by the
teacher for the student. On the bundled data the hidden labels of the rest stand in for a real pile.
"""

from __future__ import annotations

import streamlit as st

from ui.state import bind
from workbench.config import RunConfig, apply_few_labels

CHOICES = {"all": "Every text has a label", "few": "Only a few per class"}
HELP = (
    "With only a few labels (say 16-64 per class), the teacher first learns which texts belong together from pairs "
    "of labelled texts (SetFit), then labels the other training texts for the student; their own labels are hidden. "
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
            apply_few_labels(cfg, None)
        return
    n = st.number_input(
        "Labelled texts per class",
        min_value=2,
        max_value=100_000,
        step=16,
        key=bind("setup_labels_per_class", d.labels_per_class or 64),
        help="The rest of the training texts become unlabelled texts that the teacher labels for the student.",
    )
    if d.labels_per_class != int(n) or cfg.few_labels.teacher_method != "setfit":
        apply_few_labels(cfg, int(n))
    st.caption(
        f"The teacher learns from {int(n)} labelled texts per class (SetFit pairs, then "
        f"{cfg.teacher_training.epochs:g} passes); the other training texts are labelled by it for the student."
    )

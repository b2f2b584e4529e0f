"""Setup's box for a newcomer: the guided first run (teacher, student, baseline) in one click."""

from __future__ import annotations

import copy

import streamlit as st

from ui.guided import estimate_text, few_labels_estimate_text, remember_open
from ui.setup_models import pick_family
from ui.state import bind, save_cfg
from ui.wording import GUIDED_STUDENTS, STUDENT_KINDS, plain_problem
from workbench.config import RunConfig
from workbench.core import WorkbenchError
from workbench.runs import ACTIVE_STATES, best_teacher_run, first_run_wall_seconds, guided, guided_group, runs_root

STORY = (
    "One click trains three models, one after the other, on the data below:\n"
    "1. **Fine-tune the teacher**: {teacher} learns the task (it starts untrained).\n"
    "2. **Distil the student**: a smaller model learns from the teacher's answers.\n"
    "3. **Train the same student without the teacher**, so you can see what the teacher added.\n\n"
    "Then **Compare** shows how much of the teacher's accuracy the student kept, and how much faster it is."
)


def _on_story_student(cfg: RunConfig) -> None:
    kind = st.session_state.get("guided_student")
    if kind:
        pick_family(cfg, kind)
        st.session_state.pop("setup_student_kind", None)  # Setup's own student radio follows


def story_student(cfg: RunConfig) -> str | None:
    """The story's student: cut from the teacher or the tiny BiLSTM (the choice is the draft's
    student kind, with that family's training defaults). None while the Student column holds
    another kind, which the story then uses."""
    options = list(GUIDED_STUDENTS)
    current = cfg.student.kind if cfg.student.kind in options else None
    if st.session_state.get("guided_student") != current:
        st.session_state.pop("guided_student", None)  # the Student column changed it since
    kind = st.radio(
        "The student in the story",
        options,
        format_func=GUIDED_STUDENTS.get,
        key=bind("guided_student", current),
        on_change=_on_story_student,
        args=(cfg,),
        horizontal=True,
    )
    if kind is None:
        st.caption(f"The story uses the student chosen below: {STUDENT_KINDS[cfg.student.kind].lower()}.")
    return kind


def guided_box(cfg: RunConfig, problem: str | None) -> bool:
    """For a newcomer (no teacher fine-tuned on this data yet): the whole story in one click, disabled with
    `problem` (the engine's check of these settings, `ui.readiness.start_problem`) while there is one.
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
        bundled = cfg.teacher.source == "bundled"
        teacher = f"the bundled {cfg.teacher.name or 'MiniLM'}" if bundled else "the teacher"
        if cfg.data.labels_per_class:
            teacher += f" ({cfg.data.labels_per_class} labelled texts per class)"
        st.markdown(STORY.format(teacher=teacher))
        student = story_student(cfg)
        if cfg.data.labels_per_class:
            st.markdown("Time: " + few_labels_estimate_text())
        else:
            # a run measured on this machine is of the student cut from the teacher unless said otherwise
            measured = first_run_wall_seconds() if student == "layers" else None
            st.markdown("Time: " + estimate_text(cfg.data.max_train_examples, measured, student or "layers"))
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
                st.error(plain_problem(exc))
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

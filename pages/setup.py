"""Setup: choose the teacher, the student and the data, and look at all three before anything trains.

Each section is drawn by a function in ui/ (setup_guided, setup_models, setup_data, setup_signals,
setup_preview); this page only puts them in order, each inside `section` (a part that fails says so in
one line and the rest stays usable), and stops before the lower half while the engine's check says the
settings cannot train (loading data or models would then fail with a less helpful message).
"""

from __future__ import annotations

import streamlit as st

from ui.guard import ensure_navigation
from ui.readiness import start_problem
from ui.sections import section
from ui.setup_data import data_section
from ui.setup_guided import guided_box
from ui.setup_labels import labels_section
from ui.setup_models import student_section, teacher_section
from ui.setup_preview import compatibility_check, data_preview
from ui.setup_signals import signals_section
from ui.state import bind, get_cfg, save_cfg
from ui.wording import NAME_TAKEN
from workbench.config import to_commented_yaml
from workbench.runs import distinct_name, slug

ensure_navigation("pages/setup.py")

cfg = get_cfg()
st.title("Setup")
st.caption(
    "Pick a big **teacher** model, a smaller **student** that will learn from it, and the **data** they work on. "
    "Nothing trains on this page: look at the data and check that the models fit together first."
)

# the guided box sits at the top but is drawn last: its button needs the check of the settings chosen below
guided_slot = st.container()
st.text_input("Run name", key=bind("setup_name", cfg.name), help="Used in the run's folder name.")
cfg.name = st.session_state["setup_name"] or "run"
if (free := distinct_name(cfg.name)) != cfg.name:  # two runs never share a name silently
    st.caption(NAME_TAKEN.format(name=cfg.name, new=free))

col_t, col_s, col_d = st.columns(3, gap="large")
with col_t, section("the teacher"):
    teacher_section(cfg)
with col_s, section("the student"):
    student_section(cfg)
file_problem = None  # why the uploaded file or its column choice cannot train
with col_d, section("the data settings"):
    file_problem = data_section(cfg)
with col_d, section("the label budget"):
    labels_section(cfg)

with section("the teacher's extra signals"):
    signals_section(cfg, file_problem)

save_cfg()  # the draft: a reload or another page finds these choices
problem = file_problem or start_problem(cfg)  # the engine's one check: what it refuses, no button starts
newcomer = False
with guided_slot, section("the guided first run"):
    newcomer = guided_box(cfg, problem)
if problem:
    if problem != file_problem:  # the data column already says what is wrong with the file
        st.error(problem)
    st.stop()

st.download_button(
    "Download this configuration (YAML)",
    to_commented_yaml(cfg),
    file_name=f"{slug(cfg.name)}.yaml",
    mime="text/yaml",
    help="Keeps these settings in a file; the Train page shows how to run it from a terminal.",
)

with section("the data preview"):
    data_preview(cfg)
with section("the compatibility check"):
    compatibility_check(cfg, newcomer)

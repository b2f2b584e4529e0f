"""Setup: choose the teacher, the student and the data, and look at all three before anything trains.

Each section is drawn by a function in ui/ (setup_guided, setup_models, setup_data, setup_signals,
setup_preview); this page only puts them in order and stops before the lower half while a setting
cannot train (loading data or models would then fail with a less helpful message).
"""

from __future__ import annotations

import streamlit as st

from ui.guard import ensure_navigation
from ui.setup_data import data_section
from ui.setup_guided import guided_box
from ui.setup_models import student_section, teacher_section
from ui.setup_preview import compatibility_check, data_preview
from ui.setup_signals import signals_section
from ui.state import bind, config_problem, get_cfg, save_cfg
from workbench.config import to_commented_yaml
from workbench.runs import slug

ensure_navigation("pages/setup.py")

cfg = get_cfg()
st.title("Setup")
st.caption(
    "Pick a big **teacher** model, a smaller **student** that will learn from it, and the **data** they work on. "
    "Nothing trains on this page: look at the data and check that the models fit together first."
)

newcomer = guided_box(cfg)
st.text_input("Run name", key=bind("setup_name", cfg.name), help="Used in the run's folder name.")
cfg.name = st.session_state["setup_name"] or "run"

col_t, col_s, col_d = st.columns(3, gap="large")
with col_t:
    teacher_section(cfg)
with col_s:
    student_section(cfg)
with col_d:
    column_problem = data_section(cfg)  # why the uploaded file's column choice cannot train

signals_section(cfg, column_problem)

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

data_preview(cfg)
compatibility_check(cfg, newcomer)

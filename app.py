"""Distillation Workbench: `streamlit run app.py`. Navigation and page config only; each page lives in pages/."""

import streamlit as st

from ui.guard import return_to_requested_page
from ui.state import keep_draft

st.set_page_config(page_title="Distillation Workbench", page_icon=":material/science:", layout="wide")

PAGES = [
    st.Page("pages/setup.py", title="Setup", icon=":material/tune:", default=True),
    st.Page("pages/temperature.py", title="Temperature & alpha", icon=":material/thermostat:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/experiments.py", title="Experiments", icon=":material/grid_view:"),
]

page = st.navigation(PAGES)
return_to_requested_page()  # a page URL opened before navigation existed (see ui/guard.py)
with keep_draft():  # the settings outlive a reload (see ui/state.py)
    page.run()

"""Distillation Workbench: `streamlit run app.py`. Navigation and page config only; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Distillation Workbench", page_icon="⚗️", layout="wide")

PAGES = [
    st.Page("pages/setup.py", title="Setup", icon="🧰", default=True),
    st.Page("pages/temperature.py", title="Temperature & alpha", icon="🌡️"),
    st.Page("pages/train.py", title="Train", icon="🏋️"),
    st.Page("pages/compare.py", title="Compare", icon="⚖️"),
]

st.navigation(PAGES).run()

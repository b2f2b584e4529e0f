"""Distillation Workbench: `streamlit run app.py`. Navigation only; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Distillation Workbench", page_icon="⚗️", layout="wide")
st.title("Distillation Workbench")
st.write("The pages arrive with the UI issue; the engine runs as `python -m workbench`.")

"""Streamlit helpers shared by the pages: session state, cached loaders and charts (no ML here)."""

"""Keep every page under app.py's `st.navigation`, even on the first request after a server start.

Streamlit still knows the legacy "pages/ folder" mode: until some script calls `st.navigation`, a
request for /train runs pages/train.py on its own, with file names in the sidebar and without the
app's page config. That happens when the first request after a (re)start is a page URL, e.g. a
tab left open on the Train page reloading. The guard hands such a run to app.py and remembers the
page, so the user lands where they were, under the real navigation.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

RETURN_KEY = "wb_return_to"
_navigation_seen = False  # process-wide: app.py has run st.navigation at least once


def ensure_navigation(page_file: str) -> None:
    """Call first thing in each page with its path relative to app.py, e.g. "pages/train.py"."""
    if PagesManager.uses_pages_directory and not _navigation_seen:  # legacy mode, app.py never ran
        st.session_state[RETURN_KEY] = page_file
        st.switch_page("app.py")


def return_to_requested_page() -> None:
    """Called by app.py after `st.navigation`: go to the page the guard was asked for."""
    global _navigation_seen
    _navigation_seen = True
    target = st.session_state.pop(RETURN_KEY, None)
    if target:
        st.switch_page(target)

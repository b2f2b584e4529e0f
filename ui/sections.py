"""One part of a page that calls the engine while drawing: if it fails, only that part says so.

A page is a column of parts (the teacher, the student's size, the data preview...). An exception in
one of them used to replace everything below it with a traceback, and a reload drew it again, so a
person could not even reach the widget that would fix it. `section` draws the part; what the engine
raises becomes one sentence in its place and the rest of the page is drawn as usual:

- a `WorkbenchError` (input the person can fix) -> its plain sentence (`plain_problem`);
- anything else (a bug) -> a generic line naming the part, and the traceback goes to stderr for
  whoever runs the server, never onto the page.

Streamlit's own control flow (`st.stop`, `st.rerun`, `st.switch_page`) raises exceptions too; those
pass through untouched.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ui.wording import PART_FAILED, plain_problem
from workbench.core import WorkbenchError


@contextmanager
def section(part: str) -> Iterator[None]:
    """Draw one part of a page (`with section("the data preview"): ...`); a failure shows one line instead."""
    try:
        yield
    except ScriptControlException:
        raise
    except WorkbenchError as exc:
        st.error(plain_problem(exc))
    except Exception:
        print(f"workbench: {part} failed while drawing the page", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        st.error(PART_FAILED.format(part=part))

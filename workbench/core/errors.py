"""The one exception type that reaches users.

Anything the user can fix (a bad path, a missing column, T <= 0) is raised as a
`WorkbenchError` whose message is one readable line. The CLI prints it and exits 2;
the pages show it with `st.error`. Everything else is a bug and keeps its traceback.
"""


class WorkbenchError(Exception):
    """A problem with the user's input or environment, described in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))

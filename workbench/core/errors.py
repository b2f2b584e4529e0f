"""The one exception type that reaches users, with a code the UI can key its wording on.

Anything the user can fix (a bad path, a missing column, T <= 0) is raised as a `WorkbenchError`
whose message is one readable line for the CLI user (who edits YAML, so it may name config keys).
The CLI prints the message and exits 2. The pages never match that message by its text (rewording
an error would silently break them): they look up `code` in ui/wording.py and fill the sentence
with `facts`, falling back to the message for errors that carry no code yet. Everything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Any


class WorkbenchError(Exception):
    """A problem with the user's input or environment, described in one line.

    `code` names the kind of problem (e.g. "data.path_missing"), stable across rewordings;
    `facts` are the values a sentence about it needs (a column name, a count)."""

    def __init__(self, message: str, code: str | None = None, **facts: Any) -> None:
        super().__init__(" ".join(str(message).split()))
        self.code = code
        self.facts = facts

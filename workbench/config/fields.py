"""The one way a config field is declared: a default plus the help text that becomes its YAML comment.

Every section module builds its fields with `option`, so `to_commented_yaml` can read each
setting's documentation off the dataclass and `init-config` never drifts from the code.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any


def option(default: Any, help: str) -> Any:
    """A dataclass field with a help text (the YAML comment); lists and dicts get a fresh copy per instance."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})

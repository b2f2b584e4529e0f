"""How a shared file names a model: a hub id, a run id, a folder's own name; never a path of this machine.

A card that says "Teacher: /tmp/x/runs/2026.../model" tells its reader nothing and tells everyone
where the author keeps their files. The model card, the UI's download and the HTML report all name
models through these functions, so none of them leaks a path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

BUNDLED_NAME = "bundled all-MiniLM-L6-v2"


def model_name(source: str | None, name: str | None) -> str:
    """A model by its source: the bundled model's name, a hub id, `run ID`, `local folder NAME`."""
    name = str(name or "")
    if source == "bundled" or (not source and not name):
        return f"bundled {name}" if source == "bundled" and name else BUNDLED_NAME
    if source == "hub":
        return name
    if source == "run":
        return f"run {_last_part(name)}"
    return f"local folder {_last_part(name)}" if source == "local" else public_text(name)


def _last_part(path: str) -> str:
    """The folder's own name (a run's, for its model/ subfolder), for / and \\ separators alike."""
    parts = [p for p in re.split(r"[/\\]+", path) if p]
    if len(parts) > 1 and parts[-1] == "model":
        parts.pop()
    return parts[-1] if parts else path


def public_text(text: str | None) -> str:
    """A description as it may leave the machine: an absolute path is cut to its last part."""
    text = str(text or "?")
    if text.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:[/\\]", text):
        return _last_part(text)
    return text


def read_config(run_dir: Path) -> dict:
    """The run's config.yaml as a dict ({} when missing or unreadable: a card is still worth writing)."""
    try:
        return yaml.safe_load((Path(run_dir) / "config.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}


def teacher_name(cfg: dict) -> str:
    t = cfg.get("teacher") or {}
    return model_name(t.get("source", "bundled"), t.get("name", ""))


def student_name(cfg: dict, report_part: dict[str, Any]) -> str:
    """A pretrained student by its hub id / run / folder; a cut or scratch one by its description."""
    st_cfg = cfg.get("student") or {}
    if st_cfg.get("kind") == "pretrained":
        return model_name(st_cfg.get("source"), st_cfg.get("name"))
    return public_text(report_part.get("description"))

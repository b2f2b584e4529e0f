"""Saving a model folder that loads back the same way: safetensors weights, tokenizer, label names.

A student with a pruned vocabulary also records which teacher token each of its rows came from,
so later runs can map teacher logits and embeddings onto it.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core import write_json_atomic
from workbench.models.loaded import LoadedModel

TOKEN_MAP_FILE = "teacher_token_ids.json"


def save_model(loaded: LoadedModel, folder: str | Path) -> None:
    """save_pretrained model + tokenizer (safetensors) with the label names in the config."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    loaded.model.save_pretrained(folder, safe_serialization=True)
    loaded.tokenizer.save_pretrained(folder)
    if loaded.token_map is not None:  # which teacher token each row of a pruned vocabulary came from
        write_json_atomic(folder / TOKEN_MAP_FILE, {"teacher_token_ids": loaded.token_map.tolist()})

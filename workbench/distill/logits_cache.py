"""Teacher logits, computed once per (teacher weights, tokenizer, texts, max_length, precision).

Teacher logits do not depend on T, alpha, the learning rate or the student, so a second run that
changes only those reuses them. The key is a hash of the *content* (every weight tensor, the model
config fields that change the forward pass, the tokenizer's vocabulary, special tokens and
normalizer/pre-tokenizer/post-processor, every text), so changing any input gives a new key and a
stale entry is never read. Entries are safetensors files (no pickle) written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from workbench.core import temp_path_beside, write_json_atomic
from workbench.models import texts_fingerprint


def cache_dir() -> Path:
    """`$WORKBENCH_CACHE_DIR`, else ~/.cache/distillation-workbench/teacher-logits."""
    root = os.environ.get("WORKBENCH_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "distillation-workbench"
    return base / "teacher-logits"


def logits_key(model_fp: str, texts: list[str], max_length: int, precision: str) -> str:
    """Cache key of one split's logits: model+tokenizer fingerprint, texts, length, precision."""
    h = hashlib.sha256(f"{model_fp}|{texts_fingerprint(texts)}|{max_length}|{precision}".encode())
    return h.hexdigest()[:32]


def load_logits(key: str) -> torch.Tensor | None:
    path = cache_dir() / f"{key}.safetensors"
    if not path.is_file():
        return None
    try:
        return load_file(str(path))["logits"]
    except Exception:  # a damaged entry is recomputed, never trusted
        return None


def save_logits(key: str, logits: torch.Tensor, meta: dict[str, Any]) -> Path:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.safetensors"
    tmp = temp_path_beside(path)  # sessions are threads of one process: a pid alone is not unique
    try:
        save_file({"logits": logits.contiguous().float()}, str(tmp))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    write_json_atomic(folder / f"{key}.json", {**meta, "key": key, "created": time.time(), "shape": list(logits.shape)})
    return path


def list_entries() -> list[dict[str, Any]]:
    """What the cache holds, for the UI: one dict per entry with its size in bytes."""
    folder = cache_dir()
    if not folder.is_dir():
        return []
    entries = []
    for meta_path in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        weights = folder / f"{meta_path.stem}.safetensors"
        if weights.is_file():
            meta["bytes"] = weights.stat().st_size
            entries.append(meta)
    return entries


def clear() -> int:
    """Delete every entry; returns how many files went."""
    folder = cache_dir()
    n = 0
    if folder.is_dir():
        for p in folder.iterdir():
            if p.suffix in (".safetensors", ".json", ".tmp"):
                p.unlink(missing_ok=True)
                n += 1
    return n

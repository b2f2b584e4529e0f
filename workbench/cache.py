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

from workbench.fsutil import temp_path_beside, write_json_atomic


def cache_dir() -> Path:
    """`$WORKBENCH_CACHE_DIR`, else ~/.cache/distillation-workbench/teacher-logits."""
    root = os.environ.get("WORKBENCH_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "distillation-workbench"
    return base / "teacher-logits"


# Config fields that never change a forward pass in eval mode: names, versions, label *names* (their
# count is in the head's weight shape), output switches and training-only settings. Everything else
# in the config (hidden_act, layer_norm_eps, position_embedding_type, ...) is part of the key: it
# changes the logits without changing any weight.
CONFIG_FIELDS_IGNORED = frozenset(
    {
        "_name_or_path",
        "name_or_path",
        "_commit_hash",
        "transformers_version",
        "architectures",
        "id2label",
        "label2id",
        "finetuning_task",
        "problem_type",
        "initializer_range",
        "output_attentions",
        "output_hidden_states",
        "return_dict",
        "use_cache",
        "dtype",
        "torch_dtype",
    }
)


def config_fingerprint(model: torch.nn.Module) -> str:
    """sha256 of the model class, its config minus `CONFIG_FIELDS_IGNORED`, and the attention kernel."""
    config = getattr(model, "config", None)
    fields = {k: v for k, v in config.to_dict().items() if k not in CONFIG_FIELDS_IGNORED} if config else {}
    fields["__class__"] = type(model).__name__
    fields["__attn_implementation__"] = getattr(config, "_attn_implementation", None)
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def model_fingerprint(model: torch.nn.Module) -> str:
    """sha256 of every parameter and buffer (names, dtypes, shapes, bytes) and of the config fields
    that shape the forward pass."""
    h = hashlib.sha256()
    h.update(config_fingerprint(model).encode())
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """sha256 of what turns a text into ids: the vocabulary, the special tokens and, for a fast
    tokenizer, its whole pipeline (normalizer, pre-tokenizer, model, post-processor, added tokens).

    The backend's truncation and padding state is left out: it is whatever the last call set, and
    max_length is part of the key on its own.
    """
    h = hashlib.sha256()
    h.update(type(tokenizer).__name__.encode())
    h.update(json.dumps(sorted(tokenizer.get_vocab().items())).encode())
    h.update(str(getattr(tokenizer, "do_lower_case", "")).encode())
    specials = getattr(tokenizer, "special_tokens_map", {}) or {}
    h.update(json.dumps(specials, sort_keys=True, default=str).encode())
    h.update(
        json.dumps([getattr(tokenizer, "padding_side", None), getattr(tokenizer, "truncation_side", None)]).encode()
    )
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        pipeline = json.loads(backend.to_str())
        pipeline.pop("truncation", None)
        pipeline.pop("padding", None)
        h.update(json.dumps(pipeline, sort_keys=True).encode())
    return h.hexdigest()


def texts_fingerprint(texts: list[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


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

"""Content hashes of weights, configs, tokenizers and texts: what makes two teacher passes the same work.

The teacher-logits cache (`distill.logits_cache`) keys its entries by these; a model's hash reads its tensors,
so callers compute it once per loaded model (`models.prepared.Prepared.cache_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import torch

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

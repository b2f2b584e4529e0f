"""What a model costs and takes: parameter counts by part, bytes in memory and on disk, its inputs.

Cheap facts read off a model without running it, for the compatibility check, sizing and the UI.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

from torch import nn

from workbench.models.loaded import HEAD_PREFIXES


def accepted_inputs(model: nn.Module) -> set[str]:
    """Names the model's forward takes: DistilBERT has no token_type_ids, BERT does."""
    return set(inspect.signature(model.forward).parameters)


def param_breakdown(model: nn.Module) -> dict[str, int]:
    """Parameter counts: embeddings / encoder / head / total (tied weights counted once)."""
    counts = {"embeddings": 0, "encoder": 0, "head": 0}
    seen: set[int] = set()
    for name, param in model.named_parameters():
        if id(param) in seen:
            continue
        seen.add(id(param))
        parts = name.split(".")
        if "embeddings" in parts:
            counts["embeddings"] += param.numel()
        elif parts[0] in HEAD_PREFIXES or any(p in ("pooler", "classifier", "pre_classifier") for p in parts):
            counts["head"] += param.numel()
        else:
            counts["encoder"] += param.numel()
    counts["total"] = sum(counts.values())
    return counts


def folder_size(folder: str | Path) -> int:
    """Bytes of the weight files in a saved model folder."""
    total = 0
    for root, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".safetensors"):
                total += os.path.getsize(os.path.join(root, f))
    return total


def weight_bytes(model: nn.Module) -> int:
    """Bytes the parameters take in memory (= safetensors size, give or take the header)."""
    seen: set[int] = set()
    total = 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel() * p.element_size()
    return total


def describe(model: nn.Module) -> dict[str, Any]:
    """Architecture facts the compatibility check and the UI show."""
    c = model.config
    return {
        "architecture": type(model).__name__,
        "model_type": getattr(c, "model_type", "?"),
        "layers": getattr(c, "num_hidden_layers", None),
        "hidden_size": getattr(c, "hidden_size", None),
        "heads": getattr(c, "num_attention_heads", None),
        "vocab_size": getattr(c, "vocab_size", None),
        "max_positions": getattr(c, "max_position_embeddings", None),
        "num_labels": getattr(c, "num_labels", None),
        "inputs": sorted(accepted_inputs(model) & {"input_ids", "attention_mask", "token_type_ids"}),
    }

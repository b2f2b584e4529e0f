"""A model's tokenizer and config.json without its weights: cheap answers for pages and size estimates."""

from __future__ import annotations

from typing import Any

from workbench.config import ModelConfig
from workbench.core import WorkbenchError
from workbench.models.loading import load_tokenizer
from workbench.models.locations import resolve_location


def model_tokenizer(cfg: ModelConfig) -> Any:
    """The tokenizer of a teacher config, without loading its weights."""
    location, _ = resolve_location(cfg.source, cfg.name)
    return load_tokenizer(location)


def model_config(cfg: ModelConfig) -> Any:
    """The transformers config of a model source (config.json only, weights not loaded)."""
    from transformers import AutoConfig

    location, _ = resolve_location(cfg.source, cfg.name)
    try:
        return AutoConfig.from_pretrained(location, trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise WorkbenchError(
            f"could not read the configuration of {location!r}: {str(exc).splitlines()[0][:200]}"
        ) from None


def model_layer_count(cfg: ModelConfig) -> int:
    """Encoder layers of a model config (read from config.json, weights not loaded)."""
    location, _ = resolve_location(cfg.source, cfg.name)
    config = model_config(cfg)
    n = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layers", None)
    if not n:
        raise WorkbenchError(f"{location!r} does not say how many layers it has")
    return int(n)

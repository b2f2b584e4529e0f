"""What the Setup page shows before anything trains: a look at the data and the models' shapes.

Cheap questions only (no training, no timed step): a few rows of each split, how balanced the
labels are, how long the texts are in the teacher's tokens, how many layers the teacher has (for
the layer picker), and which earlier runs left a fine-tuned teacher to reuse. The full
compatibility check with its time estimate is `preflight.run_preflight`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.batching import tokenize
from workbench.config import ModelConfig
from workbench.data import TextData
from workbench.errors import WorkbenchError
from workbench.models import load_tokenizer, resolve_location
from workbench.runs import list_runs


def preview_rows(data: TextData, split: str = "train", n: int = 8) -> list[dict[str, Any]]:
    """The first `n` examples of a split with their label names."""
    s = data.split(split)
    return [{"text": t, "label": data.label_names[y]} for t, y in zip(s.texts[:n], s.labels[:n], strict=True)]


def label_balance(data: TextData) -> list[dict[str, Any]]:
    """Long-format rows {split, label, count, share} for a grouped bar chart."""
    rows = []
    for split, counts in data.label_counts().items():
        total = sum(counts.values()) or 1
        for label, count in counts.items():
            rows.append({"split": split, "label": label, "count": count, "share": count / total})
    return rows


def token_lengths(tokenizer: Any, texts: list[str], limit: int = 2000) -> list[int]:
    """Untruncated token counts of up to `limit` texts (special tokens included)."""
    if not texts:
        return []
    return [len(ids) for ids in tokenize(tokenizer, texts[:limit], truncation=False, padding=False)["input_ids"]]


def model_tokenizer(cfg: ModelConfig) -> Any:
    """The tokenizer of a teacher config, without loading its weights."""
    location, _ = resolve_location(cfg.source, cfg.name)
    return load_tokenizer(location)


def model_layer_count(cfg: ModelConfig) -> int:
    """Encoder layers of a model config (read from config.json, weights not loaded)."""
    from transformers import AutoConfig

    location, _ = resolve_location(cfg.source, cfg.name)
    try:
        config = AutoConfig.from_pretrained(location, trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise WorkbenchError(
            f"could not read the configuration of {location!r}: {str(exc).splitlines()[0][:200]}"
        ) from None
    n = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layers", None)
    if not n:
        raise WorkbenchError(f"{location!r} does not say how many layers it has")
    return int(n)


def finished_teacher_runs(root: Path | None = None) -> list[dict[str, Any]]:
    """Teacher fine-tuning runs that saved a model, newest first, with their test accuracy."""
    out = []
    for info in list_runs(root):
        if info.kind != "teacher" or info.state not in ("finished", "stopped"):
            continue
        if not (info.run_dir / "model" / "config.json").is_file():
            continue
        acc = ((info.report or {}).get("teacher") or {}).get("test", {}).get("accuracy")
        out.append({"run_dir": str(info.run_dir), "id": info.id, "accuracy": acc})
    return out

"""What the Setup page shows before anything trains: a look at the data and the models' shapes.

Cheap questions only (no training, no timed step): a few rows of each split, how balanced the
labels are, how long the texts are in the teacher's tokens, how many layers the teacher has (for
the layer picker), and which earlier runs left a fine-tuned teacher to reuse. The full
compatibility check with its time estimate is `preflight.run_preflight`.
"""

from __future__ import annotations

from typing import Any

from workbench.data import TextData, tokenize


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

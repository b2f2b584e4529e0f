"""Sizes and costs known before anything loads: a student's parameter count, the transfer set's cost.

The Setup page shows them while a person is still choosing, so they must be cheap: no weights are
read. Transformer students are built on PyTorch's `meta` device from the teacher's config.json
(shapes only, no memory, no initialisation), so their count is exact and needs no formula; so is
the BiLSTM student's (`workbench/models/bilstm.py`, Tang et al. 2019, arXiv:1903.12136). By hand, its
encoder is sum_l 2 * 4 * (H * (I_l + H) + 2 * H) with I_1 = E, I_l = 2H after the first layer (per
direction four gates, each with input and recurrent weights and PyTorch's two bias
vectors). The transfer set (Tang et al.'s augmented copies plus unlabelled texts) costs one teacher
pass over its texts and makes every epoch longer in proportion to the texts it adds.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from workbench.config import ModelConfig, StudentConfig
from workbench.core import WorkbenchError


def bilstm_params(
    vocab_size: int, embedding_size: int, hidden_size: int, layers: int, num_labels: int
) -> dict[str, int]:
    """Parameter counts of the BiLSTM student by part: the real class built on the meta device (no
    weights allocated), so the count cannot drift from the model."""
    from workbench.models.bilstm import BiLSTMConfig

    config = BiLSTMConfig(
        vocab_size=vocab_size, embedding_size=embedding_size, hidden_size=hidden_size, num_layers=layers,
        num_labels=num_labels,
    )  # fmt: skip
    return _meta_count(config)


def _meta_count(config: Any) -> dict[str, int]:
    """Parameters by part of a sequence classifier built from `config` on the meta device."""
    import torch
    from transformers import AutoModelForSequenceClassification

    from workbench.models.footprint import param_breakdown

    with torch.device("meta"):
        model = AutoModelForSequenceClassification.from_config(config)
    return param_breakdown(model)


def pruned_vocab_size(tokenizer: Any, texts: list[str]) -> int:
    """Words a pruned vocabulary keeps for these training texts (what `student.prune_vocab` builds)."""
    from workbench.models.vocab import kept_token_ids

    return len(kept_token_ids(tokenizer, texts))


def estimate_params(
    teacher: ModelConfig, student: StudentConfig, num_labels: int = 2, pruned_vocab: int | None = None
) -> dict[str, Any]:
    """{"teacher": parts, "student": parts | None, "vocab_size": V} (parts: embeddings / encoder /
    head / total) from config files alone. The student is None for a pre-trained student (its own
    files, perhaps on the hub). A scratch or BiLSTM student with `prune_vocab` counts `pruned_vocab`
    words when given (`pruned_vocab_size` on the training texts; "student_vocab_size" says which),
    else the teacher's full vocabulary."""
    from workbench.models.configs import model_config

    config = model_config(teacher)
    config.num_labels = num_labels
    vocab = int(getattr(config, "vocab_size", 0) or 0)
    out: dict[str, Any] = {"teacher": _meta_count(config), "student": None, "vocab_size": vocab}
    prunes = student.kind in ("scratch", "bilstm") and student.prune_vocab and pruned_vocab
    student_vocab = int(pruned_vocab) if prunes else vocab
    out["student_vocab_size"] = student_vocab
    if student.kind == "layers":
        n = int(getattr(config, "num_hidden_layers", 0) or 0)
        kept = [i for i in (student.layers or []) if i < n] or list(range(0, n, 2))
        cut = copy.deepcopy(config)
        cut.num_hidden_layers = len(kept)
        out["student"] = _meta_count(cut)
    elif student.kind == "scratch":
        small = copy.deepcopy(config)
        small.num_hidden_layers, small.hidden_size = student.num_layers, student.hidden_size
        small.num_attention_heads = student.num_heads
        small.vocab_size = student_vocab
        for key in ("intermediate_size", "hidden_dim"):
            if hasattr(small, key):
                setattr(small, key, student.intermediate_size)
        out["student"] = _meta_count(small)
    elif student.kind == "bilstm":
        out["student"] = bilstm_params(
            student_vocab, student.embedding_size, student.lstm_hidden_size, student.lstm_layers, num_labels
        )
    return out


# --------------------------------------------------------------------------- the transfer set


def count_texts(path: str | Path) -> int:
    """Texts in an unlabelled file: non-empty lines of a .txt, rows of a .csv / .jsonl / .parquet.

    A file it cannot use is a WorkbenchError with the code "data.unreadable" (`read_table`'s), never pandas' own."""
    from workbench.data import read_table

    p = Path(path)
    if p.suffix.lower() == ".txt":
        try:
            return sum(1 for line in p.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip())
        except OSError:
            raise WorkbenchError(
                f"{p.name} is no longer on this machine; upload it again", code="data.unreadable", file=p.name
            ) from None
    frame, _notes = read_table(p)
    return len(frame)


def transfer_cost(
    n_train: int,
    augment_factor: int,
    n_unlabelled: int = 0,
    max_examples: int | None = None,
    teacher_seconds_per_text: float | None = None,
) -> dict[str, Any]:
    """What a transfer set adds: `extra_texts` (augmented copies + unlabelled texts, capped at
    `max_examples`), `epoch_factor` (each epoch goes through (n_train + extra) / n_train texts, so
    it takes about that many times as long), and `teacher_seconds` (one teacher pass over the extra
    texts; None without a measured `teacher_seconds_per_text`)."""
    if n_train <= 0:
        raise WorkbenchError(
            f"the transfer set needs training texts, got {n_train}", code="transfer.no_training_texts", count=n_train
        )
    extra = n_train * max(0, augment_factor) + max(0, n_unlabelled)
    if max_examples is not None:
        extra = min(extra, max_examples)
    seconds = extra * teacher_seconds_per_text if teacher_seconds_per_text is not None else None
    return {"extra_texts": extra, "epoch_factor": (n_train + extra) / n_train, "teacher_seconds": seconds}


def teacher_seconds_per_text(estimate: dict[str, Any] | None, batch_size: int) -> float | None:
    """Seconds the teacher takes per text, from a pre-flight `estimate` (one measured batch)."""
    if not estimate or not estimate.get("teacher_seconds_per_batch") or batch_size <= 0:
        return None
    return float(estimate["teacher_seconds_per_batch"]) / batch_size

"""Extra teachers of a distillation run (`extra_teachers`): loaded, asked for logits, combined.

Each extra teacher is a fine-tuned classifier (a run folder or a model folder) with the same labels
as the main teacher. It tokenises the texts with its own tokenizer and its logits go through the same
content-keyed cache as the main teacher's (`teacher_logits.teacher_logits`). `ensemble.combine_logits`
turns the main teacher's and the extra teachers' logits into the targets the student learns from;
the report keeps the main teacher as `teacher` (its size and speed) and adds an `ensemble` block
with each member's and the ensemble's metrics.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.config import ModelConfig, RunConfig, TrainConfig
from workbench.core import Emit
from workbench.data import TextData
from workbench.distill.ensemble import combine_logits
from workbench.distill.teacher_logits import logits_for, teacher_logits
from workbench.evaluation import classification_metrics
from workbench.models import Prepared, encode_unlabelled, reuse


def load_extra_teachers(cfg: RunConfig, data: TextData, max_length: int) -> list[Prepared]:
    """The extra teachers, each tokenised with its own tokenizer (a one-line error for a bad folder)."""
    members = []
    for folder in cfg.extra_teachers:
        # through `reuse`, like the main teacher: a sweep worker loads and tokenises each once
        loaded = reuse.teacher(ModelConfig(source="run", name=folder), data.label_names)
        loaded.model.eval()
        members.append(reuse.tokenised(loaded, data, max_length))
    return members


def extra_logits(
    accelerator: Any,
    members: list[Prepared],
    data: TextData,
    split: str,
    tc: TrainConfig,
    precision: str,
    emit: Emit | None = None,
) -> tuple[list[torch.Tensor], list[dict[str, Any]]]:
    """Each extra teacher's logits on `split` ((n, C) each) and the cache info of each."""
    logits, infos = [], []
    for m in members:
        lg, info = teacher_logits(accelerator, m, data, split, tc, precision, emit)
        logits.append(lg)
        infos.append({**info, "member": m.loaded.description})
    return logits, infos


def members_on_texts(
    accelerator: Any,
    members: list[Prepared],
    texts: list[str],
    tc: TrainConfig,
    precision: str,
    emit: Emit | None = None,
) -> list[torch.Tensor]:
    """Each extra teacher's logits on extra texts (the transfer set), each with its own tokenizer,
    through the same cache. -> one (n, C) tensor per member."""
    out = []
    for m in members:
        enc = encode_unlabelled(m.loaded, texts, tc.max_length)
        out.append(logits_for(accelerator, m, texts, enc, "transfer", tc, precision, emit)[0])
    return out


def ensemble_targets(main: torch.Tensor, extra: list[torch.Tensor], cfg: RunConfig) -> torch.Tensor:
    """The logits the student learns from: the main teacher's alone, or the ensemble's. -> (n, C)."""
    if not extra:
        return main
    return combine_logits([main, *extra], cfg.distill.ensemble, cfg.distill.temperature)


def ensemble_report(
    cfg: RunConfig,
    members: list[tuple[str, str, dict[str, torch.Tensor]]],
    combined: dict[str, torch.Tensor],
    data: TextData,
) -> dict[str, Any]:
    """The report's `ensemble` block. members: (description, location, {split: (n, C) logits}) with the
    main teacher first; combined: {split: (n, C) ensemble logits}."""

    def metrics(logits: torch.Tensor, split: str) -> dict[str, Any]:
        return classification_metrics(data.split(split).labels, logits.argmax(-1), data.num_labels)

    splits = ("validation", "test")
    return {
        "combine": cfg.distill.ensemble,
        "members": [
            {"description": d, "location": loc, **{s: metrics(lg[s], s) for s in splits}} for d, loc, lg in members
        ],
        **{s: metrics(combined[s], s) for s in splits},
    }

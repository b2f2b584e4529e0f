"""The teacher's logits on the data: the policy around the content-keyed cache, and the weak-teacher gate.

Teacher logits do not depend on T or alpha, so they are computed once per (teacher, tokenisation,
texts, precision) and reused (`logits_cache.py` stores them); a teacher near chance level is refused before
any student trains, because its soft labels would be noise.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from workbench.config import RunConfig, TrainConfig
from workbench.core import Emit, WorkbenchError, gather_rows, progress, shard_indices
from workbench.data import Encoded, TextData
from workbench.distill import logits_cache as cache
from workbench.evaluation import chance_accuracy, classification_metrics
from workbench.models import Prepared, predict_logits


def teacher_logits(
    accelerator: Any,
    teacher: Prepared,
    data: TextData,
    split: str,
    tc: TrainConfig,
    precision: str,
    emit: Emit | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The teacher's logits on a split of the data (`logits_for` on its texts and encoding)."""
    return logits_for(accelerator, teacher, data.split(split).texts, teacher.encoded[split], split, tc, precision, emit)


def logits_for(
    accelerator: Any,
    teacher: Prepared,
    texts: list[str],
    enc: Encoded,
    split: str,
    tc: TrainConfig,
    precision: str,
    emit: Emit | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The teacher's logits on `texts` (tokenised as `enc` by the teacher's tokenizer): from the
    content-keyed cache, or computed once and stored. `split` names them in events, info and the
    cache entry ("train", ..., or "transfer").

    Each process computes its share when several run. Rank 0 alone decides hit or miss and sends
    its answer (the logits or None) to the others before anything else: ranks deciding on their
    own (one machine's cache holds the entry, another's does not) would take different paths, and
    the one computing would wait for ever in a gather the other never joins. -> ((n, C) fp32 on CPU, info).
    """
    if len(texts) != len(enc):
        raise WorkbenchError(f"{len(texts)} texts but {len(enc)} encoded examples for the teacher's {split} logits")
    start = time.perf_counter()
    key = None
    if tc.cache_teacher_logits:
        key = cache.logits_key(teacher.cache_fingerprint(), texts, tc.max_length, precision)
        hit = cache.load_logits(key) if accelerator.is_main_process else None
        if hit is not None and hit.shape[0] != len(enc):
            hit = None
        if accelerator.num_processes > 1:
            from accelerate.utils import broadcast_object_list

            hit = broadcast_object_list([hit], from_process=0)[0]  # (n, C) or None, rank 0's on every rank
        if hit is not None:
            info = {"split": split, "cached": True, "key": key, "seconds": time.perf_counter() - start}
            if emit:
                emit({"type": "phase", "phase": "teacher_logits", **info})
            return hit, info
    if emit:
        emit({"type": "phase", "phase": "teacher_logits_start", "split": split, "examples": len(enc)})
    teacher.loaded.model.to(accelerator.device)
    idx = shard_indices(len(enc), accelerator)
    on_batch = progress(
        emit, "teacher_logits", scale=accelerator.num_processes, whole=len(enc), split=split, unit="examples"
    )
    part = predict_logits(
        teacher.loaded.model,
        enc,
        tc.eval_batch_size,
        accelerator.device,
        precision,
        indices=idx,
        on_batch=on_batch,
        first_token=tc.first_token_last_layer,
    )
    logits = gather_rows(accelerator, idx, part, len(enc))
    seconds = time.perf_counter() - start
    if key is not None and accelerator.is_main_process:
        cache.save_logits(
            key,
            logits,
            {"teacher": teacher.loaded.description, "split": split, "examples": len(enc), "seconds": seconds},
        )
    info = {"split": split, "cached": False, "key": key, "seconds": seconds}
    if emit:
        emit({"type": "phase", "phase": "teacher_logits", **info})
    return logits, info


def check_teacher(val_logits: torch.Tensor, data: TextData, cfg: RunConfig) -> dict[str, Any]:
    """Refuse a teacher near chance level: its soft labels would be noise."""
    m = classification_metrics(data.validation.labels, val_logits.argmax(-1), data.num_labels)
    chance = chance_accuracy(data.validation.labels, data.num_labels)
    verdict = {
        "accuracy": m["accuracy"],
        "chance": chance,
        "ok": m["accuracy"] >= chance + cfg.min_teacher_accuracy_margin,
    }
    if not verdict["ok"] and not cfg.allow_weak_teacher:
        raise WorkbenchError(
            f"the teacher scores {m['accuracy']:.1%} on validation, near chance ({chance:.1%}): its soft labels "
            "would be noise. Fine-tune it first (`workbench teacher`), or set allow_weak_teacher: true"
        )
    return verdict

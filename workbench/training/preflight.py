"""The pre-flight check: will this teacher, student and data set work together, and what will it cost?

Run before anything trains (`workbench validate`, the Setup page). It loads the data and both
models, checks label spaces, tokenizers, the inputs each model accepts and the sequence length, and
*measures* one training step and one teacher batch on this machine to estimate time per epoch.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch

from workbench.config import RunConfig, validate_values
from workbench.core import WorkbenchError, autocast, resolve_device, resolve_precision
from workbench.data import (
    TextData,
    augment,
    collate,
    encode,
    load_data,
    make_transfer_set,
    model_inputs,
    transfer_wanted,
)
from workbench.distill import distillation_loss
from workbench.models import (
    LoadedModel,
    accepted_inputs,
    build_student,
    describe,
    load_teacher,
    param_breakdown,
    weight_bytes,
)
from workbench.training.intermediate_training import IntermediateSignals, wants_intermediate


@dataclass
class Check:
    name: str
    level: str  # ok | warn | error
    message: str


@dataclass
class Preflight:
    checks: list[Check]
    teacher: dict[str, Any]
    student: dict[str, Any]
    data: dict[str, Any]
    estimate: dict[str, Any]

    @property
    def ok(self) -> bool:
        return all(c.level != "error" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def _tokenizers_match(a: Any, b: Any) -> bool:
    return a is b or (type(a).__name__ == type(b).__name__ and a.get_vocab() == b.get_vocab())


def run_preflight(
    cfg: RunConfig,
    data: TextData | None = None,
    teacher: LoadedModel | None = None,
    student: LoadedModel | None = None,
    measure: bool = True,
) -> Preflight:
    """Every check that needs no training. Raises WorkbenchError only for what stops loading at all."""
    validate_values(cfg)
    data = data or load_data(cfg.data)
    teacher = teacher or load_teacher(cfg.teacher, data.label_names)
    student = student or build_student(cfg.student, teacher, data.label_names, data.train.texts)
    sizes = {s: len(data.split(s)) for s in ("train", "validation", "test")}
    checks, n_transfer = _data_checks(cfg, data, teacher, sizes)
    checks += _model_checks(cfg, teacher, student)
    checks += _layer_map_checks(cfg, teacher, student)
    t_params, s_params = param_breakdown(teacher.model), param_breakdown(student.model)
    checks.append(_size_check(t_params["total"], s_params["total"]))
    estimate = estimate_cost(cfg, data, teacher, student, transfer_examples=n_transfer) if measure else {}
    data_facts = {
        "description": data.description,
        "sizes": sizes,
        "transfer_examples": n_transfer,
        "label_names": data.label_names,
        "label_counts": data.label_counts(),
    }
    return Preflight(checks, _model_facts(teacher, t_params), _model_facts(student, s_params), data_facts, estimate)


def _data_checks(
    cfg: RunConfig, data: TextData, teacher: LoadedModel, sizes: dict[str, int]
) -> tuple[list[Check], int]:
    """Split sizes, the loader's notes, the transfer set and the batch size: (checks, transfer examples)."""
    batch_size = cfg.training.batch_size
    checks = [
        Check(
            "data",
            "ok",
            f"{sizes['train']} train / {sizes['validation']} validation / {sizes['test']} test examples, labels: {', '.join(data.label_names)}",
        )
    ]
    for note in data.notes:
        checks.append(Check("data", "warn" if "dropped" in note or "UTF-8" in note else "ok", note))
    n_transfer = _transfer_check(cfg, data, teacher, checks)
    if batch_size > sizes["train"]:
        checks.append(
            Check(
                "batch size",
                "warn",
                f"batch size {batch_size} is larger than the {sizes['train']} training examples; each step sees all of them",
            )
        )
    return checks, n_transfer


def _model_checks(cfg: RunConfig, teacher: LoadedModel, student: LoadedModel) -> list[Check]:
    """Do the two models agree on labels and tokens, is the teacher's head trained, do the texts fit?"""
    checks = []
    if teacher.num_labels != student.num_labels:
        checks.append(
            Check("labels", "error", f"teacher has {teacher.num_labels} labels, student {student.num_labels}")
        )
    else:
        checks.append(
            Check("labels", "ok", f"both models predict {teacher.num_labels} labels: {', '.join(teacher.label_names)}")
        )
    if not teacher.head_trained:
        checks.append(
            Check(
                "teacher head",
                "warn",
                "the teacher's classification head is untrained: fine-tune the teacher first (Train page, or `workbench teacher`), or its soft labels are noise",
            )
        )
    else:
        checks.append(
            Check(
                "teacher head",
                "ok",
                "the teacher has a trained classification head; its validation accuracy is checked before distilling",
            )
        )
    same_tok = _tokenizers_match(teacher.tokenizer, student.tokenizer)
    checks.append(
        Check(
            "tokenizers",
            "ok",
            "student reuses the teacher's tokenizer"
            if same_tok
            else "teacher and student tokenise differently; each gets its own tokenizer",
        )
    )
    return checks + _input_checks(cfg.training.max_length, teacher, student)


def _input_checks(max_length: int, teacher: LoadedModel, student: LoadedModel) -> list[Check]:
    """What each model takes, and whether `max_length` fits its position embeddings."""
    checks = []
    for who, m in (("teacher", teacher), ("student", student)):
        ins = describe(m.model)["inputs"]
        checks.append(Check(f"{who} inputs", "ok", f"{who} takes {', '.join(ins)}"))
        max_pos = getattr(m.model.config, "max_position_embeddings", None)
        if max_pos and max_length > max_pos:
            checks.append(
                Check(f"{who} length", "error", f"max_length {max_length} exceeds the {who}'s {max_pos} positions")
            )
    return checks


def _size_check(teacher_total: int, student_total: int) -> Check:
    """A student no smaller than its teacher defeats the point of distilling: a warning, not an error."""
    if student_total >= teacher_total:
        return Check(
            "size",
            "warn",
            f"the student ({student_total:,} parameters) is not smaller than the teacher ({teacher_total:,})",
        )
    return Check("size", "ok", f"the student has {student_total / teacher_total:.0%} of the teacher's parameters")


def _model_facts(m: LoadedModel, params: dict[str, int]) -> dict[str, Any]:
    """What the report shows of one model: where it came from, its parameters, bytes and architecture."""
    return {"description": m.description, "params": params, "bytes": weight_bytes(m.model), **describe(m.model)}


def _transfer_check(cfg: RunConfig, data: TextData, teacher: LoadedModel, checks: list[Check]) -> int:
    """Build the transfer set as the run will (cheap: string work); its size, or 0 with an error check."""
    if not transfer_wanted(cfg):
        return 0
    try:
        ts = make_transfer_set(cfg, data, teacher.tokenizer)
    except WorkbenchError as exc:
        checks.append(Check("transfer set", "error", str(exc)))
        return 0
    level = "ok" if len(ts) else "warn"
    what = f"{ts.augmented} augmented + {ts.unlabelled} unlabelled texts for the teacher to label"
    checks.append(Check("transfer set", level, what if len(ts) else f"{what}: every one repeated a text of the data"))
    checks += [Check("transfer set", "ok", note) for note in ts.notes]
    return len(ts)


def _layer_map_checks(cfg: RunConfig, teacher: LoadedModel, student: LoadedModel) -> list[Check]:
    """With hidden-state or attention losses on: which teacher layer each student layer learns from."""
    if not wants_intermediate(cfg) or cfg.student.kind not in ("layers", "scratch"):
        return []
    try:
        layer_map = IntermediateSignals(cfg, teacher.model, student.model, None).layer_map
    except WorkbenchError as exc:
        return [Check("layer map", "error", str(exc))]
    pairs = ", ".join(f"{i}->{m}" for i, m in enumerate(layer_map))
    return [Check("layer map", "ok", f"student layer -> teacher layer for the hidden and attention losses: {pairs}")]


def estimate_cost(
    cfg: RunConfig,
    data: TextData,
    teacher: LoadedModel,
    student: LoadedModel,
    sample: int = 256,
    transfer_examples: int = 0,
) -> dict[str, Any]:
    """Memory from parameter counts (weights + grads + 2 Adam moments for the student, weights for
    the teacher) and time per epoch from one measured step on typical-length texts of this data.

    The student trains on train + `transfer_examples` texts and the teacher labels both, so both
    count in the steps per epoch and the teacher's time; `transfer` breaks out their share."""
    tc = cfg.training
    device = resolve_device(tc.device)
    precision = resolve_precision(tc.precision, device)
    texts = data.train.texts[:sample]
    labels = data.train.labels[:sample]
    bs = min(tc.batch_size, len(texts))
    t_enc = encode(teacher.tokenizer, texts, labels, tc.max_length, accepted_inputs(teacher.model))
    s_enc = encode(student.tokenizer, texts, labels, tc.max_length, accepted_inputs(student.model))
    # a batch of median-length texts stands for a length-grouped batch
    order = sorted(range(len(texts)), key=lambda i: s_enc.lengths[i])
    mid = order[max(0, len(order) // 2 - bs // 2) :][:bs]
    s_model = student.model.to(device)
    t_model = teacher.model.to(device)
    s_batch = {k: v.to(device) for k, v in collate(s_enc, mid).items()}
    t_batch = {k: v.to(device) for k, v in collate(t_enc, mid).items()}
    params = [p for p in s_model.parameters() if p.requires_grad]
    saved = [p.detach().clone() for p in params]
    optimizer = torch.optim.AdamW(params, lr=0.0)  # lr 0: the step is timed, the weights barely move

    def step() -> None:
        s_model.train()
        with autocast(device, precision):
            logits = s_model(**model_inputs(s_batch)).logits
        with torch.no_grad():
            target = torch.zeros_like(logits.float())
        loss = distillation_loss(
            logits.float(), target, s_batch["labels"], cfg.distill.temperature, cfg.distill.alpha
        ).total
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    @torch.no_grad()
    def teacher_batch() -> None:
        t_model.eval()
        with autocast(device, precision):
            t_model(**model_inputs(t_batch))

    try:
        step()
        start = time.perf_counter()
        step()
        step_s = time.perf_counter() - start
        teacher_batch()
        start = time.perf_counter()
        teacher_batch()
        teacher_s = time.perf_counter() - start
    except RuntimeError as exc:  # out of memory and the like
        raise WorkbenchError(f"one training step failed on {device.type}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved, strict=True):
                p.copy_(s)
    steps = math.ceil((len(data.train) + transfer_examples) / bs)
    s_bytes, t_bytes = weight_bytes(student.model), weight_bytes(teacher.model)
    return {
        "device": device.type,
        "precision": precision,
        "seconds_per_step": step_s,
        "teacher_seconds_per_batch": teacher_s,
        "train_steps_per_epoch": steps,
        "seconds_per_epoch": steps * step_s,
        "teacher_logits_seconds": steps * teacher_s,
        "transfer": augment.estimate_cost(transfer_examples, bs / teacher_s, bs / step_s),
        "memory_bytes": 4 * s_bytes + t_bytes,
        "note": "one measured step on median-length texts; real epochs vary with text lengths and machine load",
    }

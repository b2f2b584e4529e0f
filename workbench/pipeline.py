"""The two kinds of run, end to end: fine-tune a teacher, or distil a student from one.

Each step reads the config, loads data and models, trains with `train.train_loop`, saves the model
and writes the report. Run-folder bookkeeping (status, signals, errors) is `runner.py`'s job; this
module only needs a folder to save into and an `emit` for events.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from workbench import cache
from workbench.batching import Encoded, encode
from workbench.config import RunConfig, TrainConfig
from workbench.data import TextData, load_data
from workbench.errors import WorkbenchError
from workbench.evaluate import chance_accuracy, classification_metrics, measure_latency, predict_logits
from workbench.fsutil import write_json_atomic
from workbench.hardware import describe_machine, set_threads
from workbench.leakage import overlap_notes, teacher_run_folder, teacher_training_overlap
from workbench.losses import DistillationLoss, check_hyperparameters, distillation_loss
from workbench.models import (
    LoadedModel,
    accepted_inputs,
    build_student,
    describe,
    folder_size,
    load_teacher,
    param_breakdown,
    save_model,
)
from workbench.train import Emit, gather_rows, make_accelerator, predict_sharded, shard_indices, train_loop

SPLITS = ("train", "validation", "test")


@dataclass
class Prepared:
    """A model with its splits tokenised by its own tokenizer, keeping only inputs it accepts."""

    loaded: LoadedModel
    encoded: dict[str, Encoded]
    _fingerprint: str | None = None

    def cache_fingerprint(self) -> str:
        """Content hash of the weights and tokenizer (computed once: hashing 100 MB takes a while)."""
        if self._fingerprint is None:
            self._fingerprint = cache.model_fingerprint(self.loaded.model) + cache.tokenizer_fingerprint(
                self.loaded.tokenizer
            )
        return self._fingerprint


def tokenise(loaded: LoadedModel, data: TextData, max_length: int, splits=SPLITS) -> Prepared:
    inputs = accepted_inputs(loaded.model)
    encoded = {}
    for name in splits:
        split = data.split(name)
        encoded[name] = encode(loaded.tokenizer, split.texts, split.labels, max_length, inputs)
    return Prepared(loaded, encoded)


def _truncation_note(prepared: Prepared, max_length: int, who: str) -> str | None:
    n = sum(e.truncated for e in prepared.encoded.values())
    return f"{n} text(s) longer than {max_length} tokens were truncated for the {who}" if n else None


# --------------------------------------------------------------------------- teacher logits


def teacher_logits(
    accelerator: Any,
    teacher: Prepared,
    data: TextData,
    split: str,
    tc: TrainConfig,
    precision: str,
    emit: Emit | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The teacher's logits on a split: from the content-keyed cache, or computed once and stored.

    Each process computes its share when several run. -> ((n, C) fp32 on CPU, info).
    """
    enc = teacher.encoded[split]
    texts = data.split(split).texts
    start = time.perf_counter()
    key = None
    if tc.cache_teacher_logits:
        key = cache.logits_key(teacher.cache_fingerprint(), texts, tc.max_length, precision)
        hit = cache.load_logits(key)
        if hit is not None and hit.shape[0] == len(enc):
            info = {"split": split, "cached": True, "key": key, "seconds": time.perf_counter() - start}
            if emit:
                emit({"type": "phase", "phase": "teacher_logits", **info})
            return hit, info
    if emit:
        emit({"type": "phase", "phase": "teacher_logits_start", "split": split, "examples": len(enc)})
    teacher.loaded.model.to(accelerator.device)
    idx = shard_indices(len(enc), accelerator)
    part = predict_logits(teacher.loaded.model, enc, tc.eval_batch_size, accelerator.device, precision, indices=idx)
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


# --------------------------------------------------------------------------- reporting


def model_summary(
    loaded: LoadedModel,
    folder: Path | None,
    logits: dict[str, torch.Tensor],
    data: TextData,
    max_length: int,
    device: torch.device,
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": loaded.description, "architecture": describe(loaded.model)}
    for split, lg in logits.items():
        out[split] = classification_metrics(data.split(split).labels, lg.argmax(-1), data.num_labels)
    out["params"] = param_breakdown(loaded.model)
    out["size_bytes"] = folder_size(folder) if folder else None
    return out


def latencies(
    named: dict[str, LoadedModel], data: TextData, max_length: int, device: torch.device
) -> dict[str, dict[str, float]]:
    """Measured ms per example at batch 1 and 32 for each model, on the same validation texts."""
    for loaded in named.values():
        loaded.model.to(device)
    models = {name: (loaded.model, loaded.tokenizer) for name, loaded in named.items()}
    return measure_latency(models, data.validation.texts[:64], max_length, device)


def write_predictions(
    path: Path, data: TextData, teacher: dict[str, torch.Tensor], student: dict[str, torch.Tensor] | None
) -> None:
    """predictions.csv: split, index, text, label, and each model's prediction and probabilities."""
    names = data.label_names
    header = ["split", "index", "text", "label", "teacher_pred"] + [f"teacher_p_{n}" for n in names]
    if student is not None:
        header += ["student_pred"] + [f"student_p_{n}" for n in names]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for split in teacher:
            tp = teacher[split].softmax(-1)
            sp = student[split].softmax(-1) if student is not None else None
            for i, (text, label) in enumerate(zip(data.split(split).texts, data.split(split).labels, strict=True)):
                row = [split, i, text, names[label], names[int(tp[i].argmax())]] + [f"{p:.5f}" for p in tp[i].tolist()]
                if sp is not None:
                    row += [names[int(sp[i].argmax())]] + [f"{p:.5f}" for p in sp[i].tolist()]
                w.writerow(row)
    os.replace(tmp, path)


def save_atomically(loaded: LoadedModel, run_dir: Path) -> Path:
    """Save to model.tmp then rename to model/: a half-saved model never looks complete."""
    tmp, final = run_dir / "model.tmp", run_dir / "model"
    shutil.rmtree(tmp, ignore_errors=True)
    save_model(loaded, tmp)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


# --------------------------------------------------------------------------- runs


def run_teacher(cfg: RunConfig, run_dir: Path, emit: Emit, should_stop, resume: bool = False) -> dict[str, Any]:
    """Fine-tune the teacher on the task, keep its best validation checkpoint, report."""
    tc = cfg.teacher_training
    set_threads(tc.num_threads)
    torch.manual_seed(cfg.seed)
    accelerator, precision = make_accelerator(tc)
    emit({"type": "phase", "phase": "loading"})
    data = load_data(cfg.data)
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length)
    notes = list(data.notes) + [n for n in [_truncation_note(teacher, tc.max_length, "teacher")] if n]
    result = train_loop(
        accelerator=accelerator,
        precision=precision,
        model=teacher.loaded.model,
        train_enc=teacher.encoded["train"],
        val_enc=teacher.encoded["validation"],
        tc=tc,
        seed=cfg.seed,
        num_labels=data.num_labels,
        compute_loss=_cross_entropy,
        emit=emit,
        should_stop=should_stop,
        report_soft=False,
        checkpoint_dir=run_dir / "checkpoint",
        resume=resume,
    )
    teacher.loaded.model = accelerator.unwrap_model(teacher.loaded.model)
    teacher.loaded.head_trained = True
    emit({"type": "phase", "phase": "evaluating"})
    folder = save_atomically(teacher.loaded, run_dir) if accelerator.is_main_process else None
    base = {
        "kind": "teacher",
        "state": result.state,
        "machine": describe_machine(),
        "precision": precision,
        "processes": accelerator.num_processes,
        "data": data_info(data, notes),
        "training": training_info(result),
    }
    # a stopped run should end in seconds: speed is measured for finished runs only
    return teacher_report(accelerator, precision, teacher, data, tc, folder, run_dir, base, result.state == "finished")


def data_info(data: TextData, notes: list[str]) -> dict[str, Any]:
    """The report's `data` block."""
    sizes = {s: len(data.split(s)) for s in SPLITS}
    return {"description": data.description, "label_names": data.label_names, "sizes": sizes, "notes": notes}


def training_info(result: Any) -> dict[str, Any]:
    """The report's `training` block, from a `train.LoopResult`."""
    return {
        "steps": result.steps,
        "total_steps": result.total_steps,
        "best_step": result.best_step,
        "seconds": result.train_seconds,
        "examples_per_s": result.examples_seen / max(result.train_seconds, 1e-9),
    }


def teacher_report(
    accelerator: Any,
    precision: str,
    teacher: Prepared,
    data: TextData,
    tc: TrainConfig,
    folder: Path | None,
    run_dir: Path,
    base: dict[str, Any],
    measure_speed: bool,
) -> dict[str, Any]:
    """Evaluate a fine-tuned teacher on validation and test; write report.json and predictions.csv."""
    logits = {
        s: predict_sharded(accelerator, teacher.loaded.model, teacher.encoded[s], tc.eval_batch_size, precision)
        for s in ("validation", "test")
    }
    if not accelerator.is_main_process:
        return {}
    summary = model_summary(teacher.loaded, folder, logits, data, tc.max_length, accelerator.device)
    lat = latencies({"teacher": teacher.loaded}, data, tc.max_length, accelerator.device) if measure_speed else {}
    summary["latency_ms"] = lat.get("teacher", {})
    report = {**base, "teacher": summary}
    write_predictions(run_dir / "predictions.csv", data, logits, None)
    write_json_atomic(run_dir / "report.json", report)
    return report


def _cross_entropy(logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> DistillationLoss:
    ce = torch.nn.functional.cross_entropy(logits.float(), batch["labels"])
    return DistillationLoss(ce, torch.zeros((), device=ce.device), ce)


def run_distill(cfg: RunConfig, run_dir: Path, emit: Emit, should_stop, resume: bool = False) -> dict[str, Any]:
    """Check the teacher, build the student, distil with cached teacher logits, compare both."""
    tc = cfg.training
    T, alpha = cfg.distill.temperature, cfg.distill.alpha
    check_hyperparameters(T, alpha)
    set_threads(tc.num_threads)
    torch.manual_seed(cfg.seed)
    accelerator, precision = make_accelerator(tc)
    emit({"type": "phase", "phase": "loading"})
    data = load_data(cfg.data)
    teacher_loaded = load_teacher(cfg.teacher, data.label_names)
    teacher_loaded.model.eval()
    teacher = tokenise(teacher_loaded, data, tc.max_length)
    emit({"type": "phase", "phase": "checking_teacher"})
    t_logits: dict[str, torch.Tensor] = {}
    logit_info = []
    for split in ("validation", "train", "test"):
        if split == "train":
            teacher_check = check_teacher(t_logits["validation"], data, cfg)
            emit({"type": "phase", "phase": "teacher_checked", **teacher_check})
            teacher_overlap = teacher_training_overlap(teacher_run_folder(cfg.teacher), data)
            data.notes += overlap_notes(teacher_overlap)
        t_logits[split], info = teacher_logits(accelerator, teacher, data, split, tc, precision, emit)
        logit_info.append(info)
    torch.manual_seed(cfg.seed)
    student_loaded = build_student(cfg.student, teacher_loaded, data.label_names)
    student = tokenise(student_loaded, data, tc.max_length)
    notes = list(data.notes) + [
        n
        for n in [
            _truncation_note(teacher, tc.max_length, "teacher"),
            _truncation_note(student, tc.max_length, "student"),
        ]
        if n
    ]
    train_targets = t_logits["train"].to(accelerator.device)  # (n_train, C)
    teacher_loaded.model.to("cpu")  # not needed on the device while the student trains

    def loss_fn(logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> DistillationLoss:
        return distillation_loss(logits, train_targets[batch["index"]], batch["labels"], T, alpha)

    result = train_loop(
        accelerator=accelerator,
        precision=precision,
        model=student_loaded.model,
        train_enc=student.encoded["train"],
        val_enc=student.encoded["validation"],
        tc=tc,
        seed=cfg.seed,
        num_labels=data.num_labels,
        compute_loss=loss_fn,
        emit=emit,
        should_stop=should_stop,
        report_soft=True,
        checkpoint_dir=run_dir / "checkpoint",
        resume=resume,
    )
    student_loaded.model = accelerator.unwrap_model(student_loaded.model)
    emit({"type": "phase", "phase": "evaluating"})
    folder = save_atomically(student_loaded, run_dir) if accelerator.is_main_process else None
    extra = {
        "state": result.state,
        "teacher_check": teacher_check,
        "teacher_overlap": teacher_overlap,
        "teacher_logits": logit_info,
        "training": training_info(result),
    }
    return distill_report(accelerator, precision, cfg, data, teacher, student, t_logits, folder, run_dir, notes, extra)


def distill_report(
    accelerator: Any,
    precision: str,
    cfg: RunConfig,
    data: TextData,
    teacher: Prepared,
    student: Prepared,
    t_logits: dict[str, torch.Tensor],
    folder: Path | None,
    run_dir: Path,
    notes: list[str],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Evaluate both models on validation and test, write report.json and predictions.csv."""
    tc = cfg.training
    s_logits = {
        s: predict_sharded(accelerator, student.loaded.model, student.encoded[s], tc.eval_batch_size, precision)
        for s in ("validation", "test")
    }
    if not accelerator.is_main_process:
        return {}
    eval_logits = {s: t_logits[s] for s in ("validation", "test")}
    t_sum = model_summary(teacher.loaded, None, eval_logits, data, tc.max_length, accelerator.device)
    t_sum["size_bytes"] = _teacher_size(teacher.loaded)
    s_sum = model_summary(student.loaded, folder, s_logits, data, tc.max_length, accelerator.device)
    if extra.get("state", "finished") == "finished":
        lat = latencies({"teacher": teacher.loaded, "student": student.loaded}, data, tc.max_length, accelerator.device)
    else:  # a stopped run should end in seconds; `workbench evaluate RUN` measures speed later
        lat = {"teacher": {}, "student": {}}
    t_sum["latency_ms"], s_sum["latency_ms"] = lat["teacher"], lat["student"]
    report = {
        "kind": "distill",
        "state": "finished",
        "machine": describe_machine(),
        "precision": precision,
        "processes": accelerator.num_processes,
        "temperature": cfg.distill.temperature,
        "alpha": cfg.distill.alpha,
        "data": data_info(data, notes),
        **extra,
        "teacher": t_sum,
        "student": s_sum,
        "comparison": compare(t_sum, s_sum, eval_logits, s_logits),
    }
    write_predictions(run_dir / "predictions.csv", data, eval_logits, s_logits)
    write_json_atomic(run_dir / "report.json", report)
    return report


def evaluate_run(run_dir: Path) -> dict[str, Any]:
    """Re-evaluate a finished distillation run from its folder (config.yaml + model/)."""
    from workbench.config import load_config
    from workbench.fsutil import read_json
    from workbench.models import load_classifier

    cfg = load_config(run_dir / "config.yaml")
    old = read_json(run_dir / "report.json", default={}) or {}
    if not (run_dir / "model").is_dir():
        raise WorkbenchError(f"{run_dir} has no saved model to evaluate")
    tc = cfg.training if old.get("kind", "distill") == "distill" else cfg.teacher_training
    set_threads(tc.num_threads)
    accelerator, precision = make_accelerator(tc)
    data = load_data(cfg.data)
    if old.get("kind") == "teacher":
        teacher = tokenise(
            load_classifier("run", str(run_dir), data.label_names), data, tc.max_length, ("validation", "test")
        )
        return teacher_report(accelerator, precision, teacher, data, tc, run_dir / "model", run_dir, old, True)
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length, ("validation", "test"))
    student = tokenise(
        load_classifier("run", str(run_dir), data.label_names), data, tc.max_length, ("validation", "test")
    )
    t_logits = {s: teacher_logits(accelerator, teacher, data, s, tc, precision)[0] for s in ("validation", "test")}
    keep = {k: old[k] for k in ("state", "teacher_check", "teacher_logits", "training") if k in old}
    return distill_report(
        accelerator,
        precision,
        cfg,
        data,
        teacher,
        student,
        t_logits,
        run_dir / "model",
        run_dir,
        list(data.notes),
        keep,
    )


def _teacher_size(teacher: LoadedModel) -> int | None:
    from workbench.models import weight_bytes

    if teacher.location and Path(teacher.location).is_dir():
        size = folder_size(teacher.location)
        if size:
            return size
    return weight_bytes(teacher.model)


def compare(
    teacher: dict[str, Any],
    student: dict[str, Any],
    t_logits: dict[str, torch.Tensor],
    s_logits: dict[str, torch.Tensor],
) -> dict[str, Any]:
    """The numbers a reader wants first: share of accuracy kept, size and speed ratios, agreement."""
    out: dict[str, Any] = {}
    for split in ("validation", "test"):
        t_acc, s_acc = teacher[split]["accuracy"], student[split]["accuracy"]
        out[f"accuracy_share_{split}"] = s_acc / t_acc if t_acc else None
        out[f"agreement_{split}"] = (t_logits[split].argmax(-1) == s_logits[split].argmax(-1)).float().mean().item()
    out["param_ratio"] = student["params"]["total"] / teacher["params"]["total"]
    out["speedup"] = {
        k: teacher["latency_ms"][k] / student["latency_ms"][k]
        for k in teacher["latency_ms"]
        if student["latency_ms"].get(k)
    }
    return out

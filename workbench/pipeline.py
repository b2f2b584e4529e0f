"""The two kinds of run, end to end: fine-tune a teacher, or distil a student from one.

Each step reads the config, loads data and models, trains with `train.train_loop`, saves the model
and writes the report. Run-folder bookkeeping (status, signals, errors) is `runner.py`'s job; this
module only needs a folder to save into and an `emit` for events.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch

from workbench import reuse
from workbench.config import RunConfig
from workbench.data import load_data
from workbench.errors import WorkbenchError
from workbench.hardware import describe_machine, set_threads
from workbench.leakage import overlap_notes, teacher_run_folder, teacher_training_overlap
from workbench.losses import DistillationLoss, check_hyperparameters, distillation_loss
from workbench.models import LoadedModel, load_teacher, save_model
from workbench.prepared import tokenise, truncation_note
from workbench.report import data_info, distill_report, teacher_report, training_info
from workbench.students import build_student
from workbench.teacher_logits import check_teacher, teacher_logits
from workbench.train import Emit, make_accelerator, plain_model, train_loop


def save_atomically(loaded: LoadedModel, run_dir: Path) -> Path:
    """Save to model.tmp then rename to model/: a half-saved model never looks complete."""
    tmp, final = run_dir / "model.tmp", run_dir / "model"
    shutil.rmtree(tmp, ignore_errors=True)
    save_model(loaded, tmp)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def run_teacher(cfg: RunConfig, run_dir: Path, emit: Emit, should_stop, resume: bool = False) -> dict[str, Any]:
    """Fine-tune the teacher on the task, keep its best validation checkpoint, report."""
    tc = cfg.teacher_training
    set_threads(tc.num_threads)
    torch.manual_seed(cfg.seed)
    accelerator, precision = make_accelerator(tc)
    emit({"type": "phase", "phase": "loading"})
    data = load_data(cfg.data)
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length)
    notes = list(data.notes) + [n for n in [truncation_note(teacher, tc.max_length, "teacher")] if n]
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
    teacher.loaded.model = plain_model(accelerator, teacher.loaded.model)
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
    return teacher_report(
        accelerator, precision, teacher, data, tc, folder, run_dir, base, result.state == "finished", emit
    )


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
    data = reuse.data(cfg.data)  # loaded once per sweep worker, afresh for ordinary runs
    teacher_loaded = reuse.teacher(cfg.teacher, data.label_names)
    teacher_loaded.model.eval()
    teacher = reuse.tokenised(teacher_loaded, data, tc.max_length)
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
    student_loaded = build_student(cfg.student, teacher_loaded, data.label_names, data.train.texts)
    student = tokenise(student_loaded, data, tc.max_length)
    notes = list(data.notes) + [
        n
        for n in [
            truncation_note(teacher, tc.max_length, "teacher"),
            truncation_note(student, tc.max_length, "student"),
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
    student_loaded.model = plain_model(accelerator, student_loaded.model)
    emit({"type": "phase", "phase": "evaluating"})
    folder = save_atomically(student_loaded, run_dir) if accelerator.is_main_process else None
    extra = {
        "state": result.state,
        "teacher_check": teacher_check,
        "teacher_overlap": teacher_overlap,
        "teacher_logits": logit_info,
        "training": training_info(result),
    }
    # a stopped run should end in seconds: speed is measured for finished runs (or by `workbench evaluate`)
    return distill_report(
        accelerator, precision, cfg, data, teacher, student, t_logits, folder, run_dir, notes, extra,
        measure_speed=result.state == "finished", emit=emit,
    )  # fmt: skip


def evaluate_run(run_dir: Path) -> dict[str, Any]:
    """Re-evaluate a run from its folder (config.yaml + model/), finished or stopped, speed included."""
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
    keep = {k: old[k] for k in ("state", "teacher_check", "teacher_logits", "training", "teacher_overlap") if k in old}
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
        list(data.notes) + (overlap_notes(keep["teacher_overlap"]) if keep.get("teacher_overlap") else []),
        keep,
        measure_speed=True,  # also for a stopped run: this is where its speed gets measured
    )

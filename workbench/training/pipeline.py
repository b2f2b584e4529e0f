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

from workbench.config import RunConfig
from workbench.core import Emit, WorkbenchError, describe_machine, set_threads
from workbench.data import load_data, overlap_notes, teacher_run_folder, teacher_training_overlap
from workbench.distill import (
    DistillationLoss,
    check_hyperparameters,
    check_teacher,
    distillation_loss,
    ensemble_report,
    ensemble_targets,
    extra_logits,
    label_transfer,
    load_extra_teachers,
    members_on_texts,
    teacher_logits,
    training_set,
)
from workbench.evaluation import data_info, distill_report, run_tags, teacher_report, training_info
from workbench.models import LoadedModel, build_student, load_teacher, reuse, save_model, tokenise, truncation_note
from workbench.training.intermediate_training import IntermediateSignals, eager_attention, wants_intermediate
from workbench.training.loop import make_accelerator, plain_model, train_loop


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
        **run_tags(cfg),
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
    members = load_extra_teachers(cfg, data, tc.max_length)  # [] unless extra_teachers
    emit({"type": "phase", "phase": "checking_teacher"})
    t_logits: dict[str, torch.Tensor] = {}
    m_logits: dict[str, list[torch.Tensor]] = {}  # each extra teacher's logits per split
    targets: dict[str, torch.Tensor] = {}  # what the student learns from: the teacher's or the ensemble's
    logit_info = []
    data_notes = list(data.notes)  # a copy: a sweep worker shares `data` between trials (`reuse.data`)
    for split in ("validation", "train", "test"):
        if split == "train":
            teacher_check = check_teacher(targets["validation"], data, cfg)  # the ensemble's, with several
            emit({"type": "phase", "phase": "teacher_checked", **teacher_check})
            teacher_overlap = teacher_training_overlap(teacher_run_folder(cfg.teacher), data)
            data_notes += overlap_notes(teacher_overlap)
        t_logits[split], info = teacher_logits(accelerator, teacher, data, split, tc, precision, emit)
        logit_info.append(info)
        m_logits[split], infos = extra_logits(accelerator, members, data, split, tc, precision, emit)
        logit_info += infos
        targets[split] = ensemble_targets(t_logits[split], m_logits[split], cfg)
    transfer = label_transfer(accelerator, cfg, data, teacher, tc, precision, emit)
    if members and transfer.logits is not None:  # the ensemble labels the transfer texts too
        transfer.logits = ensemble_targets(
            transfer.logits, members_on_texts(accelerator, members, transfer.texts, tc, precision, emit), cfg
        )
    for m in members:
        m.loaded.model.to("cpu")
    torch.manual_seed(cfg.seed)
    # a pruned vocabulary keeps the words of every text the student trains on, transfer texts included
    student_loaded = build_student(cfg.student, teacher_loaded, data.label_names, data.train.texts + transfer.texts)
    student = tokenise(student_loaded, data, tc.max_length)
    notes = data_notes + [
        n
        for n in [
            truncation_note(teacher, tc.max_length, "teacher"),
            truncation_note(student, tc.max_length, "student"),
        ]
        if n
    ]
    notes += transfer.notes
    train_enc, train_targets = training_set(student, transfer, targets["train"], tc.max_length)
    train_targets = train_targets.to(accelerator.device)  # (n_train + n_transfer, C), train_enc's order
    inter = (
        IntermediateSignals(cfg, teacher_loaded.model, student_loaded.model, accelerator)
        if wants_intermediate(cfg)
        else None
    )
    if inter is None:
        teacher_loaded.model.to("cpu")  # not needed on the device while the student trains
    else:
        teacher_loaded.model.to(accelerator.device)  # runs forward on every batch

    def loss_fn(logits: torch.Tensor, batch: dict[str, torch.Tensor], outputs: Any = None) -> DistillationLoss:
        loss = distillation_loss(logits, train_targets[batch["index"]], batch["labels"], T, alpha)
        return inter.add_to(loss, batch, outputs) if inter is not None else loss

    attention_on = inter is not None and cfg.distill.attention_weight > 0
    with eager_attention(teacher_loaded.model, student_loaded.model, on=attention_on):
        result = train_loop(
            accelerator=accelerator,
            precision=precision,
            model=student_loaded.model,
            train_enc=train_enc,
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
            forward_outputs=inter.forward_outputs if inter is not None else (),
            extra_modules=inter.projections if inter is not None else None,
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
        **({"transfer": transfer.report} if transfer.report is not None else {}),
    }
    if members:
        described = [(teacher_loaded.description, teacher_loaded.location, t_logits)] + [
            (m.loaded.description, m.loaded.location, {s: m_logits[s][k] for s in m_logits})
            for k, m in enumerate(members)
        ]
        extra["ensemble"] = ensemble_report(cfg, described, targets, data)
    # a stopped run should end in seconds: speed is measured for finished runs (or by `workbench evaluate`)
    return distill_report(
        accelerator, precision, cfg, data, teacher, student, t_logits, folder, run_dir, notes, extra,
        measure_speed=result.state == "finished", emit=emit,
    )  # fmt: skip


def evaluate_run(run_dir: Path) -> dict[str, Any]:
    """Re-evaluate a run from its folder (config.yaml + model/), finished or stopped, speed included."""
    from workbench.config import load_config
    from workbench.core import read_json
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
        return teacher_report(
            accelerator, precision, teacher, data, tc, run_dir / "model", run_dir, old, True, fresh=False
        )
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length, ("validation", "test"))
    student = tokenise(
        load_classifier("run", str(run_dir), data.label_names), data, tc.max_length, ("validation", "test")
    )
    t_logits = {s: teacher_logits(accelerator, teacher, data, s, tc, precision)[0] for s in ("validation", "test")}
    kept = ("state", "teacher_check", "teacher_logits", "training", "teacher_overlap", "transfer", "ensemble")
    keep = {k: old[k] for k in kept if k in old}
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
        fresh=False,  # the same model measured again: what export and others recorded stays
    )

"""The two kinds of run, end to end: fine-tune a teacher, or distil a student from one.

Each step reads the config, loads data and models, trains with `loop.train_loop`, saves the model
and writes the report. Run-folder bookkeeping (status, signals, errors) is `workbench.runs.runner`'s job;
this module only needs a folder to save into and an `emit` for events. A distillation run is a chain of
named stages (load, teacher targets, transfer set, student, train, report) over one `_Distillation`.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from workbench.config import ExtraEvalSet, RunConfig, TrainConfig
from workbench.core import Emit, WorkbenchError, describe_machine, set_threads
from workbench.data import (
    ExtraSet,
    TextData,
    load_data,
    load_extra_set,
    load_extra_sets,
    overlap_notes,
    teacher_run_folder,
    teacher_training_overlap,
)
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
from workbench.evaluation import data_info, distill_report, record_extra_eval, run_tags, teacher_report, training_info
from workbench.models import (
    LoadedModel,
    Prepared,
    build_student,
    load_teacher,
    reuse,
    save_model,
    tokenise,
    truncation_note,
)
from workbench.training.accelerate_setup import make_accelerator, plain_model
from workbench.training.few_labels import train_contrastive
from workbench.training.intermediate_training import IntermediateSignals, eager_attention, wants_intermediate
from workbench.training.loop import LoopResult, LossFn, train_loop


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
    extra_sets = load_extra_sets(cfg.data, data.label_names)  # a bad file is refused before training, not after
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length)
    notes = list(data.notes) + [n for n in [truncation_note(teacher, tc.max_length, "teacher")] if n]
    few = _contrastive_stage(cfg, teacher, accelerator, run_dir, emit, should_stop, resume)
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
        **({"few_labels": few} if few is not None else {}),
        **run_tags(cfg),
    }
    # a stopped run should end in seconds: speed is measured for finished runs only
    report = teacher_report(
        accelerator, precision, teacher, data, tc, folder, run_dir, base, result.state == "finished", emit
    )
    models = {"teacher": teacher.loaded}
    return _with_extra_sets(run_dir, report, extra_sets, models, data, tc, accelerator, precision, emit=emit)


def _with_extra_sets(
    run_dir: Path,
    report: dict[str, Any],
    sets: list[ExtraSet],
    models: dict[str, LoadedModel],
    data: TextData,
    tc: TrainConfig,
    accelerator: Any,
    precision: str,
    keep_old: bool = False,
    emit: Emit | None = None,
) -> dict[str, Any]:
    """The report with the models measured on the test sets from elsewhere (`report` itself when there are none)."""
    return record_extra_eval(
        run_dir, report, sets, models, data.num_labels, tc.max_length, tc.eval_batch_size, accelerator.device,
        precision, keep_old, emit,
    )  # fmt: skip


def _contrastive_stage(
    cfg: RunConfig, teacher: Prepared, accelerator: Any, run_dir: Path, emit: Emit, should_stop, resume: bool
) -> dict[str, Any] | None:
    """SetFit's contrastive pairs before the head is fine-tuned (`few_labels.teacher_method: setfit`).

    Skipped on a resume from a checkpoint: the checkpoint already holds the body it trained."""
    if cfg.few_labels.teacher_method != "setfit":
        return None
    if resume and (run_dir / "checkpoint").is_dir():
        return {"method": "setfit", "resumed": True}
    torch.manual_seed(cfg.seed)
    return train_contrastive(
        teacher.loaded.model, teacher.encoded["train"], cfg.few_labels, cfg.seed, accelerator.device, emit, should_stop
    )


def _cross_entropy(logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> DistillationLoss:
    ce = torch.nn.functional.cross_entropy(logits.float(), batch["labels"])
    return DistillationLoss(ce, torch.zeros((), device=ce.device), ce)


def run_distill(cfg: RunConfig, run_dir: Path, emit: Emit, should_stop, resume: bool = False) -> dict[str, Any]:
    """Check the teacher, build the student, distil with cached teacher logits, compare both."""
    tc = cfg.training
    check_hyperparameters(cfg.distill.temperature, cfg.distill.alpha)
    set_threads(tc.num_threads)
    torch.manual_seed(cfg.seed)
    accelerator, precision = make_accelerator(tc)
    emit({"type": "phase", "phase": "loading"})
    d = _load_for_distill(cfg, accelerator, precision, emit)
    extra_sets = load_extra_sets(cfg.data, d.data.label_names)  # a bad file is refused before training, not after
    emit({"type": "phase", "phase": "checking_teacher"})
    taught = _teacher_targets(d)
    transfer = _transfer_set(d)
    torch.manual_seed(cfg.seed)
    student_loaded, student, notes = _build_student(d, transfer, overlap_notes(taught.teacher_overlap))
    result = _train_student(d, student_loaded, student, transfer, taught.targets["train"], run_dir, should_stop, resume)
    student_loaded.model = plain_model(accelerator, student_loaded.model)
    emit({"type": "phase", "phase": "evaluating"})
    folder = save_atomically(student_loaded, run_dir) if accelerator.is_main_process else None
    report = _distill_run_report(d, taught, transfer, student, result, folder, run_dir, notes)
    models = {"teacher": d.teacher_loaded, "student": student_loaded}
    return _with_extra_sets(run_dir, report, extra_sets, models, d.data, tc, accelerator, precision, emit=emit)


@dataclass
class _Distillation:
    """What every stage of one distillation run reads: the config, the Accelerator, the data and the teachers."""

    cfg: RunConfig
    accelerator: Any
    precision: str
    emit: Emit
    data: TextData
    teacher_loaded: LoadedModel
    teacher: Prepared  # the main teacher, tokenised
    members: list[Prepared]  # the extra teachers; [] unless extra_teachers

    @property
    def tc(self) -> TrainConfig:
        return self.cfg.training


@dataclass
class _TeacherTargets:
    """What the student learns from, per split, and what checking the teacher found."""

    t_logits: dict[str, torch.Tensor]  # the main teacher's logits per split, (n, C)
    m_logits: dict[str, list[torch.Tensor]]  # each extra teacher's logits per split
    targets: dict[str, torch.Tensor]  # the teacher's, or the ensemble's with several, (n, C)
    logit_info: list[dict[str, Any]]  # how each teacher's logits were got (cache hit or computed)
    teacher_check: dict[str, Any]
    teacher_overlap: Any


def _load_for_distill(cfg: RunConfig, accelerator: Any, precision: str, emit: Emit) -> _Distillation:
    """Data and teachers, through `reuse`: loaded once per sweep worker, afresh for ordinary runs."""
    tc = cfg.training
    data = reuse.data(cfg.data)
    teacher_loaded = reuse.teacher(cfg.teacher, data.label_names)
    teacher_loaded.model.eval()
    teacher = reuse.tokenised(teacher_loaded, data, tc.max_length)
    members = load_extra_teachers(cfg, data, tc.max_length)
    return _Distillation(cfg, accelerator, precision, emit, data, teacher_loaded, teacher, members)


def _teacher_targets(d: _Distillation) -> _TeacherTargets:
    """Every teacher's logits on every split (cached by fingerprint), the targets made of them, and the
    teacher check, which comes first: a teacher that fails it costs no train-split logits."""
    cfg, data, tc = d.cfg, d.data, d.tc
    t_logits: dict[str, torch.Tensor] = {}
    m_logits: dict[str, list[torch.Tensor]] = {}
    targets: dict[str, torch.Tensor] = {}
    logit_info = []
    for split in ("validation", "train", "test"):
        if split == "train":
            teacher_check = check_teacher(targets["validation"], data, cfg)  # the ensemble's, with several
            d.emit({"type": "phase", "phase": "teacher_checked", **teacher_check})
            teacher_overlap = teacher_training_overlap(teacher_run_folder(cfg.teacher), data)
        t_logits[split], info = teacher_logits(d.accelerator, d.teacher, data, split, tc, d.precision, d.emit)
        logit_info.append(info)
        m_logits[split], infos = extra_logits(d.accelerator, d.members, data, split, tc, d.precision, d.emit)
        logit_info += infos
        targets[split] = ensemble_targets(t_logits[split], m_logits[split], cfg)
    return _TeacherTargets(t_logits, m_logits, targets, logit_info, teacher_check, teacher_overlap)


def _transfer_set(d: _Distillation) -> Any:
    """The transfer texts labelled by the teacher (or the ensemble); afterwards the extra teachers leave the device."""
    accelerator, tc, precision, emit = d.accelerator, d.tc, d.precision, d.emit
    transfer = label_transfer(accelerator, d.cfg, d.data, d.teacher, tc, precision, emit)
    if d.members and transfer.logits is not None:  # the ensemble labels the transfer texts too
        transfer.logits = ensemble_targets(
            transfer.logits, members_on_texts(accelerator, d.members, transfer.texts, tc, precision, emit), d.cfg
        )
    for m in d.members:
        m.loaded.model.to("cpu")
    return transfer


def _build_student(d: _Distillation, transfer: Any, overlap: list[str]) -> tuple[LoadedModel, Prepared, list[str]]:
    """The student, tokenised, and the run's notes (data, teacher overlap, truncation of both models, transfer
    set). The notes are a new list: a sweep worker shares `d.data` between trials (`reuse.data`)."""
    tc = d.tc
    # a pruned vocabulary keeps the words of every text the student trains on, transfer texts included
    student_loaded = build_student(
        d.cfg.student, d.teacher_loaded, d.data.label_names, d.data.train.texts + transfer.texts
    )
    student = tokenise(student_loaded, d.data, tc.max_length)
    truncated = [
        truncation_note(d.teacher, tc.max_length, "teacher"),
        truncation_note(student, tc.max_length, "student"),
    ]
    notes = list(d.data.notes) + overlap + [n for n in truncated if n] + transfer.notes
    return student_loaded, student, notes


def _train_student(
    d: _Distillation,
    student_loaded: LoadedModel,
    student: Prepared,
    transfer: Any,
    train_targets: torch.Tensor,
    run_dir: Path,
    should_stop,
    resume: bool,
) -> LoopResult:
    """The training loop on the student, with the intermediate-layer losses when the config asks for them."""
    cfg, tc, accelerator = d.cfg, d.tc, d.accelerator
    train_enc, targets = training_set(student, transfer, train_targets, tc.max_length)
    targets = targets.to(accelerator.device)  # (n_train + n_transfer, C), train_enc's order
    wanted = wants_intermediate(cfg)
    inter = IntermediateSignals(cfg, d.teacher_loaded.model, student_loaded.model, accelerator) if wanted else None
    if inter is None:
        d.teacher_loaded.model.to("cpu")  # not needed on the device while the student trains
    else:
        d.teacher_loaded.model.to(accelerator.device)  # runs forward on every batch
    attention_on = inter is not None and cfg.distill.attention_weight > 0
    with eager_attention(d.teacher_loaded.model, student_loaded.model, on=attention_on):
        return train_loop(
            accelerator=accelerator,
            precision=d.precision,
            model=student_loaded.model,
            train_enc=train_enc,
            val_enc=student.encoded["validation"],
            tc=tc,
            seed=cfg.seed,
            num_labels=d.data.num_labels,
            compute_loss=_distill_loss_fn(cfg, targets, inter),
            emit=d.emit,
            should_stop=should_stop,
            report_soft=True,
            checkpoint_dir=run_dir / "checkpoint",
            resume=resume,
            forward_outputs=inter.forward_outputs if inter is not None else (),
            extra_modules=inter.projections if inter is not None else None,
        )


def _distill_loss_fn(cfg: RunConfig, targets: torch.Tensor, inter: IntermediateSignals | None) -> LossFn:
    """Hinton's loss against the targets of each example in the batch, plus the intermediate-layer losses."""
    T, alpha = cfg.distill.temperature, cfg.distill.alpha

    def loss_fn(logits: torch.Tensor, batch: dict[str, torch.Tensor], outputs: Any = None) -> DistillationLoss:
        loss = distillation_loss(logits, targets[batch["index"]], batch["labels"], T, alpha)  # logits: (bs, C)
        return inter.add_to(loss, batch, outputs) if inter is not None else loss

    return loss_fn


def _distill_run_report(
    d: _Distillation,
    taught: _TeacherTargets,
    transfer: Any,
    student: Prepared,
    result: LoopResult,
    folder: Path | None,
    run_dir: Path,
    notes: list[str],
) -> dict[str, Any]:
    """Both models measured on the test split, with what the run found on the way."""
    extra = {
        "state": result.state,
        "teacher_check": taught.teacher_check,
        "teacher_overlap": taught.teacher_overlap,
        "teacher_logits": taught.logit_info,
        "training": training_info(result),
        **({"transfer": transfer.report} if transfer.report is not None else {}),
    }
    if d.members:
        m_logits = taught.m_logits
        described = [(d.teacher_loaded.description, d.teacher_loaded.location, taught.t_logits)] + [
            (m.loaded.description, m.loaded.location, {s: m_logits[s][k] for s in m_logits})
            for k, m in enumerate(d.members)
        ]
        extra["ensemble"] = ensemble_report(d.cfg, described, taught.targets, d.data)
    # a stopped run should end in seconds: speed is measured for finished runs (or by `workbench evaluate`)
    return distill_report(
        d.accelerator, d.precision, d.cfg, d.data, d.teacher, student, taught.t_logits, folder, run_dir, notes, extra,
        measure_speed=result.state == "finished", emit=d.emit,
    )  # fmt: skip


def evaluate_run(run_dir: Path, extra: list[ExtraEvalSet] | None = None) -> dict[str, Any]:
    """Re-evaluate a run from its folder (config.yaml + model/), finished or stopped, speed included; also on
    its test sets from elsewhere, and on `extra` (sets added now: kept in the report beside the earlier ones)."""
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
    sets = load_extra_sets(cfg.data, data.label_names) + [
        load_extra_set(e, data.label_names, cfg.data) for e in extra or []
    ]
    if old.get("kind") == "teacher":
        teacher = tokenise(
            load_classifier("run", str(run_dir), data.label_names), data, tc.max_length, ("validation", "test")
        )
        report = teacher_report(
            accelerator, precision, teacher, data, tc, run_dir / "model", run_dir, old, True, fresh=False
        )
        return _with_extra_sets(
            run_dir, report, sets, {"teacher": teacher.loaded}, data, tc, accelerator, precision, True
        )
    teacher = tokenise(load_teacher(cfg.teacher, data.label_names), data, tc.max_length, ("validation", "test"))
    student = tokenise(
        load_classifier("run", str(run_dir), data.label_names), data, tc.max_length, ("validation", "test")
    )
    t_logits = {s: teacher_logits(accelerator, teacher, data, s, tc, precision)[0] for s in ("validation", "test")}
    kept = ("state", "teacher_check", "teacher_logits", "training", "teacher_overlap", "transfer", "ensemble")
    keep = {k: old[k] for k in kept if k in old}
    report = distill_report(
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
    models = {"teacher": teacher.loaded, "student": student.loaded}
    return _with_extra_sets(run_dir, report, sets, models, data, tc, accelerator, precision, keep_old=True)

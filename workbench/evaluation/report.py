"""Reports of finished runs: metrics on validation and test, speed, sizes, the teacher-student comparison.

Writes `report.json` (through `report_file.write_report`, its one writer) and `predictions.csv` into a
run folder. Facts only (numbers, names, states): the sentences people read are made from these on the UI side.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import torch

from workbench.config import RunConfig, TrainConfig
from workbench.core import Emit, describe_machine, progress, serving_precision
from workbench.data import SPLITS, TextData
from workbench.evaluation.calibration import calibration
from workbench.evaluation.latency import measure_latency
from workbench.evaluation.metrics import classification_metrics
from workbench.evaluation.report_file import run_tags, write_report
from workbench.models import LoadedModel, Prepared, describe, folder_size, param_breakdown, predict_sharded


def model_summary(
    loaded: LoadedModel,
    folder: Path | None,
    logits: dict[str, torch.Tensor],
    data: TextData,
    max_length: int,
    device: torch.device,
) -> dict[str, Any]:
    """A model's block of report.json: description, architecture, and per split the metrics plus
    `calibration` (ECE and reliability-diagram bins, see workbench/evaluation/calibration.py), parameters, size."""
    out: dict[str, Any] = {"description": loaded.description, "architecture": describe(loaded.model)}
    for split, lg in logits.items():
        labels = data.split(split).labels
        out[split] = classification_metrics(labels, lg.argmax(-1), data.num_labels)
        out[split]["calibration"] = calibration(lg, labels)  # lg: (n, C)
    out["params"] = param_breakdown(loaded.model)
    out["size_bytes"] = folder_size(folder) if folder else None
    return out


def latencies(
    named: dict[str, LoadedModel],
    data: TextData,
    max_length: int,
    device: torch.device,
    precision: str,
    emit: Emit | None = None,
) -> dict[str, Any]:
    """Measured ms per example at batch 1 and 32 for each model, on the same validation texts, all in
    `precision` (see `latency.measure_latency` for the result's fields); with `emit`, progress
    events of phase "speed" counting rounds."""
    for loaded in named.values():
        loaded.model.to(device)
    models = {name: (loaded.model, loaded.tokenizer) for name, loaded in named.items()}
    on_round = progress(emit, "speed", unit="rounds")
    return measure_latency(
        models, data.validation.texts[:64], max_length, device, precision=precision, on_round=on_round
    )


def _pair_latency(
    teacher: LoadedModel,
    student: LoadedModel,
    data: TextData,
    max_length: int,
    device: torch.device,
    precision: str,
    run_dir: Path,
    emit: Emit | None,
) -> dict[str, Any]:
    """Teacher and student timed side by side; in a sweep worker, once per student architecture (see
    `reuse.latency`), later trials noting `measured_in`: the run whose timing they carry."""
    from workbench.models import reuse

    arch = json.dumps([describe(student.model), param_breakdown(student.model)["total"]], sort_keys=True, default=str)
    key = (id(teacher), arch, id(data), max_length, str(device), precision)

    def measure() -> dict[str, Any]:
        named = {"teacher": teacher, "student": student}
        return {**latencies(named, data, max_length, device, precision, emit), "measured_in": run_dir.name}

    measured, _ = reuse.latency(key, measure)
    return measured


def latency_fields(measured: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """A model summary's speed: `latency_ms` (median ms per example, what consumers read; a
    speed-up is a ratio of these), `latency_spread_ms` (min / p25 / p75 / max over rounds) and
    `latency_busy` (other processes took a noticeable share of the CPU meanwhile: the figures are
    unsure). Empty when speed was not measured."""
    if not measured:
        return {"latency_ms": {}, "latency_spread_ms": {}, "latency_busy": None}
    per = measured["models"][name]
    return {
        "latency_ms": {k: v["median"] for k, v in per.items()},
        "latency_spread_ms": {k: {q: v[q] for q in ("min", "p25", "p75", "max")} for k, v in per.items()},
        "latency_busy": measured["busy"],
    }


def latency_conditions(measured: dict[str, Any] | None) -> dict[str, Any]:
    """The report's top-level `latency_precision` and `latency_conditions` (how the timing went)."""
    if not measured:
        return {"latency_precision": None, "latency_conditions": None}
    keys = ("rounds", "others_cpu_share", "load_average", "cores", "busy", "measured_in")
    conditions = {k: measured[k] for k in keys if k in measured}
    return {"latency_precision": measured["precision"], "latency_conditions": conditions}


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


def data_info(data: TextData, notes: list[str]) -> dict[str, Any]:
    """The report's `data` block."""
    sizes = {s: len(data.split(s)) for s in SPLITS}
    return {"description": data.description, "label_names": data.label_names, "sizes": sizes, "notes": notes}


def training_info(result: Any) -> dict[str, Any]:
    """The report's `training` block, from a `training.LoopResult`: steps made of those planned, the best
    validation result and the step whose weights were saved (`kept_step`: the best one's under
    `keep_best`, else the last), and whether early stopping ended the run (at which step, after how
    many passes without a better result)."""
    evaluated = result.best_accuracy >= 0
    return {
        "steps": result.steps,
        "total_steps": result.total_steps,
        "best_step": result.best_step,
        "best": (
            {"step": result.best_step, "epoch": result.best_epoch, "metric": "accuracy", "value": result.best_accuracy}
            if evaluated
            else None
        ),
        "kept_step": result.kept_step,
        "evaluations": result.evaluations,
        "stopped_early": result.stopped_early_at is not None,
        "stopped_early_at": result.stopped_early_at,
        "patience": result.patience,
        "seconds": result.train_seconds,
        # of those, validation passes and checkpoints: the rest is the optimizer steps' time
        "eval_seconds": result.eval_seconds,
        "checkpoint_seconds": result.checkpoint_seconds,
        "examples_per_s": result.examples_seen / max(result.train_seconds, 1e-9),
    }


def _evaluation_logits(
    accelerator: Any, prepared: Prepared, tc: TrainConfig, precision: str, emit: Emit | None, role: str
) -> dict[str, torch.Tensor]:
    """The model's logits on validation and test (each (n, C) on CPU), with progress events as it goes."""
    return {
        s: predict_sharded(
            accelerator, prepared.loaded.model, prepared.encoded[s], tc.eval_batch_size, precision, emit,
            split=s, role=role,
        )
        for s in ("validation", "test")
    }  # fmt: skip


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
    emit: Emit | None = None,
    fresh: bool = True,
) -> dict[str, Any]:
    """Evaluate a fine-tuned teacher on validation and test; write report.json and predictions.csv.

    `fresh`: the model was just trained, so the report starts anew from `base`; False when measuring the
    same model again, which keeps what other steps recorded (see `report_file.write_report`)."""
    logits = _evaluation_logits(accelerator, teacher, tc, precision, emit, "teacher")
    if not accelerator.is_main_process:
        return {}
    summary = model_summary(teacher.loaded, folder, logits, data, tc.max_length, accelerator.device)
    lat = None
    if measure_speed:
        named = {"teacher": teacher.loaded}
        lat = latencies(
            named, data, tc.max_length, accelerator.device, serving_precision(tc.latency_precision, precision), emit
        )
    summary.update(latency_fields(lat, "teacher"))
    report = {**base, **latency_conditions(lat), "teacher": summary}
    write_predictions(run_dir / "predictions.csv", data, logits, None)
    return write_report(run_dir, report, fresh=fresh)


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
    measure_speed: bool = True,
    emit: Emit | None = None,
    fresh: bool = True,
) -> dict[str, Any]:
    """Evaluate both models on validation and test (and time them with `measure_speed`); write
    report.json and predictions.csv. With `emit`, progress events while it works; `fresh` as in
    `teacher_report`."""
    tc = cfg.training
    s_logits = _evaluation_logits(accelerator, student, tc, precision, emit, "student")
    if not accelerator.is_main_process:
        return {}
    eval_logits = {s: t_logits[s] for s in ("validation", "test")}
    t_sum = model_summary(teacher.loaded, None, eval_logits, data, tc.max_length, accelerator.device)
    t_sum["size_bytes"] = teacher_size(teacher.loaded)
    s_sum = model_summary(student.loaded, folder, s_logits, data, tc.max_length, accelerator.device)
    lat = None
    if measure_speed:
        lat = _pair_latency(teacher.loaded, student.loaded, data, tc.max_length, accelerator.device,
                            serving_precision(tc.latency_precision, precision), run_dir, emit)  # fmt: skip
    t_sum.update(latency_fields(lat, "teacher"))
    s_sum.update(latency_fields(lat, "student"))
    report = {
        "kind": "distill",
        "state": "finished",
        "machine": describe_machine(),
        "precision": precision,
        **latency_conditions(lat),
        "processes": accelerator.num_processes,
        "temperature": cfg.distill.temperature,
        "alpha": cfg.distill.alpha,
        "data": data_info(data, notes),
        **run_tags(cfg),
        **extra,
        "teacher": t_sum,
        "student": s_sum,
        "comparison": compare(t_sum, s_sum, eval_logits, s_logits),
    }
    write_predictions(run_dir / "predictions.csv", data, eval_logits, s_logits)
    return write_report(run_dir, report, fresh=fresh)


def teacher_size(teacher: LoadedModel) -> int | None:
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

"""Packaging a distilled student for download: the model folder, its tokenizer and a model card.

What leaves the workbench must explain itself: the zip's README.md says what the model is, how it
was made (teacher, T, alpha, data, epochs) and how well it did next to its teacher, so a person who
finds the file later does not need the run folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import yaml

from ui.summary import headline, human_bytes, pct, teacher_warning
from workbench.core import WorkbenchError
from workbench.evaluation import CARD_FILE, usage_lines
from workbench.runs import find_baseline, read_report

BUNDLED_NAME = "bundled all-MiniLM-L6-v2"


def model_name(source: str | None, name: str | None) -> str:
    """How a shared file names a model: a hub id, a run id, a folder's own name; never a path of this machine.

    A card that says "Teacher: /tmp/x/runs/2026.../model" tells its reader nothing and tells everyone
    where the author keeps their files.
    """
    name = str(name or "")
    if source == "bundled" or (not source and not name):
        return BUNDLED_NAME
    if source == "hub":
        return name
    if source == "run":
        return f"run {_last_part(name)}"
    return f"local folder {_last_part(name)}" if source == "local" else public_text(name)


def _last_part(path: str) -> str:
    """The folder's own name (a run's, for its model/ subfolder), for / and \\ separators alike."""
    parts = [p for p in re.split(r"[/\\]+", path) if p]
    if len(parts) > 1 and parts[-1] == "model":
        parts.pop()
    return parts[-1] if parts else path


def public_text(text: str | None) -> str:
    """A description as it may leave the machine: an absolute path is cut to its last part."""
    text = str(text or "?")
    if text.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:[/\\]", text):
        return _last_part(text)
    return text


def read_config(run_dir: Path) -> dict:
    """The run's config.yaml as a dict ({} when missing or unreadable: a card is still worth writing)."""
    try:
        return yaml.safe_load((Path(run_dir) / "config.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}


def teacher_name(cfg: dict) -> str:
    t = cfg.get("teacher") or {}
    return model_name(t.get("source", "bundled"), t.get("name", ""))


def student_name(cfg: dict, report_part: dict) -> str:
    """A pretrained student by its hub id / run / folder; a cut or scratch one by its description."""
    st_cfg = cfg.get("student") or {}
    if st_cfg.get("kind") == "pretrained":
        return model_name(st_cfg.get("source"), st_cfg.get("name"))
    return public_text(report_part.get("description"))


def model_card(run_dir: Path) -> str:
    """A short README.md for the run's model: settings and results in plain words."""
    run_dir = Path(run_dir)
    report = read_report(run_dir) or {}
    cfg = read_config(run_dir)
    base_dir = find_baseline(run_dir) if report.get("kind") == "distill" else None
    base_rep = read_report(base_dir) if base_dir else None
    kind = report.get("kind", "distill")
    who = "student" if kind == "distill" else "teacher"
    me = report.get(who, {})
    teacher = report.get("teacher", {})
    data = report.get("data", {})
    lines = [
        f"# {run_dir.name}",
        "",
        f"A text classifier made with Distillation Workbench ({'distilled student' if kind == 'distill' else 'fine-tuned teacher'}).",
        "",
        f"**Result:** {headline(report, baseline_report=base_rep)}",
        "",
        "## How it was made",
        "",
        f"- Labels: {', '.join(data.get('label_names', []))}",
        f"- Data: {data.get('description', '?')}; "
        + " / ".join(f"{n} {split}" for split, n in (data.get("sizes") or {}).items())
        + " examples",
    ]
    warning = teacher_warning(report)
    if warning:
        lines[4:4] = [f"**Caution:** {warning}", ""]
    if kind == "distill":
        lines += [
            f"- Teacher: {teacher_name(cfg)}",
            f"- Student: {student_name(cfg, me)}",
            f"- Temperature T = {report.get('temperature')}, alpha = {report.get('alpha')} "
            "(total = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, label))",
        ]
    tc = cfg.get("training" if kind == "distill" else "teacher_training", {})
    lines += [
        f"- Training: {tc.get('epochs')} epoch(s), learning rate {tc.get('learning_rate')}, batch size "
        f"{tc.get('batch_size')}, max length {tc.get('max_length')} tokens",
        "",
        "## Results",
        "",
        "| | accuracy (test) | macro-F1 (test) | parameters | size | ms per sentence |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in (("teacher", teacher), ("student", me)) if kind == "distill" else (("teacher", me),):
        test = m.get("test", {})
        lines.append(
            f"| {name} | {pct(test.get('accuracy'))} | {pct(test.get('macro_f1'))} | "
            f"{m.get('params', {}).get('total', '?'):,} | {human_bytes(m.get('size_bytes'))} | "
            f"{m.get('latency_ms', {}).get('batch_1', float('nan')):.1f} |"
        )
    lines += ["", *usage_lines(run_dir), ""]  # speed, and how to load each format (the engine's card)
    return "\n".join(lines)


def model_zip(run_dir: Path) -> bytes:
    """The run's model/ folder (weights, config, tokenizer) plus README.md, as zip bytes."""
    run_dir = Path(run_dir)
    folder = run_dir / "model"
    if not folder.is_dir():
        raise WorkbenchError(f"{run_dir.name} has no saved model to download")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.md", model_card(run_dir), compress_type=zipfile.ZIP_DEFLATED)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != CARD_FILE:  # the README.md above says all it says and more
                # weights barely compress: store them, deflate the small text files
                how = zipfile.ZIP_STORED if path.suffix == ".safetensors" else zipfile.ZIP_DEFLATED
                zf.write(path, f"model/{path.relative_to(folder).as_posix()}", compress_type=how)
    return buf.getvalue()

"""Packaging a distilled student for download: the model folder, its tokenizer and a model card.

What leaves the workbench must explain itself: the zip's README.md says what the model is, how it
was made (teacher, T, alpha, data, epochs) and how well it did next to its teacher, so a person who
finds the file later does not need the run folder.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import yaml

from ui.summary import headline, human_bytes, pct, teacher_warning
from workbench.errors import WorkbenchError
from workbench.runs import read_report


def model_card(run_dir: Path) -> str:
    """A short README.md for the run's model: settings and results in plain words."""
    run_dir = Path(run_dir)
    report = read_report(run_dir) or {}
    try:
        cfg = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {}
    except OSError:
        cfg = {}
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
        f"**Result:** {headline(report)}",
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
        t_cfg = cfg.get("teacher", {})
        lines += [
            f"- Teacher: {teacher.get('description', t_cfg.get('source', '?'))}",
            f"- Student: {me.get('description', '?')}",
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
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer",
        'model = AutoModelForSequenceClassification.from_pretrained("model")',
        'tokenizer = AutoTokenizer.from_pretrained("model")',
        "```",
        "",
    ]
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
            if path.is_file():
                # weights barely compress: store them, deflate the small text files
                how = zipfile.ZIP_STORED if path.suffix == ".safetensors" else zipfile.ZIP_DEFLATED
                zf.write(path, f"model/{path.relative_to(folder).as_posix()}", compress_type=how)
    return buf.getvalue()

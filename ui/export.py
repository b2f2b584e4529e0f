"""Packaging a distilled student for download: the model folder, its tokenizer and a model card.

What leaves the workbench must explain itself: the zip's README.md says what the model is, how it
was made (teacher, T, alpha, data, epochs) and how well it did next to its teacher, so a person who
finds the file later does not need the run folder. The card is the engine's (`card_text`, the same
text `workbench export` writes); this module adds the verdict sentences the UI words.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ui.summary import headline, teacher_warning
from workbench.core import WorkbenchError
from workbench.evaluation import (  # noqa: F401  names re-exported for the pages and the HTML report
    CARD_FILE,
    card_text,
    model_name,
    public_text,
    read_config,
    student_name,
    teacher_name,
)
from workbench.runs import find_baseline, read_report


def model_card(run_dir: Path) -> str:
    """The engine's model card (`workbench export` writes the same text) with the UI's verdict in front."""
    run_dir = Path(run_dir)
    report = read_report(run_dir) or {}
    base_dir = find_baseline(run_dir) if report.get("kind") == "distill" else None
    base_rep = read_report(base_dir) if base_dir else None
    lead = [f"**Result:** {headline(report, baseline_report=base_rep)}"]
    warning = teacher_warning(report)
    if warning:
        lead[:0] = [f"**Caution:** {warning}", ""]
    return card_text(run_dir, lead)


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

"""Packaging a distilled student for download: the PyTorch files, its tokenizer and a model card.

What leaves the workbench must explain itself: the zip's README.md says what the model is, how it
was made (teacher, T, alpha, data, epochs) and how well it did next to its teacher, so a person who
finds the file later does not need the run folder.

The PyTorch zip leaves out the ONNX files (model.onnx, model.int8.onnx): a person who wants the small
student for PyTorch should not download its ONNX copies too (issue 18: a 133 MB zip for the "small"
student). Those are offered as files of their own (ui/deploy.py), each button with its size. The card is the engine's (`card_text`, the same
text `workbench export` writes); this module adds the verdict sentences the UI words.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ui.speed import pair_timing
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

ONNX_SUFFIX = ".onnx"
ONNX_NOTE = (
    "**Files:** this zip holds the PyTorch model (weights, config, tokenizer). The ONNX files the card may "
    "mention (model.onnx, model.int8.onnx) are separate downloads on the Compare page."
)


def download_size(n: int) -> str:
    """A file's size on its download button: "12.9 MB", "48 kB" (decimal units, as browsers show downloads)."""
    if n < 1e3:
        return f"{n} bytes"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def report_size_estimate(run_dir: Path) -> int:
    """About the shareable HTML report's size in bytes, without building it (a second or more): plotly.js
    goes inline once and is nearly all of it (4.8 of 4.9 MB for a small run); the report's numbers, a few
    dozen examples and the settings add about as much as report.json and some 50 kB."""
    import plotly

    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    report = Path(run_dir) / "report.json"
    return sum(p.stat().st_size for p in (js, report) if p.is_file()) + 50_000


def model_card(run_dir: Path, pytorch_only: bool = False) -> str:
    """The engine's model card (`workbench export` writes the same text) with the UI's verdict in front;
    `pytorch_only`: for the PyTorch zip, which says where the ONNX files the card describes are."""
    run_dir = Path(run_dir)
    report = pair_timing(run_dir, read_report(run_dir)) or {}  # a baseline: its pair's one timing
    base_dir = find_baseline(run_dir) if report.get("kind") == "distill" else None
    base_rep = read_report(base_dir) if base_dir else None
    lead = [f"**Result:** {headline(report, baseline_report=base_rep)}"]
    warning = teacher_warning(report)
    if warning:
        lead[:0] = [f"**Caution:** {warning}", ""]
    if pytorch_only and any(ONNX_SUFFIX in p.suffixes for p in (run_dir / "model").glob("*")):
        lead += ["", ONNX_NOTE]
    return card_text(run_dir, lead)


def pytorch_files(run_dir: Path) -> list[Path]:
    """The model folder's files for PyTorch: everything but the ONNX exports (and their external data) and
    the engine's card (the zip's README.md says all it says and more)."""
    folder = Path(run_dir) / "model"
    if not folder.is_dir():
        raise WorkbenchError(f"{Path(run_dir).name} has no saved model to download")
    return [
        p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != CARD_FILE and ONNX_SUFFIX not in p.suffixes
    ]


def pytorch_zip_size(run_dir: Path) -> int:
    """About the PyTorch zip's size in bytes without building it: its files' sizes added up (weights are
    stored, text files only shrink, the card is a few kB)."""
    return sum(p.stat().st_size for p in pytorch_files(run_dir))


def pytorch_zip_label(run_dir: Path) -> str:
    """ "Download the student for PyTorch (.zip, about 12.3 MB)"."""
    return f"Download the student for PyTorch (.zip, about {download_size(pytorch_zip_size(run_dir))})"


def model_zip(run_dir: Path) -> bytes:
    """The run's model/ folder for PyTorch (weights, config, tokenizer; no ONNX files) plus README.md, as zip bytes."""
    run_dir = Path(run_dir)
    files = pytorch_files(run_dir)
    folder = run_dir / "model"
    card = model_card(run_dir, pytorch_only=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.md", card, compress_type=zipfile.ZIP_DEFLATED)
        for path in files:
            # weights barely compress: store them, deflate the small text files
            how = zipfile.ZIP_STORED if path.suffix == ".safetensors" else zipfile.ZIP_DEFLATED
            zf.write(path, f"model/{path.relative_to(folder).as_posix()}", compress_type=how)
    return buf.getvalue()

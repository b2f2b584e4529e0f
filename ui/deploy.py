"""Compare's deployable formats: export to ONNX, an int8 copy, their measured speed and their files.

Both jobs run in the background (`jobs.export_onnx`, `jobs.export_int8`: the same `python -m workbench
export RUN [--int8]` a user would type); this part polls while one runs and then shows what the engine
measured: speed timed side by side, the int8 copy's accuracy on the run's own validation and test texts,
and each file's size on its download button.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from ui.export import download_size
from workbench.core import WorkbenchError
from workbench.evaluation import INT8_FILE, ONNX_FILE
from workbench.runs import jobs, read_status


@st.fragment(run_every=2)
def _exporting(run_dir: Path) -> None:
    """Polls while `workbench export` writes and times the files; reloads the page when it is done."""
    if jobs.exporting(run_dir):
        st.info(
            "Exporting: checking the exported model's answers against PyTorch and timing it (and the int8 copy's "
            "accuracy, when asked for). This updates when done."
        )
    else:
        st.rerun()


def _start(run_dir: Path, int8: bool) -> None:
    try:
        (jobs.export_int8 if int8 else jobs.export_onnx)(run_dir)
        st.rerun()
    except WorkbenchError as exc:
        st.error(str(exc))


def _ms(value: float) -> str:
    """Milliseconds as a reader compares them: two significant digits below 1 ms (0.24 and 0.17, not
    0.2 and 0.2), one decimal above."""
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


def _onnx_done(run_dir: Path, run_id: str, onnx: dict[str, Any]) -> None:
    path = run_dir / "model" / ONNX_FILE
    lat, torch_ms = onnx["latency_ms"], onnx.get("pytorch_latency_ms") or {}
    versus = f" against {_ms(torch_ms['batch_1'])} ms in PyTorch, timed side by side" if "batch_1" in torch_ms else ""
    st.caption(
        f"With ONNX Runtime (no PyTorch needed): {_ms(lat['batch_1'])} ms per sentence{versus}, fp32; its "
        f"scores match PyTorch's to within {onnx.get('max_abs_diff', 0):.0e}. Its README says how to load each format."
    )
    st.download_button(
        f"Download model.onnx ({download_size(path.stat().st_size)})", data=lambda: path.read_bytes(),
        file_name=f"{run_id}-student.onnx", mime="application/octet-stream", icon=":material/deployed_code:",
        key="cmp_onnx",
    )  # fmt: skip


def int8_sentence(int8: dict[str, Any]) -> str:
    """What the int8 copy gains and costs, from the engine's measurement."""
    lat, fp32 = int8["latency_ms"], int8.get("onnx_latency_ms") or {}
    one_thread = ((int8.get("threads") or {}).get("int8") or {}).get("batch_1") == 1
    speed = f"{_ms(lat['batch_1'])} ms per sentence" + (
        " on one CPU thread (faster here than on all)" if one_thread else ""
    )
    if fp32.get("batch_1"):
        speed += f" against {_ms(fp32['batch_1'])} ms for the fp32 file ({fp32['batch_1'] / lat['batch_1']:.1f}x)"
    test = (int8.get("accuracy") or {}).get("test") or {}
    accuracy = ""
    if test.get("int8") is not None and test.get("fp32") is not None:
        lost = 100 * (test["fp32"] - test["int8"])
        change = f"{abs(lost):.1f} points {'lower' if lost > 0 else 'higher'}" if abs(lost) >= 0.05 else "the same"
        accuracy = f" Test accuracy {100 * test['int8']:.1f}%: {change} than the fp32 file."
    share = int8["size_bytes"] / int8["fp32_size_bytes"] if int8.get("fp32_size_bytes") else None
    size = f" The file is {share:.0%} the size." if share else ""
    busy = " The machine was busy while timing: measure again for a firmer figure." if int8.get("busy") else ""
    return f"int8 copy (8-bit weights): {speed}.{accuracy}{size}{busy}"


def _int8_part(run_dir: Path, run_id: str, int8: dict[str, Any]) -> None:
    path = run_dir / "model" / INT8_FILE
    if path.is_file() and int8.get("latency_ms"):
        st.caption(int8_sentence(int8))
        st.download_button(
            f"Download model.int8.onnx ({download_size(path.stat().st_size)})", data=lambda: path.read_bytes(),
            file_name=f"{run_id}-student.int8.onnx", mime="application/octet-stream", icon=":material/compress:",
            key="cmp_int8",
        )  # fmt: skip
    elif st.button(
        "Make an int8 copy", key="cmp_int8_make",
        help="8-bit weights: smaller and usually faster on CPU; its accuracy is checked on this run's texts",
    ):  # fmt: skip
        _start(run_dir, int8=True)


def export_box(run_dir: Path, run_id: str, student: dict[str, Any]) -> None:
    """ONNX and int8: once made, their timing and files; before, buttons that make them in the background."""
    if jobs.exporting(run_dir):
        _exporting(run_dir)
        return
    onnx = student.get("onnx") or {}
    if (run_dir / "model" / ONNX_FILE).is_file() and onnx.get("latency_ms"):
        _onnx_done(run_dir, run_id, onnx)
        _int8_part(run_dir, run_id, student.get("int8") or {})
        return
    if read_status(run_dir).get("export_started"):
        st.warning("The last export did not finish; its output is in log.txt in the run's folder.")
    left, right = st.columns(2)
    if left.button(
        "Export to ONNX", key="cmp_export",
        help="A file ONNX Runtime runs without PyTorch, checked against PyTorch's answers and timed on this machine",
    ):  # fmt: skip
        _start(run_dir, int8=False)
    if right.button(
        "Export to ONNX + int8 copy", key="cmp_export_int8",
        help="Also an 8-bit copy: smaller and usually faster on CPU; its accuracy is checked on this run's texts",
    ):  # fmt: skip
        _start(run_dir, int8=True)

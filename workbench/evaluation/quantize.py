"""int8 students: dynamic quantisation of an exported ONNX model, checked on the run's own data, timed side by side.

ONNX Runtime's `quantize_dynamic` stores the weights of MatMul/Gemm, LSTM and Gather nodes as int8 and
quantises activations at run time, per batch: no calibration set, and on CPU it suits both the
transformer and the BiLSTM students. Published figures (BERT-base, DistilBERT on SST-2) lose a
fraction of a point, but a quantised model is never assumed good: `quantize_run` measures its
accuracy on the run's validation and test texts (from predictions.csv, with the run's labels) beside
the fp32 ONNX model's, and times int8 ONNX, fp32 ONNX and fp32 PyTorch interleaved round by round
(`latency.measure_fastest`, tokenisation included, each at its faster thread count per batch size:
all cores or one, both timed). The result goes into report.json as
`student.int8` (or `teacher.int8`).

The int8 file needs only onnxruntime and `tokenizer.json`, like the fp32 one.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from pathlib import Path
from typing import Any

import torch

from workbench.core import WorkbenchError
from workbench.evaluation.export import ONNX_FILE, OnnxClassifier, _encode, export_and_verify, input_names
from workbench.evaluation.latency import measure_fastest
from workbench.evaluation.model_card import write_model_card
from workbench.models import load_classifier

INT8_FILE = "model.int8.onnx"


def quantize_onnx(folder: Path) -> Path:
    """Write `model.int8.onnx` beside `model.onnx` (int8 weights, dynamic activations); returns its path.

    The graph is pre-processed first (`_preprocessed`): quantize_dynamic only quantises a node whose
    weights are initializers, so weights computed at run time (a dynamo export's gate re-ordering
    before each LSTM) would leave that node in fp32 and the int8 model no faster."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source, target = folder / ONNX_FILE, folder / INT8_FILE
    target.unlink(missing_ok=True)
    root = logging.getLogger()  # onnxruntime's advice to pre-process goes to the root logger
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            quantize_dynamic(str(_preprocessed(source, Path(scratch))), str(target), weight_type=QuantType.QInt8)
    except Exception as exc:  # onnxruntime's errors name graph nodes; one line is enough for the user
        target.unlink(missing_ok=True)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise WorkbenchError(f"int8 quantisation failed: {first}", code="export.int8_failed", reason=first) from None
    finally:
        root.setLevel(level)
    return target


def _preprocessed(source: Path, scratch: Path) -> Path:
    """ONNX Runtime's recommended pre-processing (its graph optimiser, which folds constant sub-graphs
    into initializers, and ONNX shape inference) written into `scratch`; the source itself where it
    fails, so quantisation still runs, as before. Symbolic shape inference is skipped: it gave up on the
    dynamo-exported transformers and then wrote `sym_shape_infer_temp.onnx` into the working directory."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    target = scratch / "preprocessed.onnx"
    try:
        quant_pre_process(str(source), str(target), skip_symbolic_shape=True)
    except Exception:  # noqa: BLE001 - pre-processing is an optimisation, never a reason to fail
        return source
    return target if target.is_file() else source


def quantized_ops(path: Path) -> dict[str, int]:
    """How many nodes of each int8 kind the graph holds (DynamicQuantizeLSTM, MatMulInteger, ...): the
    fact that says whether the LSTMs and MatMuls really became int8."""
    import onnx

    kinds = ("DynamicQuantizeLSTM", "MatMulInteger", "DynamicQuantizeMatMul", "DynamicQuantizeLinear", "QAttention")
    ops = [n.op_type for n in onnx.load(str(path), load_external_data=False).graph.node]
    return {k: ops.count(k) for k in kinds if k in ops}


def labelled_texts(run_dir: Path, split: str) -> tuple[list[str], list[str]]:
    """(texts, label names) of one split, as the run evaluated them (predictions.csv)."""
    path = run_dir / "predictions.csv"
    if not path.is_file():
        return [], []
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("split") == split]
    return [r["text"] for r in rows], [r["label"] for r in rows]


@torch.no_grad()
def onnx_predictions(path: Path, tokenizer: Any, names: list[str], texts: list[str], batch_size: int = 64) -> list[int]:
    """Predicted class ids of an ONNX classifier on `texts`, in length-sorted batches (little padding)."""
    session = OnnxClassifier(path)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    predicted = [0] * len(texts)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        enc = _encode(tokenizer, [texts[i] for i in idx], names)
        logits = session(**{"token_type_ids": None, **enc}).logits  # (bs, C)
        for i, p in zip(idx, logits.argmax(-1).tolist(), strict=True):
            predicted[i] = p
    return predicted


def _accuracy(predicted: list[int], labels: list[str], id2label: dict[int, str]) -> float | None:
    if not labels:
        return None
    return sum(id2label[p] == y for p, y in zip(predicted, labels, strict=True)) / len(labels)


def quantize_run(run_dir: str | Path) -> dict[str, Any]:
    """Quantise a run's model to int8 (exporting it to ONNX first if needed), check and time it, and
    record `int8` in report.json.

    -> {"accuracy": {split: {"int8", "fp32"}}, "agreement": {split}, "latency_ms": {"batch_1", "batch_32"},
        "onnx_latency_ms", "pytorch_latency_ms", "threads", "size_bytes", "fp32_size_bytes", "int8_ops", "busy"}
    """
    from workbench.evaluation.export import _sample_texts, model_folder, record_in_report

    run_dir = Path(run_dir)
    folder = model_folder(run_dir)
    run_dir = folder.parent if folder.name == "model" else run_dir
    if not (folder / ONNX_FILE).is_file():
        export_and_verify(folder, _sample_texts(run_dir)[:16])
    int8_path = quantize_onnx(folder)
    loaded = load_classifier("run", str(folder))
    model = loaded.model.float().eval().to("cpu")
    names = input_names(model, loaded.tokenizer)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    accuracy, agreement = {}, {}
    for split in ("validation", "test"):
        texts, labels = labelled_texts(run_dir, split)
        if not texts:
            continue
        q = onnx_predictions(int8_path, loaded.tokenizer, names, texts)
        f = onnx_predictions(folder / ONNX_FILE, loaded.tokenizer, names, texts)
        accuracy[split] = {"int8": _accuracy(q, labels, id2label), "fp32": _accuracy(f, labels, id2label)}
        agreement[split] = sum(a == b for a, b in zip(q, f, strict=True)) / len(texts)
    makers = {
        "int8": (lambda n: OnnxClassifier(int8_path, n, loaded.tokenizer), loaded.tokenizer),
        "onnx": (lambda n: OnnxClassifier(folder / ONNX_FILE, n, loaded.tokenizer), loaded.tokenizer),
        "pytorch": (lambda n: model, loaded.tokenizer),
    }
    measured = measure_fastest(makers, _sample_texts(run_dir), 128, (1, 32), rounds=5)
    medians = measured["latency_ms"]
    int8 = {
        "accuracy": accuracy,
        "agreement": agreement,
        "latency_ms": medians["int8"],
        "onnx_latency_ms": medians["onnx"],
        "pytorch_latency_ms": medians["pytorch"],
        "threads": measured["threads"],  # each model's faster thread count per batch size, timed
        "size_bytes": int8_path.stat().st_size,
        "fp32_size_bytes": (folder / ONNX_FILE).stat().st_size,
        "int8_ops": quantized_ops(int8_path),
        "busy": measured["busy"],
    }
    record_in_report(run_dir, "int8", int8)
    write_model_card(run_dir)
    return int8

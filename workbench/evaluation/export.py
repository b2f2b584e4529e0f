"""Deployable export of a run's model: ONNX, checked against PyTorch and timed, plus a model card.

`python -m workbench export RUN_DIR` writes `model/model.onnx` (dynamic batch and sequence axes; the
inputs the model takes; one output, `logits`) with `torch.onnx.export` (the dynamo exporter, torch's
default since 2.9, for transformers; the TorchScript one for the BiLSTM, see `_write_onnx`), runs it
with onnxruntime on a few texts and refuses it (one-line error) when its logits differ from PyTorch's
by more than 1e-4. A BERT-family model's graph computes its last layer for the first token only
(`workbench.models.first_token`: the same logits, checked against the plain model; 1.3-1.4x faster for
a 3-layer MiniLM student at batch 1 and 32). It then times the ONNX model beside the PyTorch one,
interleaved round by round through `latency.measure_fastest` (tokenisation included, median of >= 5
rounds, each at all cores and at one, keeping the faster per batch size), writes `model/README.md`
saying what the model is and how to load each format, and records the result in report.json under
`student.onnx` (or `teacher.onnx` for a teacher run).

The ONNX file plus `tokenizer.json` need neither this repository nor `transformers`: onnxruntime and
the `tokenizers` library run the model anywhere. The PyTorch folder of a BiLSTM student needs
`import workbench.bilstm` (this repository installed) to register its class with `transformers`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from workbench.core import WorkbenchError, read_json
from workbench.data import MODEL_INPUTS, tokenize
from workbench.evaluation.latency import measure_fastest
from workbench.evaluation.model_card import write_model_card
from workbench.evaluation.report_file import write_report
from workbench.models import (
    BiLSTMForSequenceClassification,
    accepted_inputs,
    first_token_only,
    load_classifier,
    resolve_location,
)

ONNX_FILE = "model.onnx"
TOLERANCE = 1e-4
SAMPLE_TEXTS = [
    "a wonderful, moving film",
    "I hated every minute of it, and the ending made it worse",
    "not bad",
    "an unremarkable, overlong drama that never finds its footing despite two fine lead performances",
]


class _LogitsOnly(nn.Module):
    """The classifier with its logits as the one output (the exporter wants tensors, not a ModelOutput)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits  # (bs, C)


@dataclass
class _Output:
    """What `OnnxClassifier` returns: an object with `.logits`, like a transformers model's output (one
    class, not a new one made on every call inside the timed path)."""

    logits: torch.Tensor  # (bs, C)


class OnnxClassifier(nn.Module):
    """An onnxruntime session dressed as a classifier, so `measure_latency` can time it beside the
    PyTorch model: takes the same tensors, returns an object with `.logits`.

    Given the run's (fast) `tokenizer`, it also classifies raw texts the way the model card's ONNX code
    does (`predict_texts`: the `tokenizers` library, numpy arrays, no transformers, no torch), and
    `measure_latency` times it that way: an ONNX deployment pays that tokenisation, not transformers'
    Python wrapper and its torch tensors (on a quiet 2-core VM 0.04 against 0.07 ms a text, a sixth of
    the BiLSTM's whole batch-1 time)."""

    def __init__(self, path: Path, threads: int | None = None, tokenizer: Any = None) -> None:
        super().__init__()
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self._encoders: dict[int, Any] = {}  # max_length -> `tokenizers.Tokenizer` set up as the card's code does
        self._tokenizer = tokenizer if hasattr(tokenizer, "backend_tokenizer") else None

    @property
    def takes_texts(self) -> bool:
        """Can `predict_texts` run (a fast tokenizer was given)?"""
        return self._tokenizer is not None

    def _encoder(self, max_length: int) -> Any:
        """A copy of the fast tokenizer's Rust tokenizer, truncating and padding as `onnx_snippet` sets it up."""
        if max_length not in self._encoders:
            from tokenizers import Tokenizer

            rust = Tokenizer.from_str(self._tokenizer.backend_tokenizer.to_str())  # a copy: the original stays as it is
            rust.enable_truncation(max_length=max_length)
            rust.enable_padding(
                pad_id=self._tokenizer.pad_token_id or 0, pad_token=self._tokenizer.pad_token or "[PAD]"
            )
            self._encoders[max_length] = rust
        return self._encoders[max_length]

    def predict_texts(self, texts: list[str], max_length: int) -> Any:
        """logits (n, C) as a numpy array for raw `texts`, tokenised as the model card's ONNX code does."""
        import numpy as np

        enc = self._encoder(max_length).encode_batch(texts)
        rows = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
        feeds = {n: np.array([getattr(e, rows[n]) for e in enc], dtype=np.int64) for n in self.input_names}
        return self.session.run(["logits"], feeds)[0]  # (n, C)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> Any:
        given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        feeds = {n: given[n].cpu().numpy() for n in self.input_names}
        logits = torch.from_numpy(self.session.run(["logits"], feeds)[0])  # (bs, C)
        return _Output(logits)


def model_folder(path: str | Path) -> Path:
    """The saved model folder of a run folder (or the model folder itself)."""
    location, _ = resolve_location("run", str(path))
    return Path(location)


def input_names(model: nn.Module, tokenizer: Any) -> list[str]:
    """The inputs the ONNX graph takes: what the tokenizer produces and the model's forward accepts."""
    produced = set(tokenizer.model_input_names)
    names = [n for n in MODEL_INPUTS if n in produced and n in accepted_inputs(model)]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise WorkbenchError(
            f"ONNX export needs a model that takes input_ids and attention_mask; this one takes {names}"
        )
    return names


def _encode(tokenizer: Any, texts: list[str], names: list[str], max_length: int = 128) -> dict[str, torch.Tensor]:
    enc = tokenize(tokenizer, texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    return {n: enc[n] for n in names}  # each (bs, L)


def export_onnx(model_dir: str | Path, texts: list[str] | None = None) -> Path:
    """Write `model.onnx` into the model folder and check it against PyTorch; returns its path."""
    path, _ = export_and_verify(model_dir, texts)
    return path


def export_and_verify(model_dir: str | Path, texts: list[str] | None = None) -> tuple[Path, float]:
    """(path of model.onnx, max |logits_onnx - logits_torch| on `texts`); WorkbenchError above 1e-4."""
    folder = model_folder(model_dir)
    loaded = load_classifier("run", str(folder))
    model = loaded.model.float().eval()
    names = input_names(model, loaded.tokenizer)
    example = _encode(loaded.tokenizer, SAMPLE_TEXTS[:2], names)  # batch 2 of unequal lengths: nothing specialised
    path = folder / ONNX_FILE
    path.unlink(missing_ok=True)
    quiet = io.StringIO()
    try:
        # the graph gets the last layer for the first token only where that is exact (first_token.py):
        # the same logits, checked below against the plain PyTorch model, for less arithmetic per text
        with warnings.catch_warnings(), contextlib.redirect_stdout(quiet), _quiet_loggers(), first_token_only(model):
            warnings.simplefilter("ignore")
            _write_onnx(model, example, names, path)
    except Exception as exc:  # the exporter's errors are pages long: keep the first line
        path.unlink(missing_ok=True)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise WorkbenchError(f"ONNX export of {type(model).__name__} failed: {first}") from None
    try:
        diff = verify_onnx(folder, texts or SAMPLE_TEXTS, loaded)
    except WorkbenchError:
        path.unlink(missing_ok=True)  # a file that fails its check is not kept
        raise
    if not diff <= TOLERANCE:
        path.unlink(missing_ok=True)
        raise WorkbenchError(f"the ONNX model's logits differ from PyTorch's by {diff:.2e} (> {TOLERANCE:g}); not kept")
    return path, diff


def _write_onnx(model: nn.Module, example: dict[str, torch.Tensor], names: list[str], path: Path) -> None:
    """torch.onnx.export with batch and sequence axes left free.

    The BiLSTM goes through the TorchScript exporter (`dynamo=False`, constant folding): its `nn.LSTM`s
    come out as ONNX `LSTM` nodes whose weights are plain initializers, which ONNX Runtime's dynamic
    quantisation needs to turn them into int8 `DynamicQuantizeLSTM` (the dynamo exporter re-orders the
    gates with Slice/Concat at run time, so the weights are not initializers and the LSTMs stayed
    fp32), and a second export in the same process keeps the sequence axis free (the dynamo exporter
    fixed it to the example's length). It is also ~20x quicker. Transformers keep the dynamo exporter.
    """
    wrapped = _LogitsOnly(model)
    if isinstance(model, BiLSTMForSequenceClassification):
        axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
        args = tuple(example[n] for n in names)  # (bs, L) each, in forward's order
        torch.onnx.export(
            wrapped, args, str(path), input_names=names, output_names=["logits"], dynamic_axes=axes,
            opset_version=17, do_constant_folding=True, dynamo=False,
        )  # fmt: skip
        return
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
    torch.onnx.export(
        wrapped,
        (),
        str(path),
        kwargs=example,
        input_names=names,
        output_names=["logits"],
        dynamic_shapes={n: {0: batch, 1: seq} for n in names},
        external_data=False,  # one self-contained file (students are far below ONNX's 2 GB limit)
        dynamo=True,
    )


@contextlib.contextmanager
def _quiet_loggers():
    """The exporter logs every step and every skipped torchvision op: not for the user's terminal."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@torch.no_grad()
def verify_onnx(model_dir: str | Path, texts: list[str], loaded: Any = None) -> float:
    """Max absolute difference between onnxruntime's and PyTorch's (fp32) logits on `texts`, as one
    padded batch and one by one."""
    folder = model_folder(model_dir)
    loaded = loaded or load_classifier("run", str(folder))
    model = loaded.model.float().eval()
    session = OnnxClassifier(folder / ONNX_FILE)
    names = input_names(model, loaded.tokenizer)
    worst = 0.0
    for chunk in [texts] + [[t] for t in texts[:4]]:
        enc = _encode(loaded.tokenizer, chunk, names)
        expected = model(**enc).logits.float()  # (bs, C)
        try:
            got = session(**{"token_type_ids": None, **enc}).logits  # (bs, C)
        except Exception as exc:  # e.g. an axis the exporter fixed to the example's length
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise WorkbenchError(f"the exported ONNX model does not run on other texts: {first}") from None
        worst = max(worst, (expected - got).abs().max().item())
    return worst


def onnx_latency(
    model_dir: str | Path,
    texts: list[str],
    max_length: int = 128,
    batch_sizes: tuple[int, ...] = (1, 32),
    rounds: int = 5,
) -> dict[str, Any]:
    """ms per example of the ONNX model (onnxruntime, CPU) and, interleaved with it, of the PyTorch
    model (fp32, CPU), tokenisation included, each at its faster thread count per batch size:
    `latency.measure_fastest`'s result with models "onnx" and "pytorch"."""
    folder = model_folder(model_dir)
    loaded = load_classifier("run", str(folder))
    model = loaded.model.float().eval().to("cpu")
    makers = {
        "onnx": (lambda n: OnnxClassifier(folder / ONNX_FILE, n, loaded.tokenizer), loaded.tokenizer),
        "pytorch": (lambda n: model, loaded.tokenizer),
    }
    return measure_fastest(makers, texts, max_length, batch_sizes, rounds=rounds)


def _sample_texts(run_dir: Path) -> list[str]:
    """Validation texts of the run (from predictions.csv) for timing, else the built-in samples."""
    import csv

    path = run_dir / "predictions.csv"
    if path.is_file():
        with open(path, newline="", encoding="utf-8") as f:
            texts = [r["text"] for r in csv.DictReader(f) if r.get("split") == "validation"][:64]
        if texts:
            return texts
    return list(SAMPLE_TEXTS)


def export_run(run_dir: str | Path) -> dict[str, Any]:
    """Export, verify and time a run's model, write its card, and record `onnx` in report.json.

    -> {"latency_ms": {"batch_1", "batch_32"}, "pytorch_latency_ms": {...}, "threads", "max_abs_diff",
        "size_bytes", "busy"}
    """
    run_dir = Path(run_dir)
    folder = model_folder(run_dir)
    run_dir = folder.parent if folder.name == "model" else run_dir
    texts = _sample_texts(run_dir)
    path, diff = export_and_verify(folder, texts[:16])
    measured = onnx_latency(folder, texts)
    onnx = {
        "latency_ms": measured["latency_ms"]["onnx"],
        "pytorch_latency_ms": measured["latency_ms"]["pytorch"],
        "threads": measured["threads"],  # {"onnx"/"pytorch": {"batch_1": n, ...}}: the faster count, timed
        "max_abs_diff": diff,
        "size_bytes": path.stat().st_size,
        "busy": measured["busy"],
    }
    record_in_report(run_dir, "onnx", onnx)
    write_model_card(run_dir)
    return onnx


def record_in_report(run_dir: Path, key: str, value: dict[str, Any]) -> None:
    """report.json's model section (`student`, or `teacher` for a teacher run) gets `key`: value, merged
    through the report's one writer (the rest of the block stays)."""
    report = read_json(run_dir / "report.json")
    if isinstance(report, dict):
        who = "teacher" if report.get("kind") == "teacher" else "student"
        if isinstance(report.get(who), dict):
            write_report(run_dir, {who: {key: value}})


__all__ = ["export_onnx", "export_and_verify", "export_run", "onnx_latency", "verify_onnx", "write_model_card"]

"""`model/README.md`: what a run's model is and how to load it, written from report.json.

A model folder travels without the workbench around it, so its card says where it came from (the
teacher, the data, the accuracy), how fast it is in each format, and exactly what loading it needs:
a transformer student loads with plain `transformers`; the BiLSTM student needs this repository
(`import workbench.bilstm` registers its class); the ONNX file needs only onnxruntime and the
`tokenizers` library. The code in the card is run by tests/test_export.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.core import read_json, write_text_atomic

CARD_FILE = "README.md"


def _pct(x: Any) -> str:
    return f"{x:.1%}" if isinstance(x, (int, float)) else "?"


def _ms(d: dict[str, Any] | None, key: str) -> str:
    v = (d or {}).get(key)
    return f"{v:.2f}" if isinstance(v, (int, float)) else "-"


def _max_length(run_dir: Path, kind: str) -> int:
    try:
        from workbench.config import load_config

        cfg = load_config(run_dir / "config.yaml")
        return (cfg.teacher_training if kind == "teacher" else cfg.training).max_length
    except Exception:  # no or unreadable config: the card still gets written, with the default length
        return 128


def onnx_snippet(
    model: Path, input_names: list[str], pad_id: int, pad_token: str, max_length: int, labels: list[str]
) -> str:
    """Python that runs model.onnx with onnxruntime and `tokenizers` only."""
    rows = {
        "input_ids": "[e.ids for e in enc]",
        "attention_mask": "[e.attention_mask for e in enc]",
        "token_type_ids": "[e.type_ids for e in enc]",
    }
    feeds = "\n".join(f'    "{n}": np.array({rows[n]}, dtype=np.int64),' for n in input_names)
    return f"""import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MODEL_DIR = "{model.name}"  # the model folder: run this next to it
tokenizer = Tokenizer.from_file(f"{{MODEL_DIR}}/tokenizer.json")
tokenizer.enable_truncation(max_length={max_length})
tokenizer.enable_padding(pad_id={pad_id}, pad_token={json.dumps(pad_token)})
session = ort.InferenceSession(f"{{MODEL_DIR}}/model.onnx", providers=["CPUExecutionProvider"])
texts = ["a wonderful, moving film", "a dull, lifeless mess"]
enc = tokenizer.encode_batch(texts)
feeds = {{
{feeds}
}}
logits = session.run(["logits"], feeds)[0]  # (n, {len(labels)})
labels = {json.dumps(labels)}
print([labels[i] for i in logits.argmax(-1)])
"""


def pytorch_snippet(model: Path, is_bilstm: bool) -> str:
    register = "import workbench.bilstm  # registers the BiLSTM class with transformers (this repository)\n"
    return f"""{register if is_bilstm else ""}import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

MODEL_DIR = "{model.name}"  # the model folder: run this next to it
tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR).eval()
enc = tokenizer(["a wonderful, moving film"], return_tensors="pt")
with torch.no_grad():
    logits = model(**enc).logits
print(model.config.id2label[int(logits.argmax(-1))])
"""


def write_model_card(run_dir: str | Path) -> Path:
    """Write `model/README.md` for the run in `run_dir` and return its path."""
    run_dir = Path(run_dir)
    model = run_dir / "model"
    report = read_json(run_dir / "report.json", default={}) or {}
    config = read_json(model / "config.json", default={}) or {}
    kind = report.get("kind", "distill")
    who = "teacher" if kind == "teacher" else "student"
    me = report.get(who) or {}
    teacher = report.get("teacher") or {}
    labels = [str(config.get("id2label", {}).get(str(i), i)) for i in range(len(config.get("id2label", {})))]
    params = (me.get("params") or {}).get("total")
    lines = [f"# {run_dir.name}", ""]
    if who == "student":
        lines.append(
            f"A student distilled from **{teacher.get('description', 'a teacher')}**: {me.get('description', '')}."
        )
        t_params = (teacher.get("params") or {}).get("total")
        if params and t_params:
            lines.append(f"{params:,} parameters, {params / t_params:.1%} of the teacher's {t_params:,}.")
        lines.append(f"Distilled with temperature {report.get('temperature')} and alpha {report.get('alpha')}.")
    else:
        lines.append(
            f"A fine-tuned teacher: {me.get('description', '')}" + (f", {params:,} parameters." if params else ".")
        )
    data = report.get("data") or {}
    lines += [
        "",
        f"- Data: {data.get('description', '?')}; labels: {', '.join(labels) or '?'}",
        f"- Accuracy: validation {_pct((me.get('validation') or {}).get('accuracy'))}, "
        f"test {_pct((me.get('test') or {}).get('accuracy'))}"
        + (f" (teacher: {_pct((teacher.get('test') or {}).get('accuracy'))} test)" if who == "student" else ""),
        f"- Architecture: {config.get('model_type', '?')} ({(config.get('architectures') or ['?'])[0]})",
        "",
        *usage_lines(run_dir),
    ]
    path = model / CARD_FILE
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def usage_lines(run_dir: str | Path) -> list[str]:
    """The card's speed table and how to load each format (PyTorch, ONNX Runtime), as Markdown lines;
    also the end of the card the Compare page's download carries."""
    from workbench.models import load_tokenizer

    run_dir = Path(run_dir)
    model = run_dir / "model"
    report = read_json(run_dir / "report.json", default={}) or {}
    config = read_json(model / "config.json", default={}) or {}
    kind = report.get("kind", "distill")
    me = report.get("teacher" if kind == "teacher" else "student") or {}
    labels = [str(config.get("id2label", {}).get(str(i), i)) for i in range(len(config.get("id2label", {})))]
    is_bilstm = config.get("model_type") == "workbench_bilstm"
    lines = [
        "## Speed",
        "",
        "Milliseconds per example on CPU, tokenisation included (median over rounds).",
        "",
        "| format | batch 1 | batch 32 |",
        "|---|---|---|",
        f"| PyTorch (in the run, {report.get('latency_precision') or 'fp32'}) | {_ms(me.get('latency_ms'), 'batch_1')} | "
        f"{_ms(me.get('latency_ms'), 'batch_32')} |",
    ]
    onnx = me.get("onnx") or {}
    if onnx:
        lines += [
            f"| PyTorch fp32 (timed beside ONNX) | {_ms(onnx.get('pytorch_latency_ms'), 'batch_1')} | "
            f"{_ms(onnx.get('pytorch_latency_ms'), 'batch_32')} |",
            f"| ONNX Runtime (CPU) | {_ms(onnx.get('latency_ms'), 'batch_1')} | {_ms(onnx.get('latency_ms'), 'batch_32')} |",
            "",
            f"model.onnx: {onnx.get('size_bytes', 0):,} bytes; its logits differ from PyTorch's by at most "
            f"{onnx.get('max_abs_diff', float('nan')):.1e}.",
        ]
    lines += ["", "## Load with PyTorch", ""]
    if is_bilstm:
        lines.append(
            "This BiLSTM is the workbench's own class: install this repository (`pip install -e .` in its "
            "checkout, or put it on `PYTHONPATH`) and `import workbench.bilstm` before loading; "
            "`trust_remote_code` is not needed. Its tokenizer is a plain BERT WordPiece tokenizer."
        )
    else:
        lines.append("Plain `transformers` loads it (no code from this repository):")
    lines += ["", "```python", pytorch_snippet(model, is_bilstm).rstrip(), "```", ""]
    lines += ["## Load with ONNX Runtime", ""]
    if (model / "model.onnx").is_file():
        tokenizer = load_tokenizer(str(model))
        import onnxruntime as ort

        names = [i.name for i in ort.InferenceSession(str(model / "model.onnx")).get_inputs()]
        lines += [
            "Needs only `pip install onnxruntime tokenizers numpy`: no PyTorch, no transformers, no workbench.",
            "",
            "```python",
            onnx_snippet(
                model, names, tokenizer.pad_token_id or 0, tokenizer.pad_token or "[PAD]",
                _max_length(run_dir, kind), labels,
            ).rstrip(),
            "```",
        ]  # fmt: skip
    else:
        lines.append(f"Not exported yet: run `python -m workbench export {run_dir.name}` (a run id or folder).")
    return lines

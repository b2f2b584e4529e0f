"""The model card: what a run's model is, how it was made and how to load it, written from report.json.

One text for every copy: `workbench export` writes it to `model/README.md`, and the UI's download
carries the same card with its verdict sentences in front (`card_text(run_dir, lead=...)`).

A model folder travels without the workbench around it, so its card says where it came from (the
teacher, the data, the accuracy), how fast it is in each format, and exactly what loading it needs:
a transformer student loads with plain `transformers`; the BiLSTM student needs this repository
(`import workbench.bilstm` registers its class); the ONNX file needs only onnxruntime and the
`tokenizers` library. The code in the card is run by tests/test_export.py. Models are named
through `public_names`, so a card never carries a path of this machine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.core import read_json, write_text_atomic
from workbench.evaluation.public_names import public_text, read_config, student_name, teacher_name

CARD_FILE = "README.md"


def _pct(x: Any) -> str:
    return f"{x:.1%}" if isinstance(x, (int, float)) else "?"


def _ms(d: dict[str, Any] | None, key: str, threads: dict[str, Any] | None = None) -> str:
    """A speed cell: "0.52", or "0.52 (1 thread)" where the faster of several thread counts was kept."""
    v = (d or {}).get(key)
    if not isinstance(v, (int, float)):
        return "-"
    n = (threads or {}).get(key)
    return f"{v:.2f} ({n} thread{'s' if n != 1 else ''})" if isinstance(n, int) else f"{v:.2f}"


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
    path = Path(run_dir) / "model" / CARD_FILE
    write_text_atomic(path, card_text(run_dir))
    return path


def card_text(run_dir: str | Path, lead: Sequence[str] = ()) -> str:
    """The card as Markdown; `lead` is put under the title (the UI's verdict and cautions)."""
    run_dir = Path(run_dir)
    report = read_json(run_dir / "report.json", default={}) or {}
    kind = report.get("kind", "distill")
    made = "distilled student" if kind == "distill" else "fine-tuned teacher"
    lines = [f"# {run_dir.name}", "", f"A text classifier made with Distillation Workbench ({made}).", ""]
    if lead:
        lines += [*lead, ""]
    lines += how_made_lines(run_dir, report)
    lines += ["", *results_lines(report), "", *usage_lines(run_dir), ""]
    return "\n".join(lines)


def how_made_lines(run_dir: Path, report: dict[str, Any]) -> list[str]:
    """Labels, data, teacher and student (by public names), distillation settings, training, architecture."""
    cfg = read_config(run_dir)
    config = read_json(run_dir / "model" / "config.json", default={}) or {}
    kind = report.get("kind", "distill")
    me = report.get("student" if kind == "distill" else "teacher") or {}
    data = report.get("data") or {}
    sizes = data.get("sizes") or {}
    lines = [
        "## How it was made",
        "",
        f"- Labels: {', '.join(map(str, data.get('label_names') or [])) or '?'}",
        f"- Data: {public_text(data.get('description'))}; "
        + " / ".join(f"{n} {split}" for split, n in sizes.items())
        + " examples",
    ]
    params = (me.get("params") or {}).get("total")
    if kind == "distill":
        t_params = ((report.get("teacher") or {}).get("params") or {}).get("total")
        share = f", {params / t_params:.1%} of the teacher's {t_params:,}" if params and t_params else ""
        lines += [
            f"- Teacher: {teacher_name(cfg)}",
            f"- Student: {student_name(cfg, me)}" + (f" ({params:,} parameters{share})" if params else ""),
            f"- Temperature T = {report.get('temperature')}, alpha = {report.get('alpha')} "
            "(total = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, label))",
        ]
    else:
        lines.append(f"- Model: {public_text(me.get('description'))}" + (f", {params:,} parameters" if params else ""))
    tc = cfg.get("training" if kind == "distill" else "teacher_training") or {}
    lines += [
        f"- Training: {tc.get('epochs')} epoch(s), learning rate {tc.get('learning_rate')}, batch size "
        f"{tc.get('batch_size')}, max length {tc.get('max_length')} tokens",
        f"- Architecture: {config.get('model_type', '?')} ({(config.get('architectures') or ['?'])[0]})",
    ]
    return lines


def results_lines(report: dict[str, Any]) -> list[str]:
    """Accuracy, macro-F1, size and speed of the model (and its teacher, for a student) as a Markdown table."""
    kind = report.get("kind", "distill")
    models = (("teacher", "teacher"), ("student", "student")) if kind == "distill" else (("teacher", "teacher"),)
    lines = [
        "## Results",
        "",
        "| | accuracy (validation) | accuracy (test) | macro-F1 (test) | parameters | size | ms per sentence |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, key in models:
        m = report.get(key) or {}
        val, test = m.get("validation") or {}, m.get("test") or {}
        params = (m.get("params") or {}).get("total")
        lines.append(
            f"| {name} | {_pct(val.get('accuracy'))} | {_pct(test.get('accuracy'))} | {_pct(test.get('macro_f1'))} | "
            f"{f'{params:,}' if isinstance(params, int) else '?'} | {_megabytes(m.get('size_bytes'))} | "
            f"{_ms(m.get('latency_ms'), 'batch_1')} |"
        )
    return lines


def _megabytes(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return "-"
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.1f} KB"


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
        "Milliseconds per example on CPU, tokenisation included (median over rounds): PyTorch rows through "
        "the transformers tokenizer, ONNX rows through the `tokenizers` library, as the code below runs each.",
        "",
        "| format | batch 1 | batch 32 |",
        "|---|---|---|",
        f"| PyTorch (in the run, {report.get('latency_precision') or 'fp32'}) | {_ms(me.get('latency_ms'), 'batch_1')} | "
        f"{_ms(me.get('latency_ms'), 'batch_32')} |",
    ]
    onnx = me.get("onnx") or {}
    if onnx:
        on = (onnx.get("threads") or {}).get("onnx")
        pt = (onnx.get("threads") or {}).get("pytorch")
        lines += [
            f"| PyTorch fp32 (timed beside ONNX) | {_ms(onnx.get('pytorch_latency_ms'), 'batch_1', pt)} | "
            f"{_ms(onnx.get('pytorch_latency_ms'), 'batch_32', pt)} |",
            f"| ONNX Runtime (CPU) | {_ms(onnx.get('latency_ms'), 'batch_1', on)} | "
            f"{_ms(onnx.get('latency_ms'), 'batch_32', on)} |",
            "",
            f"model.onnx: {onnx.get('size_bytes', 0):,} bytes; its logits differ from PyTorch's by at most "
            f"{onnx.get('max_abs_diff', float('nan')):.1e}.",
        ]
    lines += int8_lines(me.get("int8") or {})
    if onnx.get("threads") or (me.get("int8") or {}).get("threads"):
        lines += [
            "",
            "A cell that names threads is the faster of all cores and one thread, timed side by side: set "
            "`intra_op_num_threads` in `ort.SessionOptions()` (or `torch.set_num_threads`) to the count shown "
            "for the batch size you serve.",
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
        if (model / "model.int8.onnx").is_file():
            lines += ["", "The int8 model loads the same way: put `model.int8.onnx` in place of `model.onnx`."]
    else:
        lines.append(f"Not exported yet: run `python -m workbench export {run_dir.name}` (a run id or folder).")
    return lines


def int8_lines(int8: dict[str, Any]) -> list[str]:
    """The int8 row of the speed table and what quantising cost, measured (`evaluation.quantize`)."""
    if not int8:
        return []
    acc = "; ".join(
        f"{split} accuracy {_pct(a.get('int8'))} against {_pct(a.get('fp32'))} in fp32"
        for split, a in (int8.get("accuracy") or {}).items()
    )
    fp32_bytes = int8.get("fp32_size_bytes") or 0
    share = f" ({int8.get('size_bytes', 0) / fp32_bytes:.0%} of model.onnx)" if fp32_bytes else ""
    threads = int8.get("threads") or {}
    q, f = threads.get("int8"), threads.get("onnx")
    lines = [
        "",
        "| format | batch 1 | batch 32 |",
        "|---|---|---|",
        f"| ONNX Runtime fp32 (timed beside int8) | {_ms(int8.get('onnx_latency_ms'), 'batch_1', f)} | "
        f"{_ms(int8.get('onnx_latency_ms'), 'batch_32', f)} |",
        f"| ONNX Runtime int8 (dynamic) | {_ms(int8.get('latency_ms'), 'batch_1', q)} | "
        f"{_ms(int8.get('latency_ms'), 'batch_32', q)} |",
        "",
        f"model.int8.onnx: {int8.get('size_bytes', 0):,} bytes{share}; {acc}.",
    ]
    return lines

"""ONNX export: onnxruntime agrees with PyTorch; the CLI records it; the model card's code runs."""

import contextlib
import io
import json
import re

import numpy as np
import onnxruntime as ort
import pytest
import torch

from tests.conftest import NEGATIVE, POSITIVE
from workbench.config import StudentConfig
from workbench.evaluation.export import OnnxClassifier, export_onnx
from workbench.models import build_student, load_classifier, save_model
from workbench.models.layers import cut_layers

LABELS = ["negative", "positive"]
NEW_TEXTS = ["brilliant", "a weak, boring plot and far too long, honestly", "great fun", "awful"]


def _onnx_vs_torch(folder, texts):
    """Run model.onnx with onnxruntime directly (not through the code under test) and PyTorch."""
    loaded = load_classifier("run", str(folder))
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    enc = loaded.tokenizer(texts, padding=True, return_tensors="pt")
    got = session.run(["logits"], {n: enc[n].numpy() for n in names})[0]  # (n, C)
    with torch.no_grad():
        expected = loaded.model.eval()(**{n: enc[n] for n in names}).logits.numpy()
    return names, got, expected


@pytest.mark.slowish  # trains for seconds
@pytest.mark.parametrize("kind", ["bilstm", "layers"])
def test_onnx_export_matches_pytorch(tiny_bert, tmp_path, kind, monkeypatch):
    import contextlib

    from workbench.evaluation import export as export_module

    cut, original = [], export_module.first_token_only  # whether the graph runs the last layer for the first token

    @contextlib.contextmanager
    def spy(model):
        with original(model) as on:
            cut.append(on)
            yield on

    monkeypatch.setattr(export_module, "first_token_only", spy)
    teacher = load_classifier("local", str(tiny_bert), LABELS)
    if kind == "bilstm":
        cfg = StudentConfig(kind="bilstm", embedding_size=16, lstm_hidden_size=8)
        student = build_student(cfg, teacher, LABELS, POSITIVE + NEGATIVE)
    else:
        student = cut_layers(teacher, [0, 2])
    save_model(student, tmp_path / "model")
    path = export_onnx(tmp_path)
    assert path == tmp_path / "model" / "model.onnx" and path.stat().st_size > 0
    assert cut == [kind == "layers"]  # a BERT-family student's graph is cut; the BiLSTM has no such layer
    # batch and length other than the export example's: the axes are dynamic
    names, got, expected = _onnx_vs_torch(tmp_path / "model", NEW_TEXTS)
    assert got.shape == (4, 2)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
    _, alone, _ = _onnx_vs_torch(tmp_path / "model", NEW_TEXTS[:1])  # batch 1, no padding
    np.testing.assert_allclose(alone, expected[:1], atol=1e-4, rtol=0)
    wanted = ["input_ids", "attention_mask"] + (["token_type_ids"] if kind == "layers" else [])
    assert sorted(names) == sorted(wanted)
    # the deployed path `measure_latency` times (the `tokenizers` library, as the model card's code) scores the same
    loaded = load_classifier("run", str(tmp_path / "model"))
    onnx = OnnxClassifier(path, 1, loaded.tokenizer)
    assert onnx.takes_texts
    np.testing.assert_allclose(onnx.predict_texts(NEW_TEXTS, 128), expected, atol=1e-4, rtol=0)
    long_text = " ".join(["great"] * 50)
    truncated = loaded.tokenizer([long_text], truncation=True, max_length=8, return_tensors="pt")
    with torch.no_grad():
        short = loaded.model.eval()(**{n: truncated[n] for n in names}).logits.numpy()
    np.testing.assert_allclose(onnx.predict_texts([long_text], 8), short, atol=1e-4, rtol=0)
    assert not OnnxClassifier(path, 1).takes_texts  # no tokenizer given: timed through the tensor path


@pytest.mark.slowish
def test_two_bilstm_exports_in_one_process_keep_their_axes_free(tiny_bert, tmp_path):
    """The dynamo exporter's second BiLSTM export in a process fixed the sequence axis; the BiLSTM's
    exporter must not, and its LSTMs stay single ONNX LSTM nodes over initializer weights (what int8 needs)."""
    import onnx

    teacher = load_classifier("local", str(tiny_bert), LABELS)
    for i in range(2):
        cfg = StudentConfig(kind="bilstm", embedding_size=16, lstm_hidden_size=8)
        save_model(build_student(cfg, teacher, LABELS, POSITIVE + NEGATIVE), tmp_path / str(i) / "model")
        export_onnx(tmp_path / str(i))
        _, got, expected = _onnx_vs_torch(tmp_path / str(i) / "model", NEW_TEXTS)  # lengths unlike the example's
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
        graph = onnx.load(str(tmp_path / str(i) / "model" / "model.onnx")).graph
        lstms = [n for n in graph.node if n.op_type == "LSTM"]
        weights = {t.name for t in graph.initializer}
        assert len(lstms) == 2 and all(n.input[1] in weights and n.input[2] in weights for n in lstms)


@pytest.mark.slowish
def test_export_records_onnx_writes_a_card_whose_code_runs_and_measuring_again_keeps_it(tiny_config, capsys):
    from workbench.cli import main
    from workbench.runs import execute, prepare_run_dir, read_report, read_status

    tiny_config.student.kind = "bilstm"
    tiny_config.student.embedding_size = 16
    tiny_config.student.lstm_hidden_size = 16
    tiny_config.group, tiny_config.role = "first-run-test", "distilled"
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0, read_status(run_dir)
    assert (read_report(run_dir)["group"], read_report(run_dir)["role"]) == ("first-run-test", "distilled")
    capsys.readouterr()
    assert main(["export", str(run_dir)]) == 0
    printed = capsys.readouterr().out
    assert "batch 1" in printed and "model.onnx" in printed
    onnx = read_report(run_dir)["student"]["onnx"]
    assert onnx["max_abs_diff"] <= 1e-4
    assert onnx["size_bytes"] == (run_dir / "model" / "model.onnx").stat().st_size
    assert onnx["latency_ms"]["batch_1"] > 0 and onnx["latency_ms"]["batch_32"] > 0
    card = (run_dir / "model" / "README.md").read_text()
    assert "import workbench.bilstm" in card and "onnxruntime" in card and "tokenizers" in card
    assert f"{read_report(run_dir)['student']['params']['total']:,} parameters" in card
    # the card's ONNX code, run as a reader would (pointed at this folder): it classifies both texts
    code = re.search(r"## Load with ONNX Runtime.*?```python\n(.*?)```", card, re.S).group(1)
    code = code.replace('MODEL_DIR = "model"', f"MODEL_DIR = {json.dumps(str(run_dir / 'model'))}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "card", "exec"), {})
    assert set(eval(out.getvalue())) <= set(LABELS) and len(eval(out.getvalue())) == 2
    # and its PyTorch code too
    code = re.search(r"## Load with PyTorch.*?```python\n(.*?)```", card, re.S).group(1)
    code = code.replace('MODEL_DIR = "model"', f"MODEL_DIR = {json.dumps(str(run_dir / 'model'))}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "card", "exec"), {})
    assert out.getvalue().strip() in LABELS
    # measured again (`workbench evaluate`, the UI's Measure again): what export and the config recorded stays
    written_before = (run_dir / "predictions.csv").stat().st_mtime_ns
    assert main(["evaluate", str(run_dir)]) == 0
    assert (run_dir / "predictions.csv").stat().st_mtime_ns > written_before  # it did evaluate again
    again = read_report(run_dir)
    assert again["student"]["onnx"] == onnx
    assert (again["group"], again["role"]) == ("first-run-test", "distilled")


@pytest.mark.slowish
def test_export_of_a_folder_without_a_model_is_one_line(tmp_path, capsys):
    from workbench.cli import main

    (tmp_path / "status.json").write_text("{}")
    assert main(["export", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err

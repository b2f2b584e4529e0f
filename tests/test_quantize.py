"""int8 students: the quantised ONNX graph really holds int8 weights, agrees with fp32, and is recorded."""

import os
import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from workbench.evaluation.quantize import INT8_FILE

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slowish
@pytest.mark.parametrize("kind", ["bilstm", "layers"])
def test_quantize_run_writes_an_int8_graph_checks_it_and_records_it(tiny_config, kind):
    from workbench.runs import execute, prepare_run_dir, read_report, read_status

    if kind == "bilstm":
        tiny_config.student.kind = "bilstm"
        tiny_config.student.embedding_size = 32
        tiny_config.student.lstm_hidden_size = 32
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0, read_status(run_dir)

    # in a process of its own, as the UI's background job and the CLI run it (the second BiLSTM export in one
    # process, after another test's, came out with a fixed sequence length: see export.verify_onnx's error)
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "export", str(run_dir), "--int8"],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (ROOT / "sym_shape_infer_temp.onnx").exists()  # onnxruntime's pre-processing left nothing in the cwd
    result = read_report(run_dir)["student"]["int8"]

    path = run_dir / "model" / INT8_FILE
    graph = onnx.load(str(path)).graph
    int8_weights = [t for t in graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert int8_weights, "no int8 weights in the quantised graph"
    ops = {n.op_type for n in graph.node}
    assert ops & {"DynamicQuantizeLinear", "MatMulInteger", "DynamicQuantizeLSTM", "DynamicQuantizeMatMul"}, ops
    if kind == "bilstm":  # the LSTMs themselves are int8 (their weights were initializers when quantised)
        assert "LSTM" not in ops and "DynamicQuantizeLSTM" in ops, ops
    assert result["int8_ops"] and all(k in ops for k in result["int8_ops"]), result["int8_ops"]
    for split in ("validation", "test"):
        acc = result["accuracy"][split]
        assert 0 <= acc["int8"] <= 1 and 0 <= acc["fp32"] <= 1
        assert 0 <= result["agreement"][split] <= 1
    assert result["latency_ms"]["batch_1"] > 0 and result["onnx_latency_ms"]["batch_1"] > 0
    # each format timed on all cores and on one thread: the faster count is recorded per batch size
    assert set(result["threads"]) == {"int8", "onnx", "pytorch"}
    assert all(n >= 1 for per in result["threads"].values() for n in per.values()), result["threads"]
    assert result["size_bytes"] == path.stat().st_size
    recorded = read_report(run_dir)["student"]
    assert recorded["onnx"]["size_bytes"] == (run_dir / "model" / "model.onnx").stat().st_size
    card = (run_dir / "model" / "README.md").read_text()
    assert "ONNX Runtime int8" in card and f"{result['size_bytes']:,} bytes" in card
    # the fp32 ONNX model scores what the run's own evaluation of the PyTorch student scored
    assert result["accuracy"]["test"]["fp32"] == pytest.approx(recorded["test"]["accuracy"], abs=0.05)


@pytest.mark.slowish
def test_export_int8_from_the_command_line_records_both_formats(tiny_config, capsys):
    from workbench.cli import main
    from workbench.runs import execute, prepare_run_dir, read_report

    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    capsys.readouterr()
    assert main(["export", str(run_dir), "--int8"]) == 0
    printed = capsys.readouterr().out
    assert "model.onnx:" in printed and "model.int8.onnx:" in printed and "test accuracy" in printed
    student = read_report(run_dir)["student"]
    assert student["onnx"]["size_bytes"] > 0 and student["int8"]["size_bytes"] > 0


def test_speed_cells_and_the_int8_sentence_name_the_thread_count_that_was_kept():
    from ui.deploy import int8_sentence
    from workbench.evaluation.model_card import _ms, int8_lines

    int8 = {
        "latency_ms": {"batch_1": 0.25, "batch_32": 0.2}, "onnx_latency_ms": {"batch_1": 0.6, "batch_32": 0.3},
        "threads": {"int8": {"batch_1": 1, "batch_32": 2}, "onnx": {"batch_1": 1, "batch_32": 2}},
        "accuracy": {"test": {"int8": 0.8, "fp32": 0.8}}, "size_bytes": 1, "fp32_size_bytes": 4,
    }  # fmt: skip
    assert _ms(int8["latency_ms"], "batch_1", int8["threads"]["int8"]) == "0.25 (1 thread)"
    assert _ms(int8["latency_ms"], "batch_32", int8["threads"]["int8"]) == "0.20 (2 threads)"
    assert _ms(int8["latency_ms"], "batch_1") == "0.25"  # a report from before thread counts were timed
    assert "| ONNX Runtime int8 (dynamic) | 0.25 (1 thread) | 0.20 (2 threads) |" in int8_lines(int8)
    assert "on one CPU thread" in int8_sentence(int8) and "(2.4x)" in int8_sentence(int8)
    assert "0.25 ms per sentence" in int8_sentence(int8) and "against 0.6 ms" in int8_sentence(int8)  # not 0.2 vs 0.6
    int8["threads"]["int8"]["batch_1"] = 2
    assert "thread" not in int8_sentence(int8)

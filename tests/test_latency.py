"""Speed measurement: both models in one stated precision, medians with spread, a busy machine flagged."""

import os
import subprocess
import sys
import time

import pytest
import torch

from workbench.evaluation.latency import measure_fastest, measure_latency, thread_counts
from workbench.runs import execute, prepare_run_dir, read_report


class Sleeper(torch.nn.Module):
    """A stand-in model whose forward costs `ms` milliseconds per call and no CPU."""

    def __init__(self, ms):
        super().__init__()
        self.ms = ms
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids, attention_mask=None):
        time.sleep(self.ms / 1000)
        return input_ids.float().sum(-1)


def test_measure_latency_ratio_and_fields(bundled_tokenizer):
    models = {"slow": (Sleeper(40.0), bundled_tokenizer), "fast": (Sleeper(10.0), bundled_tokenizer)}
    out = measure_latency(models, ["a short text", "another one"], 16, torch.device("cpu"), batch_sizes=(1, 4),
                          examples_per_round=4)  # fmt: skip
    assert out["precision"] == "fp32" and out["rounds"] >= 5
    assert isinstance(out["busy"], bool) and out["others_cpu_share"] >= 0
    for bs, per_call in ((1, 1), (4, 4)):
        slow, fast = out["models"]["slow"][f"batch_{bs}"], out["models"]["fast"][f"batch_{bs}"]
        for spread in (slow, fast):
            assert spread["min"] <= spread["p25"] <= spread["median"] <= spread["p75"] <= spread["max"]
        assert slow["median"] / fast["median"] == pytest.approx(4.0, rel=0.2)
        assert 40.0 / per_call <= slow["median"] < 1.5 * 40.0 / per_call  # ms per example; sleeps only overshoot


class ThreadSleeper(Sleeper):
    """Costs `ms[threads]` per call, reading torch's threads at call time (as a real model's kernels
    do); a single text costs more on many threads, a batch less."""

    def forward(self, input_ids, attention_mask=None):
        many = torch.get_num_threads() > 1
        per_text = {True: 8.0, False: 2.0} if input_ids.shape[0] == 1 else {True: 1.0, False: 4.0}
        time.sleep(per_text[many] * input_ids.shape[0] / 1000)
        return input_ids.float().sum(-1)


def test_measure_fastest_keeps_each_batch_sizes_faster_thread_count(bundled_tokenizer):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        made = []
        model = ThreadSleeper(0.0)

        def make(n):
            made.append(n)
            return model

        out = measure_fastest(
            {"m": (make, bundled_tokenizer)}, ["a short text", "another"], 16, (1, 4), examples_per_round=4
        )
        assert torch.get_num_threads() == 2  # restored after every timed block
    finally:
        torch.set_num_threads(before)
    assert sorted(made) == [1, 2]
    assert out["threads"]["m"] == {"batch_1": 1, "batch_4": 2}
    by = out["by_threads"]["m"]
    assert by[2]["batch_1"] / by[1]["batch_1"] == pytest.approx(4.0, rel=0.3)  # the threads were really set
    assert out["latency_ms"]["m"] == {"batch_1": by[1]["batch_1"], "batch_4": by[2]["batch_4"]}


class TextModel(Sleeper):
    """Stands in for an ONNX model given its tokenizer: it takes raw texts and tokenises them itself."""

    takes_texts = True

    def __init__(self):
        super().__init__(0.0)
        self.seen = []

    def forward(self, input_ids, attention_mask=None):
        raise AssertionError("a model that takes texts must not be given tensors")

    def predict_texts(self, texts, max_length):
        self.seen.append((len(texts), max_length))


def test_a_model_that_takes_texts_is_timed_through_its_own_tokenisation(bundled_tokenizer):
    model = TextModel()
    measure_latency({"m": (model, bundled_tokenizer)}, ["a", "b"], 16, torch.device("cpu"), batch_sizes=(1, 4),
                    examples_per_round=4)  # fmt: skip
    assert {n for n, _ in model.seen} == {1, 4} and {m for _, m in model.seen} == {16}


def test_thread_counts_are_this_process_and_one():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert thread_counts() == [1]
        torch.set_num_threads(2)
        assert thread_counts() == [2, 1]
    finally:
        torch.set_num_threads(before)


@pytest.mark.slowish
@pytest.mark.skipif((os.cpu_count() or 1) > 8, reason="one CPU burner per core would be too many here")
def test_measure_latency_flags_a_busy_machine(bundled_tokenizer):
    burn = "import time\nend = time.time() + 30\nwhile time.time() < end: pass"
    burners = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.3)
        out = measure_latency({"m": (Sleeper(5.0), bundled_tokenizer)}, ["text"], 16, torch.device("cpu"),
                              batch_sizes=(1,), examples_per_round=8)  # fmt: skip
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert out["busy"] is True and out["others_cpu_share"] > 0.5


@pytest.mark.slowish
def test_student_and_teacher_are_timed_in_the_same_stated_precision(tiny_config, monkeypatch):
    """Trained in bf16, timed in fp32: the student must not keep Accelerate's bf16 autocast forward."""
    import workbench.evaluation.report as report_mod

    seen = {}
    real = report_mod.measure_latency

    def spy(models, *args, **kwargs):
        for name, (model, _) in models.items():
            out = {}
            hook = model.classifier.register_forward_hook(lambda m, i, o, out=out: out.setdefault("dtype", o.dtype))
            seen[name] = {"params": next(model.parameters()).dtype, "own_forward": "forward" not in vars(model),
                          "out": out, "hook": hook}  # fmt: skip
        result = real(models, *args, **kwargs)
        for s in seen.values():
            s["hook"].remove()
        return result

    monkeypatch.setattr(report_mod, "measure_latency", spy)
    tiny_config.training.precision = "bf16"
    tiny_config.training.epochs = 1
    for asked, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        tiny_config.training.latency_precision = asked
        run_dir = prepare_run_dir(tiny_config, "distill", None)
        assert execute("distill", tiny_config, run_dir) == 0
        assert read_report(run_dir)["latency_precision"] == asked
        for name in ("teacher", "student"):
            assert seen[name]["params"] == torch.float32
            assert seen[name]["own_forward"], f"{name} still has an instance-level (autocast) forward"
            assert seen[name]["out"]["dtype"] == dtype, (asked, name)


@pytest.mark.slowish
def test_evaluate_measures_the_speed_of_a_stopped_run(tiny_config):
    from workbench.training import evaluate_run

    tiny_config.training.epochs = 50
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    (run_dir / "STOP").touch()
    assert execute("distill", tiny_config, run_dir) == 0
    assert read_report(run_dir)["state"] == "stopped" and read_report(run_dir)["student"]["latency_ms"] == {}
    report = evaluate_run(run_dir)
    for who in ("teacher", "student"):
        assert set(report[who]["latency_ms"]) == {"batch_1", "batch_32"}
        assert set(report[who]["latency_spread_ms"]["batch_1"]) == {"min", "p25", "p75", "max"}
    assert set(report["comparison"]["speedup"]) == {"batch_1", "batch_32"}
    assert report["latency_precision"] == "fp32" and report["state"] == "stopped"

"""The distillation benchmark runs end to end at a tiny size (its numbers mean nothing here).

Every variant (article loop, HF Trainer at its defaults and tuned, workbench, workbench with a warm
logit cache) runs in its own process on 48 training examples with the bundled model as the teacher;
the test checks that the result files exist, that they hold what the README's table needs, that the
two Trainer variants differ only in the tuning flags, and that the second workbench run reused the
cached teacher logits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core import cpu_has_native_bf16

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slowish
def test_benchmark_smoke(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", WORKBENCH_RUNS_DIR=str(tmp_path / "runs"))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.distill", "--smoke", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    last = json.loads(proc.stdout.strip().splitlines()[-1])  # the ratios, as one JSON line last
    assert {"vs_article", "vs_trainer", "vs_trainer_default", "vs_trainer_warm", "cache_reuse_teacher_share"} <= set(
        last
    )
    assert {"teacher_pass_peak_share", "student_step_peak_share"} <= set(last)
    doc = json.loads((tmp_path / "distill-smoke.json").read_text())
    assert set(doc["results"]) == {"article", "hf_trainer", "hf_trainer_tuned", "workbench", "workbench_T4"}
    res = doc["results"]
    wb = res["workbench"]["examples_per_s"]
    # vs_trainer is the tuned Trainer, vs_trainer_default the defaults (rounded to 4 places)
    assert abs(last["vs_trainer"] - wb / res["hf_trainer_tuned"]["examples_per_s"]) < 1e-3
    assert abs(last["vs_trainer_default"] - wb / res["hf_trainer"]["examples_per_s"]) < 1e-3

    # like for like: the tuned Trainer differs from the default one in its tuning flags and nothing else
    default, tuned = res["hf_trainer"]["extra"]["trainer_args"], res["hf_trainer_tuned"]["extra"]["trainer_args"]
    assert default.keys() == tuned.keys()
    differ = {k for k in default if default[k] != tuned[k]}
    assert differ <= {"bf16", "train_sampling_strategy", "optim"}, differ
    assert (default["train_sampling_strategy"], tuned["train_sampling_strategy"]) == ("random", "group_by_length")
    assert tuned["optim"] == "adamw_torch_fused" and "fused=True" in res["hf_trainer_tuned"]["extra"]["optimizer"]
    assert tuned["bf16"] is cpu_has_native_bf16() and default["bf16"] is False
    assert res["hf_trainer_tuned"]["precision"] == ("bf16" if cpu_has_native_bf16() else "fp32")
    assert res["hf_trainer"]["precision"] == "fp32"
    for r in doc["results"].values():
        assert r["examples_per_s"] > 0 and r["peak_rss_mb"] > 0 and 0 <= r["val_accuracy"] <= 1
        assert len(r["load_before"]) == 3 and len(r["load_after"]) == 3
    # the same work on both sides: as many validation passes, the teacher measured on validation and test
    wb_run, tuned_run = res["workbench"], res["hf_trainer_tuned"]
    assert wb_run["extra"]["evaluations"] == tuned_run["extra"]["evaluations"] >= 1
    assert (
        set(wb_run["extra"]["teacher_accuracy"])
        == set(tuned_run["extra"]["teacher_accuracy"])
        == {
            "validation",
            "test",
        }
    )
    assert abs(tuned_run["examples_per_s"] - 48 / tuned_run["extra"]["work_s"]) < 1e-6
    assert abs(wb_run["examples_per_s"] - 48 / wb_run["extra"]["work_s"]) < 1e-6
    # how close to the hardware: a measured peak, and each workbench phase as a share of it
    peaks = doc["matmul_peak_flops"]
    assert peaks["fp32"] > 0 and peaks["bf16"] > 0 and peaks["best"] in ("fp32", "bf16")
    assert 0 < wb_run["flops"]["teacher_pass_share"] < 2 and 0 < wb_run["flops"]["student_step_share"] < 2
    assert res["workbench_T4"]["flops"]["teacher_pass_share"] is None  # cached: no teacher pass to measure
    assert "What each variant did" in (tmp_path / "distill-smoke.md").read_text()
    assert doc["results"]["workbench"]["extra"]["teacher_cached"] is False
    assert doc["results"]["workbench_T4"]["extra"]["teacher_cached"] is True
    table = (tmp_path / "distill-smoke.md").read_text()
    assert "| article:" in table and "| hf_trainer:" in table and "| hf_trainer_tuned:" in table
    assert "examples/s" in table
    assert (tmp_path / "distill-smoke.html").is_file()


@pytest.mark.slowish
def test_first_run_benchmark_smoke(tmp_path):
    """The guided first run's benchmark, on a tiny model and toy data: three runs launched as the UI
    does, polled to the end, one JSON line last, results files written (numbers mean nothing)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", WORKBENCH_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.first_run", "--smoke", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(last) == {"minutes", "teacher_test", "student_test", "baseline_test"}
    assert last["minutes"] > 0 and all(0 <= last[k] <= 1 for k in last if k.endswith("_test"))
    doc = json.loads((tmp_path / "first_run-smoke.json").read_text())
    assert doc["steps"]["distilled"] == doc["steps"]["baseline"] > 0
    assert "| same student, no teacher (alpha = 0) |" in (tmp_path / "first_run-smoke.md").read_text()


@pytest.mark.slowish
def test_students_benchmark_quick(tmp_path):
    """`benchmarks.students --quick`: every family and variant on toy-sized data, a teacher fine-tuned
    first, ONNX exports timed, the results table and the `best_small` JSON line (numbers mean nothing)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", WORKBENCH_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.students", "--quick", "--out-dir", str(tmp_path),
         "--runs-dir", str(tmp_path / "runs")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    doc = json.loads((tmp_path / "students-quick.json").read_text())
    variants = {(ln["family"], ln["variant"]) for ln in doc["table"]}
    assert {("bilstm", "labels"), ("bilstm", "kd+transfer"), ("layers", "kd+intermediate")} <= variants
    assert all(ln["seeds"] == 2 for ln in doc["table"])
    assert all("error" not in v for v in doc["onnx"].values()), doc["onnx"]
    bilstm = next(ln for ln in doc["table"] if ln["family"] == "bilstm")
    assert bilstm["param_ratio"] < 0.1 and bilstm["onnx_b1_ms"] > 0
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last == doc["best_small"]
    assert last is None or {"param_ratio", "speedup_batch_1", "kept_test", "kd_gain_points", "kd_gain_ci_low",
                            "seeds"} <= set(last)  # fmt: skip
    md = (tmp_path / "students-quick.md").read_text()
    assert "| bilstm | kd+transfer |" in md and "| teacher |" in md

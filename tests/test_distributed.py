"""Data-parallel training through `accelerate launch`: 2 CPU processes (gloo) against 1.

Same teacher, same data, same *global* batch (2 x 8 against 1 x 16), no dropout and no length
grouping, so both runs see the same examples in each optimizer step and should end in nearly the
same place. Tolerance: validation accuracy within one example and logged losses within 2% (float
reductions run in a different order across processes).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.config import dump_config
from workbench.runs import execute, prepare_run_dir, read_metrics, read_report, read_status

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_dropout_bert(tmp_path, bundled_tokenizer):
    from tests.conftest import _save_tiny, tiny_bert_config

    cfg = tiny_bert_config(bundled_tokenizer, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return _save_tiny(tmp_path / "bert0", cfg, bundled_tokenizer)


@pytest.mark.slowish
def test_two_processes_match_one(tiny_config, no_dropout_bert, tmp_path, monkeypatch):
    from tests.conftest import sentiment_frame

    sentiment_frame(128).to_csv(tmp_path / "r.csv", index=False)
    cfg = tiny_config
    cfg.data.path = str(tmp_path / "r.csv")
    # 48 training examples: 3 full global batches of 16 an epoch. A short last batch would not compare: two
    # processes average their halves' means (8 and 6 examples), one process the mean of all 14.
    cfg.data.max_train_examples = 48
    cfg.teacher.name = str(no_dropout_bert)
    cfg.teacher_training.epochs = 8
    teacher_dir = prepare_run_dir(cfg, "teacher", tmp_path / "teacher")
    assert execute("teacher", cfg, teacher_dir) == 0, read_status(teacher_dir)

    cfg.teacher.source, cfg.teacher.name = "run", str(teacher_dir)
    cfg.allow_weak_teacher = False
    cfg.training.epochs = 6
    cfg.training.group_by_length = False
    cfg.training.log_every_steps = 1

    cfg.training.batch_size = 16
    single = tmp_path / "single"
    assert execute("distill", cfg, prepare_run_dir(cfg, "distill", single)) == 0, read_status(single)

    cfg.training.batch_size = 8  # per process
    dump_config(cfg, tmp_path / "two.yaml")
    runs_root = tmp_path / "runs_two"
    runs_root.mkdir()
    two = runs_root / "two"
    env = {**os.environ, "WORKBENCH_RUNS_DIR": str(runs_root), "OMP_NUM_THREADS": "1"}
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2"]
    launch += [
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        "29517",
    ]
    out = subprocess.run(
        [*launch, "-m", "workbench", "distill", str(tmp_path / "two.yaml"), "--run-dir", str(two)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]

    # it finished, as two processes, and only one set of run files exists
    assert read_status(two)["state"] == "finished"
    report_two, report_one = read_report(two), read_report(single)
    assert report_two["processes"] == 2 and report_one["processes"] == 1
    assert [p.name for p in runs_root.iterdir() if not p.name.startswith(".")] == ["two"]
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in single.iterdir())
    assert sorted(p.name for p in (two / "model").iterdir()) == sorted(p.name for p in (single / "model").iterdir())
    assert json.loads((two / "model" / "config.json").read_text())["id2label"] == {"0": "negative", "1": "positive"}

    steps_two = [e for e in read_metrics(two) if e["type"] == "step"]
    steps_one = [e for e in read_metrics(single) if e["type"] == "step"]
    assert [e["step"] for e in steps_two] == list(range(1, len(steps_two) + 1))  # each step once
    assert report_one["data"]["sizes"]["train"] == 48
    assert len(steps_two) == len(steps_one) == 18  # 3 steps an epoch, 6 epochs, same global batch

    # the loss falls, and follows the single-process run
    assert steps_two[-1]["loss"] < 0.8 * steps_two[0]["loss"]
    for a, b in zip(steps_two, steps_one, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=0.02)
    n_val = report_one["data"]["sizes"]["validation"]
    acc_two, acc_one = report_two["student"]["validation"]["accuracy"], report_one["student"]["validation"]["accuracy"]
    assert abs(acc_two - acc_one) <= 1 / n_val + 1e-9

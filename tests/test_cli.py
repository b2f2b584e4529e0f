"""The CLI as a user runs it: real subprocesses, exit codes, one-line errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbench.config import dump_config

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.mark.slowish
def test_init_config_prints_a_valid_commented_config(tmp_path):
    out = cli("init-config", "--preset", "quick")
    assert out.returncode == 0
    assert "# Loss convention" in out.stdout
    data = yaml.safe_load(out.stdout)
    assert data["data"]["max_train_examples"] == 2000 and data["distill"]["alpha"] == 0.5


@pytest.mark.slowish
def test_validate_ok_and_bad(tiny_config, tmp_path):
    good = tmp_path / "good.yaml"
    dump_config(tiny_config, good)
    out = cli("validate", str(good), "--no-measure")
    assert out.returncode == 0, out.stderr
    assert "[ok   ] labels: both models predict 2 labels" in out.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("distill: {temperature: 0}\n")
    out = cli("validate", str(bad))
    assert out.returncode == 2
    assert out.stderr.strip() == "error: temperature must be > 0, got 0.0"

    tiny_config.data.text_column = "review"
    dump_config(tiny_config, bad)
    out = cli("validate", str(bad), "--no-measure")
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "text column 'review' not found" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slowish
def test_distill_and_evaluate_from_the_shell(tiny_config, tmp_path):
    tiny_config.training.epochs = 1
    path = tmp_path / "c.yaml"
    dump_config(tiny_config, path)
    run_dir = tmp_path / "run"
    out = cli("distill", str(path), "--run-dir", str(run_dir))
    assert out.returncode == 0, out.stderr[-2000:]
    assert (run_dir / "report.json").is_file() and (run_dir / "model" / "model.safetensors").is_file()
    before = (run_dir / "report.json").stat().st_mtime
    out = cli("evaluate", str(run_dir))
    assert out.returncode == 0, out.stderr[-2000:]
    assert (run_dir / "report.json").stat().st_mtime > before
    out = cli("runs", env={"WORKBENCH_RUNS_DIR": str(tmp_path)})
    assert "run\tfinished" in out.stdout


@pytest.mark.slowish
def test_failed_run_exit_code_and_status(tiny_config, tmp_path):
    tiny_config.data.path = str(tmp_path / "missing.csv")
    path = tmp_path / "c.yaml"
    dump_config(tiny_config, path)
    out = cli("teacher", str(path), "--run-dir", str(tmp_path / "run"))
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error: data file not found")
    status = yaml.safe_load((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == "failed" and "data file not found" in status["error"]


@pytest.mark.slowish
def test_init_config_first_run_preset():
    out = cli("init-config", "--preset", "first-run")
    assert out.returncode == 0, out.stderr
    data = yaml.safe_load(out.stdout)
    assert data["teacher_training"]["epochs"] == 1 and data["training"]["freeze_word_embeddings"] is True


@pytest.mark.slowish
def test_first_run_chain_from_the_shell(tiny_config, tmp_path):
    good = tmp_path / "good.yaml"
    dump_config(tiny_config, good)
    out = cli("first-run", str(good), env={"WORKBENCH_RUNS_DIR": str(tmp_path / "runs")})
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    for prefix in ("[1/3] teacher finished", "[2/3] distilled finished", "[3/3] baseline finished"):
        assert any(line.startswith(prefix) for line in lines), out.stdout
    assert "same student without the teacher" in lines[-1]
    assert len(list((tmp_path / "runs").glob("*-distill-*"))) == 2


@pytest.mark.slowish
def test_first_run_with_a_missing_config_is_one_line():
    out = cli("first-run", "/nonexistent/run.yaml")
    assert out.returncode == 2 and out.stderr.strip().startswith("error: config file not found")
    assert len(out.stderr.strip().splitlines()) == 1

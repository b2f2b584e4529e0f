"""Unit tests of the engine modules the pages lean on: explorer, uploads, commands, summary, export."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import pytest
import torch

from ui import export, summary
from workbench.core import WorkbenchError
from workbench.distill import distillation_loss
from workbench.studio import commands, explorer, uploads

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- explorer


def test_temperature_curve_flattens_and_entropy_grows():
    curve = explorer.temperature_curve(torch.tensor([3.0, 0.0]), [0.5, 1.0, 2.0, 10.0])
    top = [p[0] for p in curve["probs"]]
    assert top == sorted(top, reverse=True)  # the winning class loses probability as T grows
    assert curve["entropy"] == sorted(curve["entropy"])
    assert curve["max_entropy"] == pytest.approx(1.0)
    assert curve["probs"][1][0] == pytest.approx(1 / (1 + math.exp(-3)), rel=1e-5)
    assert curve["entropy"][-1] < 1.0


def test_entropy_bits_extremes():
    assert explorer.entropy_bits(torch.tensor([[0.5, 0.5]])).item() == pytest.approx(1.0)
    assert explorer.entropy_bits(torch.tensor([[1.0, 0.0]])).item() == pytest.approx(0.0, abs=1e-6)


def test_loss_breakdown_matches_training_loss():
    torch.manual_seed(0)
    s, t = torch.randn(5, 3), torch.randn(5, 3)
    y = torch.tensor([0, 1, 2, 1, 0])
    b = explorer.loss_breakdown(s, t, y, 3.0, 0.7)
    ref = distillation_loss(s, t, y, 3.0, 0.7)
    assert sum(b.total) / 5 == pytest.approx(ref.total.item(), rel=1e-5)
    assert b.mean_total == pytest.approx(ref.total.item(), rel=1e-6)
    assert sum(b.soft) / 5 == pytest.approx(ref.soft.item(), rel=1e-5)
    for ws, wh, tot, so, ha in zip(b.weighted_soft, b.weighted_hard, b.total, b.soft, b.hard, strict=True):
        assert ws == pytest.approx(0.7 * so) and wh == pytest.approx(0.3 * ha) and tot == pytest.approx(ws + wh)


def test_loss_breakdown_identical_logits_has_no_soft_loss():
    z = torch.tensor([[2.0, -1.0]])
    b = explorer.loss_breakdown(z, z, torch.tensor([0]), 2.0, 1.0)
    assert b.soft[0] == pytest.approx(0.0, abs=1e-6)
    assert b.total[0] == pytest.approx(0.0, abs=1e-6)


def test_explorer_refuses_bad_temperature():
    with pytest.raises(WorkbenchError):
        explorer.softened(torch.zeros(1, 2), 0.0)
    with pytest.raises(WorkbenchError):
        explorer.loss_breakdown(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([0]), 1.0, 1.5)


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\me\\reviews 2024.CSV", "reviews-2024.csv"),
        (".hidden.jsonl", "hidden.jsonl"),
        ("données été.parquet", "donnees-ete.parquet"),
        ("", "upload"),
    ],
)
def test_sanitise_filename(name, expected):
    assert uploads.sanitise_filename(name) == expected


def test_save_upload_stays_inside_uploads(tmp_path):
    p = uploads.save_upload("../../evil.csv", b"text,label\na,0\n", root=tmp_path)
    assert p.parent == (tmp_path / "uploads").resolve()
    assert p.name.endswith("-evil.csv") and p.read_bytes() == b"text,label\na,0\n"
    assert uploads.save_upload("evil.csv", b"text,label\na,0\n", root=tmp_path) == p  # same content, same file


def test_save_upload_refuses_type_size_and_empty(tmp_path):
    with pytest.raises(WorkbenchError, match="unsupported file type"):
        uploads.save_upload("run.sh", b"rm -rf /", root=tmp_path)
    with pytest.raises(WorkbenchError, match="limit"):
        uploads.save_upload("big.csv", b"x" * 2048, root=tmp_path, max_bytes=1024)
    with pytest.raises(WorkbenchError, match="empty"):
        uploads.save_upload("e.csv", b"  \n", root=tmp_path)


# --------------------------------------------------------------------------- commands


def test_cli_commands():
    c = commands.cli_commands("distill", "my run!", num_processes=4)
    assert c["single"] == "python -m workbench distill config.yaml --run-dir runs/my-run"
    assert (
        c["multi"]
        == "accelerate launch --multi_gpu --num_processes 4 -m workbench distill config.yaml --run-dir runs/my-run"
    )
    with pytest.raises(ValueError):
        commands.cli_commands("bake", "x")


# --------------------------------------------------------------------------- summary


def _report(t_acc=0.8, s_acc=0.776):
    return {
        "kind": "distill",
        "teacher_check": {"accuracy": 0.8, "chance": 0.5, "ok": True},
        "comparison": {"accuracy_share_test": s_acc / t_acc, "speedup": {"batch_1": 2.1}, "param_ratio": 0.5},
        "teacher": {"test": {"accuracy": t_acc}},
        "student": {"test": {"accuracy": s_acc}},
    }


def test_headline_is_plain_language():
    assert summary.headline(_report()) == (
        "The student keeps 97% of the teacher's accuracy (78% vs 80% on test). "
        "It is 2.1x as fast one sentence at a time, with 50% of the teacher's parameters."
    )
    assert "teacher gets 80%" in summary.headline({"kind": "teacher", "teacher": {"test": {"accuracy": 0.8}}})


def test_teacher_warning():
    assert summary.teacher_warning(_report()) is None
    r = _report()
    r["teacher_check"] = {"accuracy": 0.62, "chance": 0.62, "ok": False}
    assert "no better than always guessing" in summary.teacher_warning(r)


def test_progress_and_series():
    events = [
        {"type": "phase", "phase": "training", "total_steps": 10},
        {"type": "step", "step": 5, "total_steps": 10, "loss": 1.0, "eta_s": 75.0},
        {"type": "eval", "step": 5, "accuracy": 0.7, "macro_f1": 0.6},
    ]
    p = summary.progress({"state": "running", "phase": "training"}, events)
    assert p["fraction"] == 0.5 and "Step 5 of 10" in p["text"] and "1 min 15 s left" in p["text"]
    assert "Waiting" in summary.progress({"state": "queued"}, [])["text"]
    stopping = summary.progress({"state": "running", "phase": "training"}, events, stopping=True)
    assert stopping["text"].startswith("Stopping after step 5") and stopping["eta_s"] is None
    s = summary.metric_series(events)
    assert s["steps"][0]["loss"] == 1.0 and s["evals"][0]["accuracy"] == 0.7


def test_history_row_failed_shows_error():
    row = summary.history_row("r1", {"state": "failed", "kind": "distill", "error": "the teacher scores 50%"}, None, {})
    assert row["result"] == "Error: the teacher scores 50%" and row["what"] == "distillation"


def test_human_formats():
    assert summary.human_bytes(90_867_952) == "86.7 MB"
    assert summary.human_count(22_713_986) == "22.7M"
    assert summary.human_seconds(3725) == "1 h 02 min"


# --------------------------------------------------------------------------- export


def test_model_zip_has_model_and_card(tmp_path):
    run = tmp_path / "20261127-distill-x"
    (run / "model").mkdir(parents=True)
    (run / "model" / "config.json").write_text("{}")
    (run / "model" / "model.safetensors").write_bytes(b"\0" * 10)
    (run / "model" / "README.md").write_text("the engine's card, written by `workbench export`")
    report = _report()
    report.update(
        temperature=3.0,
        alpha=0.25,
        data={"label_names": ["negative", "positive"], "description": "d", "sizes": {"train": 64}},
    )
    for who in ("teacher", "student"):
        report[who].update(params={"total": 1000}, size_bytes=2048, latency_ms={"batch_1": 2.0}, description=who)
    (run / "report.json").write_text(json.dumps(report))
    (run / "config.yaml").write_text("training: {epochs: 1, learning_rate: 0.0001, batch_size: 8, max_length: 32}\n")
    with zipfile.ZipFile(__import__("io").BytesIO(export.model_zip(run))) as zf:
        names = set(zf.namelist())
        card = zf.read("README.md").decode()
    assert {"README.md", "model/config.json", "model/model.safetensors"} <= names
    assert "T = 3.0, alpha = 0.25" in card and "keeps 97%" in card and "negative, positive" in card
    assert "64 train examples" in card and "Caution" not in card
    # how to load it comes from the engine's card (one text for both), which is not shipped twice
    assert "## Load with PyTorch" in card and "python -m workbench export" in card
    assert "model/README.md" not in names


def test_model_zip_without_model(tmp_path):
    with pytest.raises(WorkbenchError, match="no saved model"):
        export.model_zip(tmp_path)


# --------------------------------------------------------------------------- house rules


def test_engine_never_imports_streamlit():
    for path in (ROOT / "workbench").rglob("*.py"):
        assert "import streamlit" not in path.read_text(encoding="utf-8"), path


def test_explain_from_cached_lists():
    ex = explorer.explain([[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, -1.0]], [0, 1], 2.0, 0.5)
    assert ex.teacher_probs[0][0] == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-5)
    assert ex.teacher_entropy[1] == pytest.approx(1.0)  # equal logits: a coin toss
    assert ex.student_probs[0] == pytest.approx([0.5, 0.5])
    assert len(ex.loss.total) == 2 and ex.loss.soft[1] > 0


def test_engine_reasons_are_shown_without_config_keys():
    from ui.state import config_problem
    from ui.wording import plain_problem
    from workbench.config import RunConfig

    assert plain_problem("training.epochs must be > 0, got 0") == "distillation: epochs must be > 0, got 0"
    assert plain_problem("teacher_training.max_length must be at least 8 tokens, got 4") == (
        "teacher fine-tuning: maximum length must be at least 8 tokens, got 4"
    )
    assert plain_problem("teacher.name is required when teacher.source is hub") == (
        "the teacher's model id or folder is required when the teacher's source is hub"
    )
    cfg = RunConfig()
    assert config_problem(cfg) is None
    cfg.student.kind, cfg.student.hidden_size, cfg.student.num_heads = "scratch", 100, 3
    problem = config_problem(cfg)
    assert "attention heads" in problem and "student." not in problem


def test_engine_errors_are_worded_by_code_not_by_text():
    from ui.wording import SENTENCES, plain_problem
    from workbench.core import WorkbenchError

    coded = WorkbenchError("any wording at all", code="data.path_missing")
    assert plain_problem(coded) == SENTENCES["data.path_missing"]
    assert "none has been uploaded" in plain_problem(coded)
    assert "full vocabulary" in plain_problem(WorkbenchError("x", code="student.prune_vocab_with_intermediate"))
    # no code, or a code without a sentence yet: the message, with its config keys in words
    assert plain_problem(WorkbenchError("training.epochs must be > 0")) == "distillation: epochs must be > 0"
    assert plain_problem(WorkbenchError("training.epochs must be > 0", code="new.code")) == (
        "distillation: epochs must be > 0"
    )


def test_loss_chart_draws_intermediate_parts_only_when_logged():
    from ui import charts

    event = {"type": "step", "step": 1, "loss": 1.0, "loss_soft": 0.5, "loss_hard": 0.7}
    with_parts = [{**event, "loss_hidden": 0.2, "loss_attention": 0.1}]
    names = {t.name for t in charts.loss_chart(summary.metric_series(with_parts)["steps"]).data}
    assert names == {
        "total",
        "soft (teacher)",
        "hard (labels)",
        "hidden states (teacher layers)",
        "attention (teacher layers)",
    }
    without = [{**event, "loss_hidden": None, "loss_attention": None}]
    names = {t.name for t in charts.loss_chart(summary.metric_series(without)["steps"]).data}
    assert names == {"total", "soft (teacher)", "hard (labels)"}

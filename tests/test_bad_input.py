"""Bad input that the other test files do not already cover; docs/bad-inputs.md lists them all."""

import pytest

from workbench.errors import WorkbenchError
from workbench.runner import execute, prepare_run_dir
from workbench.runs import new_run_dir, read_report, run_path, runs_root, slug


def test_long_texts_are_truncated_and_said_so(tiny_config, tmp_path):

    from tests.conftest import sentiment_frame

    df = sentiment_frame()
    df.loc[0, "text"] = "a wonderful film " * 40  # far past max_length 32
    df.to_csv(tmp_path / "long.csv", index=False)
    tiny_config.data.path = str(tmp_path / "long.csv")
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    notes = read_report(run_dir)["data"]["notes"]
    assert any("longer than 32 tokens were truncated" in n for n in notes)


def test_batch_size_larger_than_the_data_still_trains(tiny_config):
    tiny_config.training.batch_size = 10_000
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    assert read_report(run_dir)["training"]["steps"] == 1


def test_preflight_warns_about_a_batch_larger_than_the_data(tiny_config):
    from workbench.preflight import run_preflight

    tiny_config.training.batch_size = 10_000
    pf = run_preflight(tiny_config, measure=False)
    assert any(c.name == "batch size" and c.level == "warn" for c in pf.checks)


@pytest.mark.parametrize("name", ["../../etc", "a/b\\c", "..", ".hidden", "", "x" * 300, "name with spaces"])
def test_run_names_cannot_escape_the_runs_folder(name):
    run_dir = new_run_dir("distill", name)
    assert run_dir.parent == runs_root()
    assert "/" not in slug(name) and not slug(name).startswith(".")


@pytest.mark.parametrize("run_id", ["../../etc", "..", "/etc", "a/../../b", ".train.lock", ""])
def test_run_ids_cannot_escape_the_runs_folder(run_id):
    ok = new_run_dir("distill", "ok")
    assert run_path(ok.name) == ok
    with pytest.raises(WorkbenchError):
        run_path(run_id)


def test_unwritable_run_folder(tiny_config, tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(WorkbenchError, match="not writable"):
        prepare_run_dir(tiny_config, "distill", tmp_path / "ro")


def test_zero_epochs_is_refused(tmp_path):
    from workbench.config import load_config

    (tmp_path / "c.yaml").write_text("training: {epochs: 0}\n")
    with pytest.raises(WorkbenchError, match="epochs must be > 0"):
        load_config(tmp_path / "c.yaml")

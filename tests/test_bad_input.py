"""Bad input that the other test files do not already cover; docs/bad-inputs.md lists them all."""

import pytest

from workbench.core import WorkbenchError
from workbench.runs import execute, new_run_dir, prepare_run_dir, read_report, runs_root, slug
from workbench.runs.store import run_path


@pytest.mark.slowish
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


@pytest.mark.slowish
def test_batch_size_larger_than_the_data_still_trains(tiny_config):
    tiny_config.training.batch_size = 10_000
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    assert read_report(run_dir)["training"]["steps"] == 1


def test_preflight_warns_about_a_batch_larger_than_the_data(tiny_config):
    from workbench.training import run_preflight

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


# --------------------------------------------------------------------------- degenerate data through the CLI


def _validate_in_process(tiny_config, tmp_path, capsys, name, content):
    from workbench.cli import main
    from workbench.config import dump_config

    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    tiny_config.data.path = str(path)
    dump_config(tiny_config, tmp_path / "c.yaml")
    code = main(["validate", str(tmp_path / "c.yaml"), "--no-measure"])
    return code, capsys.readouterr()


def _degenerate():
    from tests.test_data import DEGENERATE

    return DEGENERATE


@pytest.mark.parametrize("name,content,needle", _degenerate(), ids=[c[0] for c in _degenerate()])
def test_validate_refuses_degenerate_data_in_one_line(tiny_config, tmp_path, capsys, name, content, needle):
    code, out = _validate_in_process(tiny_config, tmp_path, capsys, name, content)
    assert code == 2
    assert out.err.startswith("error: ") and out.err.count("\n") == 1 and needle in out.err
    assert "Traceback" not in out.err


def test_validate_accepts_bool_labels_and_warns_about_latin1(tiny_config, tmp_path, capsys):
    from tests.conftest import sentiment_frame

    frame = sentiment_frame().assign(label=lambda d: d["label"] == "positive")
    frame = frame.drop_duplicates("text")  # no copies to drop: the note below is the only warning
    rows = frame.to_csv(index=False).replace("a delight", "caf\xe9 delight")
    code, out = _validate_in_process(tiny_config, tmp_path, capsys, "b.csv", rows.encode("latin-1"))
    assert code == 0, out.err
    assert "labels: both models predict 2 labels: False, True" in out.out
    assert "[warn ] data: b.csv is not valid UTF-8" in out.out


@pytest.mark.slowish
@pytest.mark.parametrize(
    "name,content,needle",
    [
        ("allempty.csv", "text,label\n,0\n  ,1\n,0\n", "no usable rows: all 3 texts are empty"),
        ("junk.csv", bytes(range(256)) * 20, "holds binary data"),
    ],
)
def test_cli_subprocess_degenerate_data_exit_2_without_traceback(tiny_config, tmp_path, name, content, needle):
    from tests.test_cli import cli
    from workbench.config import dump_config

    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    tiny_config.data.path = str(path)
    dump_config(tiny_config, tmp_path / "c.yaml")
    out = cli("validate", str(tmp_path / "c.yaml"), "--no-measure")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1 and needle in out.stderr


@pytest.mark.slowish
def test_cli_hub_data_offline_exit_2_in_seconds(tiny_config, tmp_path):
    import time

    from tests.test_cli import cli
    from workbench.config import dump_config

    tiny_config.data.source, tiny_config.data.name = "hub", "no-such-org/no-such-dataset"
    dump_config(tiny_config, tmp_path / "c.yaml")
    start = time.perf_counter()
    out = cli("validate", str(tmp_path / "c.yaml"), "--no-measure", env={"HF_HUB_OFFLINE": "1"})
    assert time.perf_counter() - start < 60  # interpreter start-up included; the hub look-up itself is < 1 s
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    assert "could not load hub data set 'no-such-org/no-such-dataset'" in out.stderr


# --------------------------------------------------------------------------- teacher training overlap


def _csv(path, texts, labels=None):
    import pandas as pd

    pd.DataFrame({"text": texts, "label": labels or [i % 2 for i in range(len(texts))]}).to_csv(path, index=False)
    return str(path)


def _teacher_run(tmp_path, data_cfg, model_from=None):
    import shutil

    from workbench.config import RunConfig, dump_config

    folder = tmp_path / "teacher-run"
    if model_from:
        shutil.copytree(model_from, folder / "model")
    else:
        (folder / "model").mkdir(parents=True)
    cfg = RunConfig(name="teacher")
    cfg.data = data_cfg
    dump_config(cfg, folder / "config.yaml")
    return folder


def test_teacher_training_overlap_counts_eval_texts_the_teacher_trained_on(tmp_path):
    from workbench.config import DataConfig, ModelConfig
    from workbench.data import load_data, overlap_notes, teacher_run_folder, teacher_training_overlap

    seen = [f"seen review {i}" for i in range(40)]
    teacher_data = DataConfig(
        source="local",
        path=_csv(tmp_path / "t_train.csv", seen),
        validation_path=_csv(tmp_path / "t_val.csv", ["t val a", "t val b"]),
        test_path=_csv(tmp_path / "t_test.csv", ["t test a", "t test b"]),
    )
    run = _teacher_run(tmp_path, teacher_data)
    ours = load_data(
        DataConfig(
            source="local",
            path=_csv(tmp_path / "train.csv", [f"new review {i}" for i in range(40)]),
            validation_path=_csv(tmp_path / "val.csv", ["SEEN review 1", "seen  review 2", "fresh a", "fresh b"]),
            test_path=_csv(tmp_path / "test.csv", [" Seen Review 3"] + seen[4:8] + ["fresh c", "fresh d", "t val a"]),
        )
    )
    for name in (str(run), str(run / "model")):  # the run folder or its model/ folder
        assert teacher_run_folder(ModelConfig(source="run", name=name)) == run
    overlap = teacher_training_overlap(run, ours)
    assert overlap == {
        "checked": True,
        "teacher_train_size": 40,
        "validation": 2,
        "test": 5,  # "t val a" was the teacher's validation text: not counted as trained on
        "sizes": {"validation": 4, "test": 8},
    }
    assert overlap_notes(overlap) == [
        "the teacher was fine-tuned on 2 of the 4 validation texts: its validation accuracy is inflated",
        "the teacher was fine-tuned on 5 of the 8 test texts: its test accuracy is inflated",
    ]


def test_teacher_overlap_is_skipped_without_a_run_config(tmp_path, tiny_bert):
    from workbench.config import DataConfig, ModelConfig
    from workbench.data import load_data, overlap_notes, teacher_run_folder, teacher_training_overlap

    data = load_data(DataConfig(source="local", path=_csv(tmp_path / "a.csv", [f"r{i}" for i in range(40)])))
    assert teacher_run_folder(ModelConfig(source="local", name=str(tiny_bert))) is None
    assert teacher_run_folder(ModelConfig(source="bundled")) is None
    skipped = teacher_training_overlap(None, data)
    assert skipped["checked"] is False and overlap_notes(skipped) == []
    assert teacher_training_overlap(tmp_path, data)["checked"] is False  # a folder without config.yaml
    gone = _teacher_run(tmp_path, DataConfig(source="local", path=str(tmp_path / "moved.csv")))
    moved = teacher_training_overlap(gone, data)
    assert moved["checked"] is False and "data file not found" in moved["reason"]
    assert overlap_notes(moved)[0].startswith("teacher overlap not checked: the teacher's training data could not")


@pytest.mark.slowish
def test_distill_reports_the_teacher_overlap(tiny_config, tiny_bert, tmp_path):
    import dataclasses

    from workbench.data import load_data
    from workbench.data.textdata import normalise_text

    teacher_data = dataclasses.replace(tiny_config.data, seed=7)  # other seed: other carved splits
    run = _teacher_run(tmp_path, teacher_data, model_from=tiny_bert)
    tiny_config.teacher.source, tiny_config.teacher.name = "run", str(run)
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    report = read_report(run_dir)
    seen = {normalise_text(t) for t in load_data(teacher_data).train.texts}
    ours = load_data(tiny_config.data)
    expected = {s: sum(normalise_text(t) in seen for t in ours.split(s).texts) for s in ("validation", "test")}
    assert expected["test"] > 0
    got = report["teacher_overlap"]
    assert got["checked"] and {s: got[s] for s in expected} == expected
    n, size = expected["test"], len(ours.test)
    assert (
        f"the teacher was fine-tuned on {n} of the {size} test texts: its test accuracy is inflated"
        in (report["data"]["notes"])
    )
    # re-evaluating the run (e.g. to measure speed again) keeps the overlap and its note
    from workbench.training import evaluate_run

    again = evaluate_run(run_dir)
    assert again["teacher_overlap"] == got
    assert any("its test accuracy is inflated" in note for note in again["data"]["notes"])

"""Several students side by side (issue 18 item 9): the lineup's rows from fake run folders, what the runs do not
share, and run names that are never shared silently."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import workbench.runs.jobs
from tests.fakeruns import make_finished_distill
from workbench.config import RunConfig
from workbench.runs import candidates, default_pick, distinct_name, lineup, list_runs, unique_names
from workbench.runs.guided import launch_first_run
from workbench.runs.runner import prepare_run_dir

STUDENTS = {  # folder stamp: (given name, student kind, description, params, ms, test accuracy)
    "20261127-100000": ("cut-3", "layers", "MiniLM cut to 3 layers", 1000, 7.0, 0.78),
    "20261127-110000": ("bilstm", "bilstm", "BiLSTM, 1 layer of 128 each way", 300, 1.0, 0.72),
    "20261127-120000": ("small", "scratch", "small transformer, 4 layers", 600, 3.5, 0.75),
}


def edit(path: Path, fn) -> None:
    """Apply `fn` to a run's config.yaml or report.json in place."""
    load, dump = (yaml.safe_load, yaml.safe_dump) if path.suffix == ".yaml" else (json.loads, json.dumps)
    data = load(path.read_text())
    fn(data)
    path.write_text(dump(data))


def make_student(root: Path, stamp: str, name: str, kind: str, description: str, params: int, ms: float, acc: float):
    """A finished distillation run of a `kind` student named `name` (the teacher: 2000 parameters, 14 ms, 80%)."""
    run = make_finished_distill(root, f"{stamp}-distill-{name}")

    def config(cfg):
        cfg["name"], cfg["student"]["kind"] = name, kind

    def report(rep):
        s = rep["student"]
        s["description"], s["params"]["total"], s["size_bytes"] = description, params, params * 4
        s["latency_ms"] = {"batch_1": ms, "batch_32": ms / 3}
        s["test"]["accuracy"] = acc
        rep["comparison"]["speedup"]["batch_1"] = 14.0 / ms
        rep["comparison"]["accuracy_share_test"] = acc / 0.8

    edit(run / "config.yaml", config)
    edit(run / "report.json", report)
    edit(run / "status.json", lambda s: s.update(name=name))  # as the runner writes it
    return run


def three_students(root: Path) -> dict[str, Path]:
    return {v[0]: make_student(root, stamp, *v) for stamp, v in STUDENTS.items()}


def test_teacher_once_then_each_student_with_size_speed_and_accuracy(runs_dir):
    runs = three_students(runs_dir)
    infos = candidates(list_runs(runs_dir))
    table = lineup(infos)
    assert table.differs == []
    teacher, *students = table.rows
    assert teacher["role"] == "teacher" and teacher["params"] == 2000 and teacher["ms_per_sentence"] == 14.0
    assert teacher["accuracy"] == 0.8 and teacher["speedup"] == 1.0
    assert teacher["architecture"] == "bundled all-MiniLM-L6-v2"
    by_name = {r["name"]: r for r in students}
    assert set(by_name) == {"cut-3", "bilstm", "small"}  # the given names, not the folder ids
    bilstm = by_name["bilstm"]
    assert bilstm["run_id"] == runs["bilstm"].name and bilstm["kind"] == "bilstm"
    assert bilstm["architecture"] == "BiLSTM, 1 layer of 128 each way"
    assert (bilstm["params"], bilstm["size_bytes"], bilstm["ms_per_sentence"]) == (300, 1200, 1.0)
    assert bilstm["speedup"] == 14.0 and bilstm["accuracy"] == 0.72
    assert abs(bilstm["accuracy_kept"] - 0.9) < 1e-9 and bilstm["agreement"] == 0.75
    assert bilstm["baseline_accuracy"] is None  # no run without the teacher


def test_a_students_baseline_accuracy_is_in_its_row(runs_dir):
    runs = three_students(runs_dir)
    base = make_student(runs_dir, "20261127-130000", "bilstm-no-teacher", "bilstm", "BiLSTM", 300, 1.0, 0.66)
    edit(base / "config.yaml", lambda c: c["distill"].update(alpha=0.0))
    edit(base / "report.json", lambda r: r.update(alpha=0.0))
    rows = lineup([i for i in candidates(list_runs(runs_dir)) if i.run_dir == runs["bilstm"]]).rows
    assert rows[1]["baseline_accuracy"] == 0.66


def test_default_pick_is_the_newest_of_each_architecture_without_baselines(runs_dir):
    runs = three_students(runs_dir)
    newer = make_student(runs_dir, "20261127-140000", "bilstm-again", "bilstm", "BiLSTM, 1 layer of 128 each way",
                         300, 1.0, 0.73)  # fmt: skip
    base = make_student(runs_dir, "20261127-150000", "x-no-teacher", "layers", "no teacher", 1000, 7.0, 0.7)
    edit(base / "report.json", lambda r: r.update(alpha=0.0))
    picked = default_pick(list_runs(runs_dir))
    assert picked == [newer.name, runs["small"].name, runs["cut-3"].name]


def test_runs_on_other_data_or_another_teacher_are_flagged(runs_dir):
    runs = three_students(runs_dir)
    edit(runs["bilstm"] / "config.yaml", lambda c: c["data"].update(max_eval_examples=50))
    infos = candidates(list_runs(runs_dir))
    assert lineup(infos).differs == ["data", "test split"]
    edit(runs["small"] / "config.yaml", lambda c: c["teacher"].update(source="hub", name="bert-base-uncased"))
    assert lineup(candidates(list_runs(runs_dir))).differs == ["teacher", "data", "test split"]
    # other training data alone (a larger sample) keeps the test split
    edit(runs["bilstm"] / "config.yaml", lambda c: c["data"].update(max_eval_examples=None, max_train_examples=500))
    assert lineup(candidates(list_runs(runs_dir))).differs == ["teacher", "data"]
    # a different data set is not picked by default beside the newest run's
    assert runs["bilstm"].name not in default_pick(list_runs(runs_dir))


def test_names_shared_by_old_runs_are_told_apart(runs_dir):
    a = make_student(runs_dir, "20261127-100000", "demo", "layers", "cut", 1000, 7.0, 0.78)
    b = make_student(runs_dir, "20261127-110000", "demo", "bilstm", "BiLSTM", 300, 1.0, 0.72)
    edit(a / "status.json", lambda s: s.update(created=1_800_000_000.0))
    edit(b / "status.json", lambda s: s.update(created=1_800_003_600.0))
    names = unique_names(candidates(list_runs(runs_dir)))
    assert len(set(names.values())) == 2 and all(n.startswith("demo (") for n in names.values())
    edit(b / "status.json", lambda s: s.update(created=1_800_000_000.0))  # the same minute: the run id says it
    names = unique_names(candidates(list_runs(runs_dir)))
    assert names[b.name] == f"demo ({b.name})" and len(set(names.values())) == 2


def test_a_new_run_never_shares_a_name_silently(runs_dir, monkeypatch):
    make_student(runs_dir, "20261127-100000", "bilstm", "bilstm", "BiLSTM", 300, 1.0, 0.72)
    assert distinct_name("bilstm", runs_dir) == "bilstm-2"
    assert distinct_name("cut-3", runs_dir) == "cut-3"
    monkeypatch.setattr(workbench.runs.jobs, "_spawn", lambda *a: None)  # nothing trains
    cfg = RunConfig(name="bilstm")
    first = workbench.runs.jobs.launch(cfg, "distill", runs_dir)
    second = workbench.runs.jobs.launch(cfg, "distill", runs_dir)
    assert cfg.name == "bilstm"  # the caller's config is left as it was
    assert [json.loads((d / "status.json").read_text())["name"] for d in (first, second)] == ["bilstm-2", "bilstm-3"]
    assert yaml.safe_load((second / "config.yaml").read_text())["name"] == "bilstm-3"
    assert second.name.endswith("-distill-bilstm-3")
    # the CLI's own folder (no --run-dir) too; the name is set on the config the run goes on with
    cli_cfg = RunConfig(name="bilstm")
    prepare_run_dir(cli_cfg, "distill", None)
    assert cli_cfg.name == "bilstm-4"


def test_the_guided_story_keeps_its_three_runs_on_one_number(runs_dir, monkeypatch):
    monkeypatch.setattr(workbench.runs.jobs, "_spawn", lambda *a: None)
    launch_first_run(RunConfig(name="demo"), runs_dir)
    dirs = launch_first_run(RunConfig(name="demo"), runs_dir)
    names = {role: json.loads((d / "status.json").read_text())["name"] for role, d in dirs.items()}
    assert names == {"teacher": "demo-2-teacher", "distilled": "demo-2-distilled", "baseline": "demo-2-baseline"}

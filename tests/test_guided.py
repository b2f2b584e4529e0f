"""The guided first run: three chained runs (teacher -> distilled -> alpha = 0 baseline).

The background chain is run for real (three CLI processes on tiny models): the students must wait
for the teacher, use its model, and the baseline must differ from the distilled run only in what
carries the teacher's signal (alpha, intermediate losses, transfer set, extra teachers).
Waiting and failure propagation are also pinned without training, on hand-written status files.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from pathlib import Path

import pytest

from workbench.config import dump_config, load_config
from workbench.core import read_json
from workbench.runs import chain, guided, read_status, write_status


def _wait_all(dirs: dict[str, Path], timeout: float = 400) -> dict[str, dict]:
    from workbench.runs import refresh

    deadline = time.time() + timeout
    while time.time() < deadline:
        statuses = {r: refresh(d) for r, d in dirs.items()}
        if all(s.get("state") in ("finished", "failed", "stopped") for s in statuses.values()):
            return statuses
        time.sleep(0.5)
    raise AssertionError(f"runs did not end: { {r: read_status(d) for r, d in dirs.items()} }")


def test_first_run_configs_differ_only_in_alpha(tiny_config):
    teacher, distilled, baseline = guided.first_run_configs(tiny_config, "/runs/t", group="g1")
    assert (teacher.role, distilled.role, baseline.role) == ("teacher", "distilled", "baseline")
    assert teacher.group == distilled.group == baseline.group == "g1"
    assert teacher.after is None and distilled.after == "/runs/t"
    assert (distilled.teacher.source, distilled.teacher.name) == ("run", "/runs/t")
    assert distilled.distill.alpha == tiny_config.distill.alpha > 0 and baseline.distill.alpha == 0
    from workbench.runs.baseline import _comparable

    assert _comparable(distilled) == _comparable(baseline)
    baseline.training.epochs += 1
    assert _comparable(distilled) != _comparable(baseline)


def test_the_guided_baseline_learns_from_the_labels_alone(tiny_config):
    """A draft with intermediate losses, a transfer set or extra teachers: the baseline drops them all,
    or it would still learn from the teacher and the gap would not be what the teacher bought."""
    tiny_config.distill.hidden_weight, tiny_config.distill.attention_weight = 0.5, 0.25
    tiny_config.transfer.augment_factor, tiny_config.extra_teachers = 2, ["/runs/other-teacher"]
    _, distilled, baseline = guided.first_run_configs(tiny_config, "/runs/t", group="g1")
    assert (distilled.distill.hidden_weight, distilled.transfer.augment_factor) == (0.5, 2)
    assert (baseline.distill.alpha, baseline.distill.hidden_weight, baseline.distill.attention_weight) == (0, 0, 0)
    assert baseline.transfer.augment_factor == 0 and baseline.extra_teachers == []
    assert (baseline.teacher.name, baseline.after, baseline.role) == ("/runs/t", "/runs/t", "baseline")


@pytest.mark.slowish  # trains for seconds
def test_background_chain_waits_uses_teacher_and_matches_steps(tiny_config, tmp_path):
    root = tmp_path / "runs"
    dirs = guided.launch_first_run(tiny_config, root)
    # all three exist at once; the students cannot have started while the teacher is not finished
    assert set(dirs) == {"teacher", "distilled", "baseline"}
    statuses = _wait_all(dirs)
    assert {r: s["state"] for r, s in statuses.items()} == dict.fromkeys(dirs, "finished"), statuses
    t, d, b = statuses["teacher"], statuses["distilled"], statuses["baseline"]
    assert d["started"] >= t["ended"] and b["started"] >= d["ended"]  # waited, in order
    assert d.get("waiting_for") is None and b.get("waiting_for") is None
    dcfg, bcfg = load_config(dirs["distilled"] / "config.yaml"), load_config(dirs["baseline"] / "config.yaml")
    assert Path(dcfg.teacher.name) == dirs["teacher"] and Path(bcfg.teacher.name) == dirs["teacher"]
    reports = {r: read_json(p / "report.json") for r, p in dirs.items()}
    assert reports["baseline"]["alpha"] == 0 and reports["distilled"]["alpha"] == tiny_config.distill.alpha
    assert reports["baseline"]["training"]["total_steps"] == reports["distilled"]["training"]["total_steps"] > 0
    assert {r: (rep["group"], rep["role"]) for r, rep in reports.items()} == {r: (t["group"], r) for r in dirs}
    assert {s["group"] for s in statuses.values()} == {t["group"]}
    # the students' teacher is the fine-tuned one: same test accuracy as the teacher run's own report
    assert reports["distilled"]["teacher"]["test"]["accuracy"] == reports["teacher"]["teacher"]["test"]["accuracy"]
    assert guided.find_baseline(dirs["distilled"]) == dirs["baseline"]
    assert guided.find_baseline(dirs["baseline"]) is None


@pytest.mark.slowish  # trains for seconds
def test_failed_teacher_fails_its_dependants_with_one_line(tiny_config, tmp_path):
    tiny_config.data.path = str(tmp_path / "missing.csv")  # the teacher fails while loading its data
    dirs = guided.launch_first_run(tiny_config, tmp_path / "runs")
    statuses = _wait_all(dirs)
    assert [statuses[r]["state"] for r in ("teacher", "distilled", "baseline")] == ["failed"] * 3
    reason = f"the teacher run {dirs['teacher'].name} failed"
    assert statuses["distilled"]["error"] == reason and statuses["baseline"]["error"] == reason
    assert not (dirs["distilled"] / "report.json").exists()


def _fake_run(root: Path, name: str, **status) -> Path:
    d = root / name
    d.mkdir(parents=True)
    write_status(d, **status)
    return d


def test_waiting_run_goes_on_when_prerequisite_finishes(tiny_config, tmp_path):
    teacher = _fake_run(tmp_path, "t", state="running", kind="teacher", role="teacher", pid=os.getpid())
    me = _fake_run(tmp_path, "s", state="queued", kind="distill")
    tiny_config.after = str(teacher)
    out = []
    th = threading.Thread(target=lambda: out.append(chain.wait_for_prerequisite(tiny_config, me, lambda: False, 0.05)))
    th.start()
    time.sleep(0.3)
    assert th.is_alive() and read_status(me)["waiting_for"] == str(teacher)
    assert read_status(me)["waiting_for_label"] == "the teacher run t"
    write_status(teacher, state="finished")
    th.join(5)
    assert out == [None] and read_status(me)["waiting_for"] is None


@pytest.mark.parametrize(("state", "verb"), [("failed", "failed"), ("stopped", "was stopped")])
def test_waiting_run_fails_when_prerequisite_does_not_finish(tiny_config, tmp_path, state, verb):
    teacher = _fake_run(tmp_path, "t", state=state, kind="teacher", role="teacher")
    me = _fake_run(tmp_path, "s", state="queued", kind="distill")
    tiny_config.after = str(teacher)
    assert chain.wait_for_prerequisite(tiny_config, me, lambda: False, 0.05) == f"the teacher run t {verb}"


def test_dead_prerequisite_counts_as_failed(tiny_config, tmp_path):
    teacher = _fake_run(tmp_path, "t", state="running", kind="teacher", pid=2**22 + 12345)  # no such process
    me = _fake_run(tmp_path, "s", state="queued", kind="distill")
    tiny_config.after = str(teacher)
    assert chain.wait_for_prerequisite(tiny_config, me, lambda: False, 0.05) == "the teacher run t failed"


def test_stop_while_waiting(tiny_config, tmp_path):
    teacher = _fake_run(tmp_path, "t", state="running", kind="teacher", pid=os.getpid())
    me = _fake_run(tmp_path, "s", state="queued", kind="distill")
    tiny_config.after = str(teacher)
    assert chain.wait_for_prerequisite(tiny_config, me, lambda: True, 0.05) == "stopped"


@pytest.mark.slowish
def test_execute_fails_a_blocked_run_without_training(tiny_config, tmp_path):
    from workbench.runs import execute, prepare_run_dir

    teacher = _fake_run(tmp_path, "t", state="failed", kind="teacher", role="teacher", error="boom")
    tiny_config.after = str(teacher)
    run_dir = prepare_run_dir(tiny_config, "distill", tmp_path / "s")
    assert execute("distill", tiny_config, run_dir) == 2
    st = read_status(run_dir)
    assert (st["state"], st["error"]) == ("failed", "the teacher run t failed")
    assert not (run_dir / "metrics.jsonl").exists() or not (run_dir / "metrics.jsonl").read_text()


def test_find_baseline_without_group_matches_config_but_alpha(tiny_config, tmp_path):
    def run(name: str, alpha: float, state: str = "finished", **changes) -> Path:
        d = _fake_run(tmp_path, name, state=state, kind="distill")
        cfg = copy.deepcopy(tiny_config)
        cfg.name, cfg.distill.alpha = name, alpha
        for k, v in changes.items():
            setattr(cfg.training, k, v)
        dump_config(cfg, d / "config.yaml")
        return d

    distilled = run("a-distilled", 0.5)
    run("b-other-epochs", 0.0, epochs=5)  # not the same experiment
    run("c-unfinished", 0.0, state="running")
    assert guided.find_baseline(distilled) is None
    twin = run("d-twin", 0.0)
    assert guided.find_baseline(distilled) == twin


@pytest.mark.slowish  # trains for seconds
def test_foreground_first_run(tiny_config, tmp_path, capsys):
    code, dirs = guided.run_first_run(tiny_config, tmp_path / "runs", poll_s=0.2)
    assert code == 0
    out = capsys.readouterr().out
    assert "[1/3] teacher" in out and "[3/3] baseline finished" in out
    assert guided.find_baseline(dirs["distilled"]) == dirs["baseline"]
    reports = {r: read_json(p / "report.json") for r, p in dirs.items()}
    assert reports["baseline"]["training"]["total_steps"] == reports["distilled"]["training"]["total_steps"]

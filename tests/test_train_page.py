"""The Train page's Current run: it follows the run the engine says trains, and a stopped run's card offers Resume.

Issue 18, items 3 and 7: after "Run the whole story" the page showed the waiting baseline (the newest
folder) as the current run while the teacher trained; and after Stop, Resume was only under History.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil

import workbench.runs.jobs
from tests.fakeruns import make_guided_chain, make_run
from tests.test_pages import page, texts
from ui.guided import LAST_SHOWN_KEY
from ui.wording import STARTING_RUN
from workbench.runs import training_line, write_status


def alive() -> dict:
    me = psutil.Process(os.getpid())
    return {"pid": me.pid, "pid_created": me.create_time()}


def header_of(at, run_dir: Path) -> bool:
    """Is `run_dir` drawn as a run card (the '**Kind** · `id` · state' line)?"""
    return any(f"`{run_dir.name}` ·" in str(m.value) for m in at.markdown)


# --------------------------------------------------------------------------- the engine's order


def test_training_line_puts_the_chain_in_order_not_newest_first(runs_dir):
    dirs = make_guided_chain(runs_dir)
    line = training_line()
    assert [r.run_dir for r in line] == [dirs[r].resolve() for r in ("teacher", "distilled", "baseline")]
    assert [r.after for r in line] == [None, dirs["teacher"].resolve(), dirs["distilled"].resolve()]
    assert [r.role for r in line] == ["teacher", "distilled", "baseline"]


def test_training_line_puts_the_running_run_first(runs_dir):
    older = make_run(runs_dir, "20261127-110000-distill-older", state="queued", created=10.0, **alive())
    now = make_run(runs_dir, "20261127-100000-teacher-now", kind="teacher", state="running", created=20.0, **alive())
    newest = make_run(runs_dir, "20261127-115000-distill-newest", state="queued", created=30.0)
    make_run(runs_dir, "20261127-090000-distill-done", state="finished")
    line = training_line()
    assert [r.run_dir.name for r in line] == [now.name, older.name, newest.name]
    assert all(r.after is None for r in line)


# --------------------------------------------------------------------------- item 3: the current run


def test_current_run_is_the_running_teacher_and_the_students_show_as_queued(runs_dir):
    dirs = make_guided_chain(runs_dir)
    group = {"group": "first-run-20261127-1200"}
    write_status(dirs["teacher"], state="running", role="teacher", phase="training", **group, **alive())
    waiting_label = f"the teacher run {dirs['teacher'].name}"
    write_status(
        dirs["distilled"], role="distilled", waiting_for=str(dirs["teacher"]), waiting_for_label=waiting_label, **group
    )
    write_status(dirs["distilled"], **alive())  # its process waits for the teacher; the baseline's has not started
    at = page("train").run()
    assert not at.exception
    assert header_of(at, dirs["teacher"]) and not header_of(at, dirs["baseline"])
    assert Path(at.session_state[LAST_SHOWN_KEY]) == dirs["teacher"].resolve()
    assert at.button(key=f"stop_live_{dirs['teacher'].name}")  # the live panel is the teacher's
    said = texts(at.info)
    teacher, distilled, baseline = (dirs[r].name for r in ("teacher", "distilled", "baseline"))
    assert f"`{distilled}` is waiting: it starts when the teacher's fine-tuning `{teacher}` finishes." in said
    assert f"`{baseline}` is waiting: it starts when the distillation `{distilled}` finishes." in said


def test_current_run_is_the_teacher_before_any_process_started(runs_dir):
    """Right after the launch all three read 'queued': the teacher is next, not the newest folder."""
    dirs = make_guided_chain(runs_dir)
    at = page("train").run()
    assert not at.exception
    assert header_of(at, dirs["teacher"]) and not header_of(at, dirs["baseline"])
    assert Path(at.session_state[LAST_SHOWN_KEY]) == dirs["teacher"].resolve()
    said = texts(at.info)
    assert f"`{dirs['baseline'].name}` is waiting" in said and f"`{dirs['distilled'].name}` is waiting" in said
    assert f"`{dirs['teacher'].name}` is waiting" not in said
    assert STARTING_RUN in [p.proto.text for p in at.get("progress")]  # not "another run is training"


def test_guided_steps_say_what_each_waits_for(runs_dir):
    dirs = make_guided_chain(runs_dir)
    group = {"group": "first-run-20261127-1200"}
    write_status(dirs["teacher"], role="teacher", **group, **alive())  # its process started, before "running"
    label = f"the teacher run {dirs['teacher'].name}"
    write_status(dirs["distilled"], role="distilled", waiting_for=str(dirs["teacher"]), waiting_for_label=label)
    write_status(dirs["distilled"], **group, **alive())
    at = page("train").run()
    said = texts(at.markdown)
    assert "**Step 1/3 · Fine-tune the teacher**: starting" in said
    assert f"**Step 2/3 · Distil the student from it**: waiting for {label} to finish" in said


# --------------------------------------------------------------------------- item 7: Resume on the run's card


def checkpoint(run_dir: Path, step: int) -> None:
    (run_dir / "checkpoint").mkdir()
    for name in ("state.pt", "model.safetensors"):
        (run_dir / "checkpoint" / name).write_bytes(b"x")
    position = {"step": step, "epoch": 1, "batch": 3, "best_accuracy": 0.7, "best_step": 30}
    (run_dir / "checkpoint" / "position.json").write_text(
        json.dumps({**position, "elapsed_s": 9.0, "examples_seen": 640})
    )


def test_a_stopped_runs_own_card_offers_resume(runs_dir, monkeypatch):
    run = make_run(runs_dir, "20261127-120000-distill-live", state="running", phase="training", **alive())
    resumed = []
    monkeypatch.setattr(workbench.runs.jobs, "resume", lambda d: resumed.append(Path(d)) or d)
    at = page("train").run()
    assert header_of(at, run) and not any(b.label.startswith("Resume") for b in at.button)
    write_status(run, state="stopped", ended=1.0)  # what Stop leads to, a step later
    checkpoint(run, 40)
    at.run()
    assert not at.exception
    assert "This is the last run you watched" in texts(at.caption)
    button = at.button(key="resume_last")  # on the run's own card, under Current run
    assert button.label == "Resume from step 40" and button.proto.type == "primary"
    button.click().run()
    assert not at.exception
    assert resumed == [run.resolve()]


def test_a_stopped_runs_card_says_why_it_cannot_resume(runs_dir):
    run = make_run(runs_dir, "20261127-120000-distill-early", state="stopped")
    at = page("train")
    at.session_state[LAST_SHOWN_KEY] = str(run)
    at.run()
    assert not at.exception
    assert not any(b.label.startswith("Resume") for b in at.button)
    assert "cannot be resumed: it ended before it saved any progress" in texts(at.caption)


def test_a_finished_distillations_own_card_leads_to_compare(runs_dir):
    """The run a demo-giver just watched ends: its card under Current run offers the comparison (before, only
    History did, and History may have another run open)."""
    from tests.fakeruns import make_finished_distill
    from tests.test_guided_ui import app

    run = make_finished_distill(runs_dir)
    at = app().run()
    at.session_state[LAST_SHOWN_KEY] = str(run)
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert "This is the last run you watched" in texts(at.caption)
    button = at.button(key="compare_last")
    assert button.label == "Compare teacher and student"
    button.click().run()
    assert not at.exception
    assert at.title[0].value == "Compare"
    assert at.selectbox(key="cmp_run").value == run.name

"""The best checkpoint, early stopping and several validation passes an epoch, on the loop's toy model.

Validation accuracy is scripted (the loop's `classification_metrics` replaced by a list of values), so
which evaluation is the best is known in advance; the model's weights are copied at every eval event
to check that the weights kept at the end are that evaluation's.
"""

import pytest
import torch

import workbench.training.loop as loop
from tests.fakeruns import make_finished_distill
from tests.test_pages import page, texts
from tests.test_train_loop import run, toy_config, toy_encoded, toy_model
from ui.guided import LAST_SHOWN_KEY
from ui.wording import kept_weights_line
from workbench.config import RunConfig, from_dict, to_dict, validate_values
from workbench.core import WorkbenchError
from workbench.evaluation import training_info
from workbench.training.schedule import eval_offsets


@pytest.fixture
def scripted(monkeypatch):
    """`scripted(values)`: the validation accuracies the loop sees, one per evaluation, in order."""
    values: list[float] = []

    def fake_metrics(labels, predictions, num_labels):
        return {"accuracy": values.pop(0), "macro_f1": 0.0}

    monkeypatch.setattr(loop, "classification_metrics", fake_metrics)
    return values.extend


def snapshot_at_evals(model, events):
    """An emit that keeps the events and, at each eval event, a copy of the model's weights by step."""
    weights: dict[int, dict[str, torch.Tensor]] = {}

    def emit(event):
        events.append(event)
        if event["type"] == "eval":
            weights[event["step"]] = {k: v.detach().clone() for k, v in model.state_dict().items()}

    return emit, weights


def same_weights(model, expected):
    return all(torch.equal(v, expected[k]) for k, v in model.state_dict().items())


def train(tc, model, **kwargs):
    """The loop on 12 toy examples (6 steps an epoch at batch 2); returns (result, events, weights by eval step)."""
    events: list[dict] = []
    emit, weights = snapshot_at_evals(model, events)
    result, _ = run(tc, model, toy_encoded(12), events=_Emit(emit), **kwargs)
    return result, events, weights


class _Emit:
    """`run` emits through its events list's `append`: this one is the snapshotting emit."""

    def __init__(self, emit):
        self.append = emit


def test_eval_offsets_spread_the_passes_evenly_over_an_epoch():
    assert eval_offsets(319, 4) == {80, 160, 240, 319}
    assert eval_offsets(6, 3) == {2, 4, 6}
    assert eval_offsets(2, 4) == {1, 2}  # fewer steps than passes: every step
    assert eval_offsets(5, 1) == {5}  # once an epoch: at its end


@pytest.mark.slowish
def test_evals_per_epoch_gives_that_many_eval_rows(scripted):
    scripted([0.5] * 6)
    result, events, _ = train(toy_config(evals_per_epoch=3), toy_model())
    assert [e["step"] for e in events if e["type"] == "eval"] == [2, 4, 6, 8, 10, 12]
    assert result.evaluations == 6


@pytest.mark.slowish
def test_the_saved_weights_are_the_best_evaluations(scripted):
    scripted([0.5, 0.9, 0.6, 0.9, 0.7, 0.8])  # best at the 2nd pass (step 4); the tie at step 8 keeps it
    model = toy_model()
    result, _, weights = train(toy_config(evals_per_epoch=3), model)
    assert result.state == "finished" and result.steps == 12
    assert result.best_step == result.kept_step == 4 and result.best_accuracy == 0.9
    assert result.best_epoch == round(4 / 6, 4)
    assert same_weights(model, weights[4])
    assert not same_weights(model, weights[12])  # really put back, not the last step's


@pytest.mark.slowish
def test_without_keep_best_the_last_steps_weights_stay(scripted):
    scripted([0.5, 0.9, 0.6, 0.6, 0.7, 0.8])
    model = toy_model()
    result, _, weights = train(toy_config(evals_per_epoch=3, keep_best=False), model)
    assert result.best_step == 4 and result.kept_step == 12
    assert same_weights(model, weights[12])


@pytest.mark.slowish
def test_early_stopping_ends_after_patience_passes_without_a_better_one(scripted):
    scripted([0.5, 0.9, 0.9, 0.8, 0.95, 0.99])  # a tie is no improvement: passes 3 and 4 count
    model = toy_model()
    result, events, weights = train(toy_config(evals_per_epoch=3, early_stopping_patience=2), model)
    assert result.state == "finished"  # an early stop is a finished run, not a stopped one
    assert result.stopped_early_at == result.steps == 8 < result.total_steps == 12
    assert [e["step"] for e in events if e["type"] == "eval"] == [2, 4, 6, 8]
    assert max(e["step"] for e in events if e["type"] == "step") == 8
    assert result.best_step == 4 and same_weights(model, weights[4])


@pytest.mark.slowish
def test_no_early_stop_without_patience(scripted):
    scripted([0.9, 0.1, 0.1, 0.1, 0.1, 0.1])
    result, _, _ = train(toy_config(evals_per_epoch=3), toy_model())
    assert result.steps == 12 and result.stopped_early_at is None


@pytest.mark.slowish
def test_resume_keeps_the_best_weights_and_the_early_stopping_count(scripted, tmp_path):
    ckpt = tmp_path / "checkpoint"
    tc = toy_config(evals_per_epoch=3, early_stopping_patience=3)
    scripted([0.5, 0.9, 0.4])  # passes at steps 2, 4, 6; stop asked after step 6
    first_events: list[dict] = []

    def stop_after_six():
        return any(e["type"] == "step" and e["step"] >= 6 for e in first_events)

    first_model = toy_model()
    emit, first_weights = snapshot_at_evals(first_model, first_events)
    result, _ = run(
        tc, first_model, toy_encoded(12), events=_Emit(emit), checkpoint_dir=ckpt, should_stop=stop_after_six
    )
    assert result.state == "stopped" and result.steps == 6

    scripted([0.3, 0.3, 0.3])  # after the resume: one pass since the best already counted, two more end it
    model = toy_model()
    result, events, _ = train(tc, model, checkpoint_dir=ckpt, resume=True)
    assert [e["step"] for e in events if e["type"] == "eval"] == [8, 10]
    assert result.state == "finished" and result.stopped_early_at == 10
    assert result.best_step == 4 and result.evaluations == 5
    assert same_weights(model, first_weights[4])  # the best of before the resume, from the checkpoint


@pytest.mark.slowish
@pytest.mark.parametrize("kind", ["teacher", "distill"])
def test_a_run_that_stops_early_finishes_and_its_report_says_so(kind, tiny_config, monkeypatch):
    """Teacher fine-tuning and distillation both go through the loop: patience 1, validation worse after the first pass."""
    from workbench.runs import execute, prepare_run_dir, read_metrics, read_report, read_status

    accuracies = iter([0.9] + [0.5] * 100)
    monkeypatch.setattr(loop, "classification_metrics", lambda *a: {"accuracy": next(accuracies), "macro_f1": 0.0})
    tc = tiny_config.teacher_training if kind == "teacher" else tiny_config.training
    tc.early_stopping_patience = 1
    run_dir = prepare_run_dir(tiny_config, kind, None)
    assert execute(kind, tiny_config, run_dir) == 0
    assert read_status(run_dir)["state"] == "finished"
    evals = [e["step"] for e in read_metrics(run_dir) if e["type"] == "eval"]
    training = read_report(run_dir)["training"]
    assert len(evals) == 2 and training["stopped_early"] is True and training["stopped_early_at"] == evals[1]
    assert training["steps"] == evals[1] < training["total_steps"]
    assert training["best"] == {
        "step": evals[0],
        "epoch": training["best"]["epoch"],
        "metric": "accuracy",
        "value": 0.9,
    }
    assert training["kept_step"] == evals[0] and training["patience"] == 1
    assert not (run_dir / "checkpoint").exists()  # finished: nothing left to resume


def test_report_training_block_says_which_step_was_kept_and_why_it_ended():
    result = loop.LoopResult(
        "finished", 8, 12, 0.9, 4, 1.0, 16, best_epoch=0.6667, kept_step=4, evaluations=4, stopped_early_at=8,
        patience=2,
    )  # fmt: skip
    info = training_info(result)
    assert info["best"] == {"step": 4, "epoch": 0.6667, "metric": "accuracy", "value": 0.9}
    assert info["kept_step"] == 4 and info["steps"] == 8 and info["total_steps"] == 12
    assert info["stopped_early"] is True and info["stopped_early_at"] == 8 and info["patience"] == 2
    never = training_info(loop.LoopResult("stopped", 0, 12, -1.0, 0, 0.1, 0))
    assert never["best"] is None and never["stopped_early"] is False


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("evals_per_epoch", 0, "training.evals_per_epoch must be at least 1, got 0"),
        ("early_stopping_patience", -1, "training.early_stopping_patience must be 0 or more, got -1"),
    ],
)
def test_bad_settings_are_one_line_errors(field, value, words):
    cfg = RunConfig()
    setattr(cfg.training, field, value)
    with pytest.raises(WorkbenchError) as err:
        validate_values(cfg)
    assert str(err.value) == words and "\n" not in str(err.value)
    assert err.value.code == "config.out_of_range" and err.value.facts["field"] == f"training.{field}"


def test_a_config_written_before_these_settings_loads_with_their_defaults():
    old = to_dict(RunConfig())
    for section in ("training", "teacher_training"):
        for key in ("evals_per_epoch", "keep_best", "early_stopping_patience"):
            del old[section][key]
    cfg = from_dict(RunConfig, old)
    assert (cfg.training.evals_per_epoch, cfg.training.keep_best, cfg.training.early_stopping_patience) == (4, True, 0)


# --------------------------------------------------------------------------- what people read


def test_kept_weights_line_says_the_step_kept_and_the_early_stop():
    best = {"step": 80, "epoch": 0.25, "metric": "accuracy", "value": 0.8123}
    training = {"best": best, "kept_step": 80, "stopped_early": False}
    assert kept_weights_line(training) == "Kept the weights from step 80 (best validation accuracy 81.2%)."
    training.update(stopped_early=True, stopped_early_at=240, patience=2, steps=240)
    assert kept_weights_line(training).endswith(
        "Stopped early at step 240: no better validation result for 2 evaluations."
    )
    last = kept_weights_line({"best": best, "kept_step": 319, "stopped_early": False})
    assert last == "Kept the last step's weights (step 319); the best validation accuracy, 81.2%, was at step 80."
    assert kept_weights_line({"steps": 10, "best_step": 5}) == ""  # a report from before: nothing to say
    assert kept_weights_line(None) == ""


def test_a_finished_runs_card_says_whose_weights_were_kept(runs_dir):
    import json

    run = make_finished_distill(runs_dir)
    report = json.loads((run / "report.json").read_text())
    report["training"] = {
        "steps": 240, "total_steps": 319, "best_step": 80, "kept_step": 80, "stopped_early": True,
        "stopped_early_at": 240, "patience": 2, "best": {"step": 80, "epoch": 0.25, "metric": "accuracy", "value": 0.8},
    }  # fmt: skip
    (run / "report.json").write_text(json.dumps(report))
    at = page("train")
    at.session_state[LAST_SHOWN_KEY] = str(run)
    at.run()
    assert not at.exception
    shown = texts(at.caption)
    assert "Kept the weights from step 80 (best validation accuracy 80.0%)." in shown
    assert "Stopped early at step 240: no better validation result for 2 evaluations." in shown


def test_train_page_sets_keep_best_and_patience_for_the_run(monkeypatch, runs_dir):
    import workbench.runs.jobs

    launched = []
    monkeypatch.setattr(
        workbench.runs.jobs, "launch", lambda cfg, kind, root=None: launched.append((cfg, kind)) or runs_dir
    )
    at = page("train").run()
    at.checkbox(key="dt_keep_best").uncheck()
    at.number_input(key="dt_patience").set_value(3)
    at.checkbox(key="dt_weak").check().run()
    next(b for b in at.button if b.label == "Distil the student").click().run()
    assert not at.exception
    (cfg, kind), *_ = launched
    assert kind == "distill" and cfg.training.keep_best is False and cfg.training.early_stopping_patience == 3


def test_cli_flags_reach_the_trained_section():
    from argparse import Namespace

    from workbench.cli import _apply_training_flags

    cfg = RunConfig()
    args = Namespace(command="teacher", evals_per_epoch=2, keep_best=False, early_stopping_patience=5)
    assert _apply_training_flags(args, cfg)
    tc = cfg.teacher_training
    assert (tc.evals_per_epoch, tc.keep_best, tc.early_stopping_patience) == (2, False, 5)
    assert cfg.training.evals_per_epoch == 4  # the student's section is not the one a teacher run trains
    none = Namespace(command="distill", evals_per_epoch=None, keep_best=None, early_stopping_patience=None)
    assert not _apply_training_flags(none, cfg)
    with pytest.raises(WorkbenchError, match="training.evals_per_epoch must be at least 1"):
        _apply_training_flags(Namespace(command="distill", evals_per_epoch=0, keep_best=None,
                                        early_stopping_patience=None), cfg)  # fmt: skip


def test_compare_says_an_early_stop_under_the_same_plan_is_no_unfair_step_count():
    from ui.summary import early_stop_plan
    from ui.wording import baseline_steps_sentence

    distilled = {"training": {"steps": 240, "total_steps": 319, "stopped_early": True}}
    baseline = {"training": {"steps": 319, "total_steps": 319, "stopped_early": False}}
    plan = early_stop_plan(distilled, baseline)
    assert plan == 319
    assert baseline_steps_sentence(240, 319, plan) == (
        "Both were planned for 319 training steps under the same early-stopping rule, which ended the distilled "
        "run after 240 and the one without the teacher after 319."
    )
    assert early_stop_plan(baseline, baseline) is None  # no early stop: the plain comparison of steps made
    older = {"training": {"steps": 120, "total_steps": 120, "stopped_early": False}}
    assert early_stop_plan(distilled, older) is None  # planned apart: still "train the baseline again"
    assert "Train the baseline again" in baseline_steps_sentence(240, 120, early_stop_plan(distilled, older))


@pytest.mark.slowish
def test_cli_flags_train_the_run_and_stay_in_its_config(tiny_config, tmp_path):
    from tests.test_cli import cli
    from workbench.config import dump_config, load_config
    from workbench.runs import read_metrics

    tiny_config.teacher_training.epochs = 1
    path = tmp_path / "c.yaml"
    dump_config(tiny_config, path)
    bad = cli("teacher", str(path), "--run-dir", str(tmp_path / "bad"), "--early-stopping-patience", "-1")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: teacher_training.early_stopping_patience must be 0 or more, got -1"
    run_dir = tmp_path / "run"
    out = cli("teacher", str(path), "--run-dir", str(run_dir), "--evals-per-epoch", "2", "--no-keep-best")
    assert out.returncode == 0, out.stderr[-2000:]
    kept = load_config(run_dir / "config.yaml").teacher_training  # what a resume would read
    assert kept.evals_per_epoch == 2 and kept.keep_best is False
    assert len([e for e in read_metrics(run_dir) if e["type"] == "eval"]) == 2

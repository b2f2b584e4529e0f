"""A fair baseline makes as many optimizer steps as the distilled run it is compared with (issue 18, 5b).

A transfer set lengthens every epoch of the distilled run; with equal epochs its baseline would
train less and the gap would mix the teacher's help with more training.
"""

from __future__ import annotations

import pytest

from workbench.config import RunConfig, TransferConfig, to_dict, validate_values
from workbench.core import WorkbenchError
from workbench.runs import baseline_config, baseline_steps, distilled_steps, read_report
from workbench.runs.baseline import planned_transfer_texts
from workbench.training import planned_steps

FAMILIES = {
    "layers": {"kind": "layers", "layers": [0, 2]},
    "scratch": {"kind": "scratch", "prune_vocab": False},
    "bilstm": {"kind": "bilstm"},
}
SIGNALS = ("kd", "transfer", "unlabelled", "intermediate", "extra_teachers", "everything")


def distilled_config(family: str, signal: str, tmp_path) -> RunConfig:
    cfg = RunConfig(name=f"{family}-{signal}")
    for key, value in FAMILIES[family].items():
        setattr(cfg.student, key, value)
    cfg.distill.alpha, cfg.distill.temperature = 0.5, 3.0
    cfg.training.batch_size, cfg.training.gradient_accumulation_steps, cfg.training.epochs = 16, 3, 2.5
    if signal in ("transfer", "everything"):
        cfg.transfer.augment_factor, cfg.transfer.max_examples = 4, 1500
    if signal in ("unlabelled", "everything"):
        path = tmp_path / "more.txt"
        path.write_text("".join(f"an unlabelled text number {i}\n" for i in range(37)), encoding="utf-8")
        cfg.transfer.unlabelled_path = str(path)
    if signal in ("intermediate", "everything") and family != "bilstm":  # the BiLSTM has no layers to match
        cfg.distill.hidden_weight, cfg.distill.attention_weight = 0.5, 0.25
    if signal in ("extra_teachers", "everything"):
        cfg.extra_teachers = ["runs/another-teacher"]
    validate_values(cfg)
    return cfg


def teacher_signals(cfg: RunConfig) -> tuple:
    d = cfg.distill
    return (d.alpha, d.hidden_weight, d.attention_weight, to_dict(cfg.transfer), cfg.extra_teachers)


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("signal", SIGNALS)
@pytest.mark.parametrize("n_train", [1, 250, 1001])
def test_the_baseline_plans_the_distilled_runs_steps_and_carries_no_teacher_signal(family, signal, n_train, tmp_path):
    cfg = distilled_config(family, signal, tmp_path)
    out = baseline_config(cfg, baseline_steps(cfg, n_train))
    want = planned_steps(cfg, n_train, planned_transfer_texts(cfg, n_train))
    assert planned_steps(out, n_train, planned_transfer_texts(out, n_train)) == want
    assert teacher_signals(out) == (0.0, 0.0, 0.0, to_dict(TransferConfig()), [])
    assert out.training.max_steps == want and cfg.training.max_steps is None  # the distilled config untouched
    validate_values(out)
    if signal in ("transfer", "everything") and n_train > 1:  # more passes over the labelled texts than epochs give
        assert want > planned_steps(RunConfig(training=cfg.training), n_train)


def test_the_planned_count_loads_the_data_when_a_transfer_set_needs_it():
    from workbench.data import load_data

    cfg = RunConfig(name="demo")
    cfg.transfer.augment_factor = 2
    n_train = len(load_data(cfg.data).train)
    assert baseline_config(cfg).training.max_steps == planned_steps(cfg, n_train, 2 * n_train)
    cfg.transfer.augment_factor = 0  # plain KD: the same data and epochs make the same steps anyway
    assert baseline_config(cfg).training.max_steps is None
    cfg.training.max_steps = 77  # a distilled run with fixed steps: its baseline makes them too
    assert baseline_config(cfg).training.max_steps == 77


def test_max_steps_must_be_positive():
    cfg = RunConfig()
    cfg.training.max_steps = 0
    with pytest.raises(WorkbenchError) as err:
        validate_values(cfg)
    assert err.value.code == "config.out_of_range" and err.value.facts["field"] == "training.max_steps"


def test_the_steps_sentence_says_whether_they_match():
    from ui.wording import baseline_steps_sentence

    assert "same number of training steps (2,517)" in baseline_steps_sentence(2517, 2517)
    assert "2,517 distilled, 957 without the teacher" in baseline_steps_sentence(2517, 957)
    assert "not known" in baseline_steps_sentence(None, 957)


@pytest.mark.slowish  # two tiny runs
def test_a_distilled_run_with_a_transfer_set_and_its_baseline_make_equal_steps(tiny_config, runs_dir):
    from workbench.runs import execute, prepare_run_dir, read_metrics

    def train(cfg):
        run_dir = prepare_run_dir(cfg, "distill", None)
        assert execute("distill", cfg, run_dir) == 0
        return run_dir

    tiny_config.transfer.augment_factor, tiny_config.training.epochs = 2, 1
    distilled = train(tiny_config)
    base = train(baseline_config(tiny_config, distilled_steps(distilled)))  # as Compare launches it
    steps = [read_report(d)["training"]["steps"] for d in (distilled, base)]
    assert steps[0] == steps[1] == read_report(distilled)["training"]["total_steps"]
    training = [next(e for e in read_metrics(d) if e.get("phase") == "training") for d in (distilled, base)]
    assert training[0]["total_steps"] == training[1]["total_steps"]
    assert training[1]["steps_per_epoch"] < training[0]["steps_per_epoch"]  # more passes over fewer texts
    assert read_report(base)["alpha"] == 0

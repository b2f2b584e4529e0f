"""Distillation runs with the intermediate-layer losses and with an ensemble of two teachers, on tiny models."""

import pytest
import torch
from safetensors.torch import load_file

from tests.conftest import tiny_bert_config
from workbench.models import load_classifier, predict_logits, tokenise
from workbench.runs import execute, prepare_run_dir, read_metrics, read_report, read_status
from workbench.training import pipeline


def steps_of(events):
    return [e for e in events if e["type"] == "step"]


@pytest.mark.slowish
def test_hidden_and_attention_losses_train_and_are_logged(tiny_config):
    tiny_config.distill.hidden_weight = 0.5
    tiny_config.distill.attention_weight = 2.0
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0, read_status(run_dir)
    steps = steps_of(read_metrics(run_dir))
    assert steps
    a = tiny_config.distill.alpha
    for e in steps:
        assert e["loss_hidden"] > 0 and e["loss_attention"] > 0
        # the logged parts are window means and the total is linear in them
        expected = a * e["loss_soft"] + (1 - a) * e["loss_hard"] + 0.5 * e["loss_hidden"] + 2.0 * e["loss_attention"]
        assert e["loss"] == pytest.approx(expected, rel=1e-4)
    # the saved student is a plain classifier: no projection weights
    saved = load_file(str(run_dir / "model" / "model.safetensors"))
    assert not any("layers." in k and "encoder" not in k for k in saved)
    assert read_report(run_dir)["student"]["architecture"]["layers"] == 2


@pytest.mark.slowish
def test_plain_distill_logs_no_intermediate_parts(tiny_config):
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0
    steps = steps_of(read_metrics(run_dir))
    assert steps and all(e["loss_hidden"] is None and e["loss_attention"] is None for e in steps)


@pytest.mark.slowish
def test_resume_restores_the_projections(tiny_config, tmp_path):
    """Stopped after 5 steps and resumed, a run with the hidden loss logs what an uninterrupted one does."""
    tiny_config.distill.hidden_weight = 1.0
    tiny_config.distill.alpha = 0.0  # the hidden loss, and the labels, alone
    tiny_config.training.log_every_steps = 1
    tiny_config.training.checkpoint_every_steps = 0

    def run(name, resume, stop_after=None):
        events = []
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        pipeline.run_distill(
            tiny_config,
            folder,
            events.append,
            lambda: stop_after is not None and len(steps_of(events)) >= stop_after,
            resume=resume,
        )
        return folder, steps_of(events)

    _, reference = run("reference", False)
    folder, first = run("stopped", False, stop_after=5)
    assert [e["step"] for e in first] == [1, 2, 3, 4, 5]
    assert (folder / "checkpoint" / "extra.safetensors").is_file()
    _, rest = run("stopped", True)
    assert [e["step"] for e in rest] == [e["step"] for e in reference[5:]]
    for got, want in zip(rest, reference[5:], strict=True):
        assert got["loss_hidden"] == pytest.approx(want["loss_hidden"], rel=1e-4, abs=1e-6)


@pytest.fixture
def second_teacher(tmp_path, bundled_tokenizer):
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(1)
    config = tiny_bert_config(bundled_tokenizer)
    config.id2label, config.label2id = {0: "negative", 1: "positive"}, {"negative": 0, "positive": 1}
    model = AutoModelForSequenceClassification.from_config(config)
    with torch.no_grad():  # outputs that differ from the main teacher's and from text to text
        model.classifier.weight.mul_(50.0)
        model.classifier.bias.copy_(torch.tensor([1.0, 0.0]))
    folder = tmp_path / "second_teacher"
    model.save_pretrained(folder, safe_serialization=True)
    bundled_tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.slowish
def test_two_teachers_the_student_learns_from_their_ensemble(tiny_config, second_teacher, monkeypatch):
    tiny_config.extra_teachers = [str(second_teacher)]
    tiny_config.training.epochs = 1
    tiny_config.distill.temperature = 3.0
    seen = []  # the teacher targets each batch was given

    def spy(student_logits, teacher_logits, labels, temperature, alpha):
        seen.append(teacher_logits.detach().clone())
        return real(student_logits, teacher_logits, labels, temperature, alpha)

    real = pipeline.distillation_loss
    monkeypatch.setattr(pipeline, "distillation_loss", spy)
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0, read_status(run_dir)
    report = read_report(run_dir)

    ens = report["ensemble"]
    assert ens["combine"] == "probs" and len(ens["members"]) == 2
    main_test = {k: v for k, v in report["teacher"]["test"].items() if k != "calibration"}
    assert ens["members"][0]["test"] == main_test  # the main teacher comes first
    assert ens["members"][1]["location"] == str(second_teacher)
    assert {"accuracy", "macro_f1"} <= set(ens["validation"]) and {"accuracy", "macro_f1"} <= set(ens["test"])
    assert sum("member" in i for i in report["teacher_logits"]) == 3  # the extra teacher's three splits

    # worked independently: each teacher's own logits on the train texts, their softened mean
    from workbench.data import load_data

    data = load_data(tiny_config.data)
    probs = []
    for folder in (tiny_config.teacher.name, str(second_teacher)):
        prepared = tokenise(load_classifier("local", folder, data.label_names), data, 32, ("train",))
        z = predict_logits(prepared.loaded.model, prepared.encoded["train"], 64, torch.device("cpu"), "fp32")
        probs.append(torch.softmax(z / 3.0, -1))
    mean = (probs[0] + probs[1]) / 2  # (n_train, C)
    assert not torch.allclose(probs[0], probs[1], atol=1e-3)  # two different teachers
    every_target = torch.softmax(torch.cat(seen) / 3.0, -1)  # (examples seen, C): what the loss softened
    assert len(every_target) == len(mean)  # one epoch: each training example once
    nearest = torch.cdist(every_target, mean).min(dim=1).values  # (examples seen,)
    assert nearest.max().item() < 1e-5
    main_only = torch.cdist(every_target, probs[0]).min(dim=1).values
    assert main_only.max().item() > 1e-2  # not the main teacher's own targets


def test_preflight_shows_the_layer_map_or_why_it_does_not_fit(tiny_config):
    from workbench.training import run_preflight

    tiny_config.distill.attention_weight = 1.0
    checks = {c.name: c for c in run_preflight(tiny_config, measure=False).checks}
    assert checks["layer map"].level == "ok" and "0->0, 1->2" in checks["layer map"].message  # the kept layers
    tiny_config.distill.layer_map = [3]
    check = {c.name: c for c in run_preflight(tiny_config, measure=False).checks}["layer map"]
    assert check.level == "error" and "one teacher layer per student layer (2), got 1" in check.message
    tiny_config.distill.attention_weight = 0.0
    assert "layer map" not in {c.name for c in run_preflight(tiny_config, measure=False).checks}


@pytest.mark.slowish
def test_a_narrower_scratch_student_with_fewer_heads_learns_from_the_teacher_layers(tiny_config):
    s = tiny_config.student
    s.kind, s.num_layers, s.hidden_size, s.num_heads, s.intermediate_size, s.prune_vocab = (
        "scratch",
        2,
        16,
        1,
        32,
        False,
    )
    tiny_config.distill.hidden_weight = tiny_config.distill.attention_weight = 1.0
    tiny_config.training.epochs = 1
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0, read_status(run_dir)
    steps = steps_of(read_metrics(run_dir))
    assert steps and all(e["loss_hidden"] > 0 and e["loss_attention"] > 0 for e in steps)

"""Finding (and building) the no-distillation baseline of a run: same config, alpha 0."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.fakeruns import make_run
from workbench.config import RunConfig, load_config, to_dict
from workbench.runs import baseline_config, find_baseline


def edit_config(run_dir: Path, **changes) -> Path:
    """Set dotted keys ("distill.alpha") in the run's config.yaml."""
    path = run_dir / "config.yaml"
    cfg = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        *parents, last = key.split(".")
        node = cfg
        for p in parents:
            node = node[p]
        node[last] = value
    path.write_text(yaml.safe_dump(cfg))
    return run_dir


def set_status(run_dir: Path, **fields) -> None:
    status = json.loads((run_dir / "status.json").read_text())
    status.update(fields)
    (run_dir / "status.json").write_text(json.dumps(status))


def test_finds_the_same_run_with_alpha_zero(tmp_path):
    run = make_run(tmp_path, "20261127-100000-distill-demo")
    base = edit_config(make_run(tmp_path, "20261127-110000-distill-demo-no-teacher"), **{"distill.alpha": 0.0})
    assert find_baseline(run) == base
    assert find_baseline(run, root=tmp_path) == base


def test_temperature_and_name_do_not_matter_but_everything_else_does(tmp_path):
    run = make_run(tmp_path, "20261127-100000-distill-demo")
    base = edit_config(
        make_run(tmp_path, "20261127-110000-distill-b"), **{"distill.alpha": 0, "distill.temperature": 9.0}
    )
    assert find_baseline(run) == base
    edit_config(base, **{"seed": 7})
    assert find_baseline(run) is None
    edit_config(base, **{"seed": 42, "training.epochs": 5})
    assert find_baseline(run) is None
    edit_config(base, **{"training.epochs": 3, "data.max_train_examples": 128})
    assert find_baseline(run) is None
    edit_config(base, **{"data.max_train_examples": 64, "distill.alpha": 0.1})  # not alpha 0: not a baseline
    assert find_baseline(run) is None
    edit_config(base, **{"distill.alpha": 0})
    assert find_baseline(run) == base


def test_only_finished_distill_runs_count(tmp_path):
    run = make_run(tmp_path, "20261127-100000-distill-demo")
    live = edit_config(make_run(tmp_path, "20261127-110000-distill-b", state="running"), **{"distill.alpha": 0})
    edit_config(make_run(tmp_path, "20261127-120000-distill-c", state="failed"), **{"distill.alpha": 0})
    edit_config(make_run(tmp_path, "20261127-130000-teacher-d", kind="teacher"), **{"distill.alpha": 0})
    assert find_baseline(run) is None
    assert find_baseline(run, states=("queued", "running")) == live


def test_a_baseline_has_no_baseline_and_broken_configs_are_skipped(tmp_path):
    run = edit_config(make_run(tmp_path, "20261127-100000-distill-a"), **{"distill.alpha": 0})
    edit_config(make_run(tmp_path, "20261127-110000-distill-b"), **{"distill.alpha": 0})
    assert find_baseline(run) is None
    good = make_run(tmp_path, "20261127-120000-distill-c")
    (make_run(tmp_path, "20261127-130000-distill-broken") / "config.yaml").write_text("distill: [unclosed")
    assert find_baseline(good) == tmp_path / "20261127-110000-distill-b"


def test_same_group_baseline_is_preferred_over_a_newer_match(tmp_path):
    run = make_run(tmp_path, "20261127-100000-distill-demo", group="first-run-1", role="distilled")
    grouped = edit_config(
        make_run(tmp_path, "20261127-110000-distill-x", group="first-run-1", role="baseline"), **{"distill.alpha": 0}
    )
    newer = edit_config(make_run(tmp_path, "20261127-120000-distill-y"), **{"distill.alpha": 0})
    other_group = edit_config(
        make_run(tmp_path, "20261127-130000-distill-z", group="first-run-2", role="baseline"), **{"distill.alpha": 0}
    )
    assert find_baseline(run) == grouped
    set_status(grouped, group="first-run-3")
    assert find_baseline(run) == other_group  # no same-group one: the newest match
    (other_group / "status.json").unlink()
    assert find_baseline(run) == newer


def test_baseline_config_drops_every_teacher_signal_and_changes_nothing_else():
    cfg = RunConfig(name="demo")
    cfg.distill.alpha, cfg.distill.temperature, cfg.training.epochs = 0.7, 4.0, 2
    cfg.distill.hidden_weight, cfg.distill.attention_weight = 0.5, 0.25
    cfg.transfer.augment_factor, cfg.extra_teachers = 3, ["runs/another-teacher"]
    out = baseline_config(cfg, steps=2517)
    assert out.name == "demo-no-teacher" and out.distill.alpha == 0
    assert out.training.max_steps == 2517 and cfg.training.max_steps is None  # the distilled run's steps
    assert out.distill.hidden_weight == out.distill.attention_weight == 0
    assert to_dict(out.transfer) == to_dict(RunConfig().transfer) and out.extra_teachers == []
    assert (cfg.distill.alpha, cfg.distill.hidden_weight, cfg.transfer.augment_factor) == (0.7, 0.5, 3)  # untouched
    a, b = to_dict(cfg), to_dict(out)
    for d in (a, b):
        for key in ("name", "transfer", "extra_teachers"):
            d.pop(key)
        d["training"].pop("max_steps")  # set to the distilled run's steps, asserted above
        for key in ("alpha", "hidden_weight", "attention_weight"):
            d["distill"].pop(key)
    assert a == b  # the temperature, student, data and seed stay the distilled run's


def test_a_launched_baseline_config_is_found(tmp_path):
    """Round trip through YAML, as the launched run writes it."""
    from workbench.config import dump_config

    run = make_run(tmp_path, "20261127-100000-distill-demo")
    base = make_run(tmp_path, "20261127-110000-distill-demo-no-teacher")
    dump_config(baseline_config(load_config(run / "config.yaml")), base / "config.yaml")
    assert find_baseline(run) == base

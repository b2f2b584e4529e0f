"""UI caches are keyed by what they load *and* a stamp of its files, so a run resumed or
re-evaluated since (model/, config.yaml, report.json rewritten in place) is loaded afresh.

The cached helpers are called directly (Streamlit's caches work outside a running app).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from tests.conftest import sentiment_frame
from tests.fakeruns import make_finished_distill
from ui import cached
from workbench.config import ModelConfig, RunConfig


def replace_file(path: Path, text: str) -> None:
    """Rewrite a file the way the engine does (temp file + rename)."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def teacher_run(root: Path, tiny_bert: Path) -> Path:
    run = root / "20261128-090000-teacher-demo"
    shutil.copytree(tiny_bert, run / "model")
    return run


def set_layers(run: Path, n: int) -> None:
    config = json.loads((run / "model" / "config.json").read_text())
    replace_file(run / "model" / "config.json", json.dumps({**config, "num_hidden_layers": n}))


def test_layer_count_follows_a_rewritten_teacher_run(tmp_path, tiny_bert):
    run = teacher_run(tmp_path, tiny_bert)
    teacher = ModelConfig(source="run", name=str(run))
    assert cached.layer_count(teacher) == 4
    set_layers(run, 2)  # resumed with other settings: model/ saved again
    assert cached.layer_count(teacher) == 2


def test_explorer_models_reload_after_the_teacher_run_changes(tmp_path, tiny_bert, monkeypatch):
    import workbench.studio

    loads: list[int] = []
    monkeypatch.setattr(workbench.studio, "load_models", lambda cfg, labels: loads.append(1) or len(loads))
    run = teacher_run(tmp_path, tiny_bert)
    cfg = RunConfig()
    cfg.teacher = ModelConfig(source="run", name=str(run))
    key = cached.explorer_key(cfg)
    assert cached.explorer_models(key, ("a", "b")) == 1
    assert cached.explorer_key(cfg) == key and cached.explorer_models(key, ("a", "b")) == 1  # cached
    set_layers(run, 3)
    new_key = cached.explorer_key(cfg)
    assert new_key != key  # pages key the models' outputs with it too
    assert cached.explorer_models(new_key, ("a", "b")) == 2


def test_compare_run_models_reload_after_a_re_evaluation(tmp_path, monkeypatch):
    import workbench.studio

    loads: list[Path] = []
    monkeypatch.setattr(workbench.studio, "load_run_models", lambda run_dir: (loads.append(run_dir), len(loads), 32))
    run = make_finished_distill(tmp_path)
    assert cached.run_models(run)[1] == 1
    assert cached.run_models(run)[1] == 1  # same files: served from the cache
    replace_file(run / "model" / "config.json", '{"resumed": true}')
    assert cached.run_models(run)[1] == 2
    replace_file(run / "report.json", (run / "report.json").read_text())  # `workbench evaluate` rewrote it
    assert cached.run_models(run)[1] == 3
    assert loads == [run] * 3


def test_local_data_file_edited_in_place_is_read_again(tmp_path):
    path = tmp_path / "reviews.csv"
    sentiment_frame(40).to_csv(path, index=False)
    cfg = RunConfig()
    cfg.data.source, cfg.data.path = "local", str(path)
    before = cached.data_for(cfg)
    pd.concat([sentiment_frame(40), sentiment_frame(40, seed=1)]).to_csv(path.with_name("new.csv"), index=False)
    os.replace(path.with_name("new.csv"), path)
    after = cached.data_for(cfg)
    assert sum(map(len, (after.train, after.validation, after.test))) > sum(
        map(len, (before.train, before.validation, before.test))
    )

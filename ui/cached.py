"""Cached loaders: data and models are loaded once per process and shared by every session.

Cached models are shared between tabs, so callers treat them as read-only (inference only); the
engine serialises calls into a shared tokenizer (`workbench.data.batching.tokenize`). Keys are plain
strings: the YAML of a config section, so a changed setting loads afresh, plus a stamp of the files
it names (`files_stamp`: inode, mtime, size), so a run folder resumed or re-evaluated since, or a
data file edited in place, is not served from before.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import streamlit as st
import yaml

from workbench.config import DataConfig, ModelConfig, RunConfig, StudentConfig, from_dict, load_config
from workbench.core import WorkbenchError, files_stamp
from workbench.data import TextData, load_data


def key_of(section: Any) -> str:
    return yaml.safe_dump(dataclasses.asdict(section), sort_keys=True)


def location_stamp(source: str, name: str) -> str:
    """Stamp of a model's local folder; "" for a hub id (or a location the loader will refuse)."""
    from workbench.models import resolve_location

    try:
        location, is_local = resolve_location(source, name)
    except WorkbenchError:
        return ""
    return files_stamp(location) if is_local else ""


def data_stamp(section: DataConfig) -> str:
    if section.source != "local":
        return ""
    return files_stamp(*[p for p in (section.path, section.validation_path, section.test_path) if p])


def models_stamp(teacher: ModelConfig, student: StudentConfig | None = None) -> str:
    stamp = location_stamp(teacher.source, teacher.name)
    if student is not None and student.kind == "pretrained":
        stamp += location_stamp(student.source, student.name)
    return stamp


# --------------------------------------------------------------------------- data


@st.cache_data(show_spinner="Loading the data…", max_entries=4)
def _data(data_yaml: str, stamp: str) -> TextData:
    return load_data(from_dict(DataConfig, yaml.safe_load(data_yaml)))


def data_for(cfg: RunConfig) -> TextData:
    return _data(key_of(cfg.data), data_stamp(cfg.data))


# --------------------------------------------------------------------------- models


@st.cache_data(show_spinner=False, max_entries=8)
def _layer_count(model_yaml: str, stamp: str) -> int:
    from workbench.models import model_layer_count

    return model_layer_count(from_dict(ModelConfig, yaml.safe_load(model_yaml)))


def layer_count(model: ModelConfig) -> int:
    """Encoder layers of the teacher a config names (its config.json only)."""
    return _layer_count(key_of(model), models_stamp(model))


@st.cache_data(show_spinner=False, max_entries=16)
def _param_estimate(teacher_yaml: str, student_yaml: str, stamp: str, pruned: int | None) -> dict[str, Any]:
    from workbench.models import estimate_params

    teacher = from_dict(ModelConfig, yaml.safe_load(teacher_yaml))
    return estimate_params(teacher, from_dict(StudentConfig, yaml.safe_load(student_yaml)), pruned_vocab=pruned)


@st.cache_data(show_spinner="Counting the training words…", max_entries=4)
def _pruned_vocab(teacher_yaml: str, data_yaml: str, stamp: str) -> int:
    from workbench.models import pruned_vocab_size

    cfg = RunConfig()
    cfg.teacher = from_dict(ModelConfig, yaml.safe_load(teacher_yaml))
    cfg.data = from_dict(DataConfig, yaml.safe_load(data_yaml))
    return pruned_vocab_size(tokenizer(cfg.teacher), data_for(cfg).train.texts)


def param_estimate(cfg: RunConfig) -> dict[str, Any]:
    """Parameter counts of teacher and student (`workbench.models.sizing`): weights are never read; a pruned
    vocabulary is counted on the training texts (tokenised once per teacher and data)."""
    pruned = None
    if cfg.student.kind in ("scratch", "bilstm") and cfg.student.prune_vocab:
        pruned = _pruned_vocab(key_of(cfg.teacher), key_of(cfg.data), models_stamp(cfg.teacher) + data_stamp(cfg.data))
    return _param_estimate(key_of(cfg.teacher), key_of(cfg.student), models_stamp(cfg.teacher), pruned)


@st.cache_data(show_spinner=False, max_entries=8)
def _text_count(path: str, stamp: str) -> int:
    from workbench.models import count_texts

    return count_texts(path)


def text_count(path: str) -> int:
    """Texts in an unlabelled file (re-counted when the file changes)."""
    return _text_count(path, files_stamp(path))


@st.cache_resource(show_spinner="Loading the tokenizer…", max_entries=4)
def _tokenizer(model_yaml: str, stamp: str) -> Any:
    from workbench.models import model_tokenizer

    return model_tokenizer(from_dict(ModelConfig, yaml.safe_load(model_yaml)))


def tokenizer(model: ModelConfig) -> Any:
    """The teacher's tokenizer, shared by every session (call it through `workbench.data.batching.tokenize`)."""
    return _tokenizer(key_of(model), models_stamp(model))


def explorer_key(cfg: RunConfig) -> str:
    """Key of the teacher and untrained student a config builds: the settings that shape them and
    a stamp of their folders. Pages key their own caches of these models' outputs with it too."""
    settings = {k: dataclasses.asdict(getattr(cfg, k)) for k in ("teacher", "student")}
    return yaml.safe_dump(
        {**settings, "seed": cfg.seed, "stamp": models_stamp(cfg.teacher, cfg.student)}, sort_keys=True
    )


@st.cache_resource(show_spinner="Loading the teacher and building the student…", max_entries=2)
def explorer_models(key: str, label_names: tuple[str, ...]) -> tuple[Any, Any]:
    """(teacher, untrained student) for an `explorer_key`."""
    from workbench.studio import load_models

    settings = yaml.safe_load(key)
    settings.pop("stamp")
    return load_models(from_dict(RunConfig, settings), list(label_names))


@st.cache_resource(show_spinner="Loading both models…", max_entries=2)
def _run_models(run_dir: str, stamp: str) -> tuple[Any, Any, int]:
    from workbench.studio import load_run_models

    return load_run_models(Path(run_dir))


def run_models(run_dir: Path) -> tuple[Any, Any, int]:
    """(teacher, student, max_length) of a finished run, reloaded when the run's model, config or
    report (or the teacher's folder) changed since they were loaded."""
    run_dir = Path(run_dir)
    stamp = files_stamp(run_dir / "model", run_dir / "config.yaml", run_dir / "report.json")
    with contextlib.suppress(WorkbenchError):  # loading reports what is wrong with the config
        stamp += models_stamp(load_config(run_dir / "config.yaml").teacher)
    return _run_models(str(run_dir), stamp)

"""Cached loaders: data and models are loaded once per process and shared by every session.

Cached models are shared between tabs, so callers treat them as read-only (inference only).
Keys are plain strings (the YAML of a config section), so a changed setting loads afresh.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st
import yaml

from workbench.config import DataConfig, ModelConfig, RunConfig, from_dict
from workbench.data import TextData, load_data


def key_of(section: Any) -> str:
    return yaml.safe_dump(dataclasses.asdict(section), sort_keys=True)


@st.cache_data(show_spinner="Loading the data…", max_entries=4)
def data(data_yaml: str) -> TextData:
    return load_data(from_dict(DataConfig, yaml.safe_load(data_yaml)))


def data_for(cfg: RunConfig) -> TextData:
    return data(key_of(cfg.data))


@st.cache_data(show_spinner=False, max_entries=8)
def layer_count(model_yaml: str) -> int:
    from workbench.overview import model_layer_count

    return model_layer_count(from_dict(ModelConfig, yaml.safe_load(model_yaml)))


@st.cache_resource(show_spinner="Loading the tokenizer…", max_entries=4)
def tokenizer(model_yaml: str) -> Any:
    from workbench.overview import model_tokenizer

    return model_tokenizer(from_dict(ModelConfig, yaml.safe_load(model_yaml)))


@st.cache_resource(show_spinner="Loading the teacher and building the student…", max_entries=2)
def explorer_models(cfg_yaml: str, label_names: tuple[str, ...]) -> tuple[Any, Any]:
    from workbench.explorer import load_models

    return load_models(from_dict(RunConfig, yaml.safe_load(cfg_yaml)), list(label_names))


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def classifier(source: str, name: str, label_names: tuple[str, ...]) -> Any:
    from workbench.models import load_classifier

    return load_classifier(source, name, list(label_names))

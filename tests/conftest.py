"""Shared fixtures: isolated run and cache folders, tiny models built from configs, tiny data files.

Tiny models are real `save_pretrained` folders (safetensors), so the real loading code runs with
no download. They reuse the bundled tokenizer (bert-base-uncased vocabulary) so texts tokenise
as they would for the real models.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # pages import workbench and ui from the project root
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
torch.set_num_threads(1)  # tiny models: one thread beats two under load (OpenMP barriers)

POSITIVE = [
    "a wonderful, moving film",
    "great acting and a fine story",
    "I loved every minute",
    "brilliant and funny",
    "a delight from start to end",
    "superb direction, lovely score",
]
NEGATIVE = [
    "a dull, lifeless mess",
    "terrible acting and a weak plot",
    "I hated every minute",
    "boring and far too long",
    "a waste of two hours",
    "clumsy direction, awful score",
]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Every test gets its own runs and cache folders."""
    base = tmp_path_factory.mktemp("wb")
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(base / "runs"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return base


@pytest.fixture
def runs_dir(isolated_dirs) -> Path:
    """This test's runs folder ($WORKBENCH_RUNS_DIR), created."""
    root = Path(os.environ["WORKBENCH_RUNS_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def hub_cache(tiny_bert, tmp_path, monkeypatch) -> str:
    """`tiny_bert` laid out in the hub cache format under a temporary HF_HOME: its id, which
    `from_pretrained` resolves from the cache (the real hub path, offline)."""
    import shutil

    import huggingface_hub.constants as hc

    home = tmp_path / "hf"
    repo = home / "hub" / "models--tiny-org--tiny-bert"
    shutil.copytree(tiny_bert, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(hc, "HF_HUB_CACHE", str(home / "hub"))
    return "tiny-org/tiny-bert"


@pytest.fixture(scope="session")
def bundled_tokenizer():
    from workbench.models import bundled_model_path, load_tokenizer

    return load_tokenizer(bundled_model_path())


def _save_tiny(folder: Path, config, tokenizer) -> Path:
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(config)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_bert_config(tokenizer, **overrides):
    """A 4-layer BERT with hidden size 32 over the tokenizer's vocabulary."""
    from transformers import BertConfig

    sizes = dict(hidden_size=32, num_hidden_layers=4, num_attention_heads=2, intermediate_size=64)
    return BertConfig(vocab_size=tokenizer.vocab_size, max_position_embeddings=128, **{**sizes, **overrides})


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory, bundled_tokenizer) -> Path:
    """A 4-layer BERT with hidden size 32 and an untrained 2-class head."""
    return _save_tiny(tmp_path_factory.mktemp("tiny_bert"), tiny_bert_config(bundled_tokenizer), bundled_tokenizer)


@pytest.fixture(scope="session")
def tiny_distilbert(tmp_path_factory, bundled_tokenizer) -> Path:
    """A 2-layer DistilBERT (takes no token_type_ids) with the same vocabulary."""
    from transformers import DistilBertConfig

    cfg = DistilBertConfig(
        vocab_size=bundled_tokenizer.vocab_size,
        dim=32,
        n_layers=2,
        n_heads=2,
        hidden_dim=64,
        max_position_embeddings=128,
    )
    return _save_tiny(tmp_path_factory.mktemp("tiny_distilbert"), cfg, bundled_tokenizer)


def sentiment_frame(n: int = 96, seed: int = 0) -> pd.DataFrame:
    """A learnable toy sentiment set: positive and negative phrases with varied fillers."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    fillers = ["", "honestly, ", "overall ", "in short, ", "well, ", "to be fair, "]
    for i in range(n):
        label = i % 2
        pool = POSITIVE if label else NEGATIVE
        phrase = pool[int(torch.randint(len(pool), (1,), generator=g))]
        filler = fillers[int(torch.randint(len(fillers), (1,), generator=g))]
        rows.append({"text": f"{filler}{phrase}", "label": "positive" if label else "negative"})
    return pd.DataFrame(rows)


@pytest.fixture
def sentiment_csv(tmp_path) -> Path:
    path = tmp_path / "reviews.csv"
    sentiment_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def tiny_config(tiny_bert, sentiment_csv):
    """A RunConfig on the tiny BERT and the toy CSV, sized to train in seconds."""
    from workbench.config import RunConfig

    cfg = RunConfig(name="tiny")
    cfg.data.source = "local"
    cfg.data.path = str(sentiment_csv)
    cfg.data.validation_fraction = 0.25
    cfg.data.test_fraction = 0.25
    cfg.teacher.source = "local"
    cfg.teacher.name = str(tiny_bert)
    cfg.student.layers = [0, 2]
    for tc in (cfg.teacher_training, cfg.training):
        tc.epochs = 2
        tc.batch_size = 8
        tc.max_length = 32
        tc.learning_rate = 3e-3
        tc.log_every_steps = 2
        tc.precision = "fp32"
        tc.num_threads = 1
    cfg.allow_weak_teacher = True
    return cfg


@pytest.fixture
def chromium_path() -> str:
    """Debian's Chromium for the browser tests: skipped where it is missing, except in CI."""
    from benchmarks.appserver import CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} not installed")
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM

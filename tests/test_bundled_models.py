"""The bundled models: names checked, a split zip joined and hash-checked, the real MPNet loaded offline."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from workbench.config import RunConfig, validate_values
from workbench.config.model import BUNDLED_MODEL_NAMES
from workbench.core import WorkbenchError
from workbench.evaluation import model_name
from workbench.models import BUNDLED_MODELS, DEFAULT_BUNDLED, bundled_name
from workbench.models.bundled import BundledModel, assemble


def test_the_config_layer_knows_the_same_names_as_the_models_layer():
    assert tuple(BUNDLED_MODELS) == BUNDLED_MODEL_NAMES
    assert BUNDLED_MODEL_NAMES[0] == DEFAULT_BUNDLED


def test_an_empty_name_is_the_default_and_an_unknown_one_fails_with_the_choices():
    assert bundled_name("") == bundled_name(None) == DEFAULT_BUNDLED
    with pytest.raises(WorkbenchError, match="no bundled model 'bert'; choose one of all-MiniLM-L6-v2"):
        bundled_name("bert")
    cfg = RunConfig()
    cfg.teacher.name = "bert"
    with pytest.raises(WorkbenchError, match="no bundled model 'bert'"):
        validate_values(cfg)
    cfg.teacher.name = "all-mpnet-base-v2"
    validate_values(cfg)
    assert model_name("bundled", "all-mpnet-base-v2") == "bundled all-mpnet-base-v2"
    assert model_name("bundled", "") == "bundled all-MiniLM-L6-v2"


def _split_zip(tmp_path: Path, files: dict[str, bytes], pieces: int = 3) -> list[Path]:
    """A zip of `files` under a top folder (as the packages ship it), cut into `pieces` part files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"some-model/{name}", data)
    raw = buf.getvalue()
    step = len(raw) // pieces + 1
    parts = []
    for i in range(pieces):
        part = tmp_path / f"m.zip.{i + 1:03d}"
        part.write_bytes(raw[i * step : (i + 1) * step])
        parts.append(part)
    return parts


def test_parts_are_joined_unpacked_flat_and_their_hash_checked(tmp_path):
    weights = b"w" * 5000
    files = {"config.json": b"{}", "model.safetensors": weights, "vocab.txt": b"a\nb", "desktop.ini": b"x"}
    parts = _split_zip(tmp_path, files)
    good = BundledModel("m", (), hashlib.sha256(weights).hexdigest())
    assemble(parts, tmp_path / "cache" / "m", good)
    got = sorted(p.name for p in (tmp_path / "cache" / "m").iterdir())
    assert got == ["config.json", "model.safetensors", "vocab.txt"]  # no desktop.ini, no top folder
    assert (tmp_path / "cache" / "m" / "model.safetensors").read_bytes() == weights
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["m"]  # no temporary folder left

    changed = BundledModel("m", (), "0" * 64)
    with pytest.raises(WorkbenchError, match="SHA-256 differs"):
        assemble(parts, tmp_path / "other" / "m", changed)
    assert not (tmp_path / "other" / "m").exists()
    with pytest.raises(WorkbenchError, match="do not make a zip"):
        assemble(parts[1:], tmp_path / "third" / "m", good)  # a part missing
    assert not (tmp_path / "third" / "m").exists()


@pytest.mark.slowish
def test_the_real_bundled_mpnet_loads_offline_as_a_classifier(tmp_path, monkeypatch):
    """Joins the five installed part packages (440 MB) into a fresh cache and loads the result."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    from workbench.models import load_classifier

    loaded = load_classifier("bundled", "all-mpnet-base-v2", ["negative", "positive"])
    assert loaded.description == "bundled all-mpnet-base-v2"
    assert loaded.model.config.model_type == "mpnet" and loaded.model.config.num_hidden_layers == 12
    assert not loaded.head_trained
    ids = loaded.tokenizer(["a fine film"], return_tensors="pt")
    assert loaded.model(**ids).logits.shape == (1, 2)

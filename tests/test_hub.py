"""A hub lookup without a network fails within seconds, with one plain line; the cache still serves.

Nothing leaves the machine: the hub's address points at a closed local port (HF_ENDPOINT), and
HF_HUB_OFFLINE is switched off so the real network path runs.
"""

from __future__ import annotations

import time

import pytest

from workbench.config import DataConfig
from workbench.core import WorkbenchError, hub
from workbench.data import load_data
from workbench.models import load_classifier

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused at once


@pytest.fixture
def no_network(monkeypatch):
    import datasets.config as dc
    import huggingface_hub.constants as hc

    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", CLOSED)
    monkeypatch.setattr(hc, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hc, "ENDPOINT", CLOSED)
    monkeypatch.setattr(hc, "HUGGINGFACE_CO_URL_TEMPLATE", CLOSED + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(dc, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub, "_probed", {})


def test_a_hub_model_without_network_fails_within_seconds_in_one_line(no_network):
    start = time.perf_counter()
    with pytest.raises(WorkbenchError) as err:
        load_classifier("hub", "org/does-not-exist", ["neg", "pos"])
    assert time.perf_counter() - start < 10  # was 25 s here (five retries a file), ~95 s on a user's machine
    msg = str(err.value)
    assert "\n" not in msg and "'org/does-not-exist'" in msg
    assert f"the model hub ({CLOSED}) did not answer" in msg and "not in the local cache" in msg


def test_a_hub_data_set_without_network_fails_within_seconds_in_one_line(no_network):
    start = time.perf_counter()
    with pytest.raises(WorkbenchError) as err:
        load_data(DataConfig(source="hub", name="org/does-not-exist"))
    assert time.perf_counter() - start < 10
    assert "\n" not in str(err.value) and "did not answer" in str(err.value)
    import datasets.config as dc

    assert dc.HF_HUB_OFFLINE is False  # offline only for the duration of the load


def test_a_cached_hub_model_still_loads_without_network(no_network, hub_cache):
    start = time.perf_counter()
    t = load_classifier("hub", hub_cache, ["neg", "pos"])
    assert t.model.config.hidden_size == 32 and time.perf_counter() - start < 10


def test_the_probe_is_skipped_offline_and_remembered(monkeypatch):
    calls = []
    monkeypatch.setattr(hub, "_probed", {})
    monkeypatch.setenv("HF_ENDPOINT", CLOSED)

    def fake_urlopen(*a, **k):
        calls.append(a)
        raise OSError("refused")

    monkeypatch.setattr(hub.urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.cache_only() is False and calls == []  # offline: the libraries skip the network already
    monkeypatch.delenv("HF_HUB_OFFLINE")
    import huggingface_hub.constants as hc

    monkeypatch.setattr(hc, "HF_HUB_OFFLINE", False)
    assert hub.cache_only() is True and hub.cache_only() is True and len(calls) == 1

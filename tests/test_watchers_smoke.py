"""The load benchmark (benchmarks/watchers.py) runs end to end at a tiny size; its numbers mean nothing here.

Two Chromium tabs, one watched window between two windows alone: the test checks that every window
measured the run's throughput, that the tabs received live-panel updates while watched (timed from
Streamlit's websocket messages) and none while paused, and that the CPU split names the processes.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser


@pytest.mark.slowish
def test_watchers_benchmark_smoke(tmp_path, chromium_path):
    out = tmp_path / "watchers.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    args = ["--sessions", "2", "--seconds", "6", "--cycles", "1", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.watchers", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    doc = json.loads(out.read_text())
    windows = doc["examples_per_s"]["windows"]
    assert len(windows["alone"]) == 2 and len(windows["watched"]) == 1
    assert all(math.isfinite(x) and x > 0 for x in windows["alone"] + windows["watched"])
    assert all(n >= 1 for n in doc["updates_per_session"]) and len(doc["updates_per_session"]) == 2
    assert 0 < doc["update_ms"]["median"] <= doc["update_ms"]["max"]
    assert doc["cores_used"]["watched"]["trainer"] > 0 and "streamlit server" in doc["cores_used"]["watched"]
    # paused tabs send no polls: the server is all but idle in the windows alone
    assert doc["cores_used"]["alone"].get("streamlit server", 0) < doc["cores_used"]["watched"]["streamlit server"]

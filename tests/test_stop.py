"""The Stop button's promise on a real background run: training halts at the next step and the run
ends as `stopped` (not failed), with nothing left active.

After the loop halts, the engine still evaluates and saves the best model before it writes
`stopped`; on a loaded 2-core machine that alone took over a minute, hence the generous deadline.
"""

from __future__ import annotations

import json
import time

import pytest

from ui.state import default_config
from workbench.runs import jobs, read_status

pytestmark = pytest.mark.slow


@pytest.mark.slowish
def test_stop_ends_a_real_run(tmp_path):
    cfg = default_config()
    cfg.data.max_train_examples, cfg.data.max_eval_examples = 256, 16
    tc = cfg.teacher_training
    tc.max_length, tc.batch_size, tc.epochs, tc.log_every_steps = 16, 4, 5, 1  # 320 steps: far from done
    run_dir = jobs.launch(cfg, "teacher", tmp_path / "runs")
    try:
        deadline = time.time() + 180
        while read_status(run_dir).get("phase") != "training" and time.time() < deadline:
            assert jobs.refresh(run_dir).get("state") in ("queued", "running"), (run_dir / "log.txt").read_text()
            time.sleep(0.5)
        jobs.stop(run_dir)
        while jobs.refresh(run_dir).get("state") in ("queued", "running") and time.time() < deadline:
            time.sleep(0.5)
        assert jobs.refresh(run_dir)["state"] == "stopped", (run_dir / "log.txt").read_text()[-2000:]
        steps = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
        steps = [e for e in steps if e["type"] == "step"]
        assert len(steps) < 20, "training went on after the stop"
        assert jobs.active_runs(tmp_path / "runs") == []
    finally:
        jobs.stop(run_dir)

"""Load: does watching a run slow it down? `python -m benchmarks.watchers [--sessions 5] [--seconds 30]`

Starts the app and a distillation run, then measures in three windows of equal length:

    alone  -> N browser sessions polling the Train page's live panel -> alone again

- the run's throughput (optimizer steps x batch size per second of training, from metrics.jsonl)
  in each window; the baseline is the mean of the two windows alone, so a drift over the run
  does not count as the watchers' fault;
- every live-panel update each browser session receives: the time from the browser's rerun
  request to Streamlit's `script_finished`, read off the websocket (Streamlit's own protobuf
  messages), i.e. how long one page update takes end to end.

The browsers run on the same machine as the server and the training (on a real deployment they
would be elsewhere), so the throughput drop measured here is an upper bound.
Writes benchmarks/results/watchers.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.appserver import CHROMIUM, CHROMIUM_ARGS, streamlit_app
from workbench import jobs
from workbench.config import preset
from workbench.hardware import describe_machine
from workbench.runs import read_metrics

RESULTS = Path(__file__).resolve().parent / "results"


def throughput(run_dir: Path, t0: float, t1: float, batch_size: int) -> float:
    """Training examples per second between wall-clock times t0 and t1 (from step events)."""
    steps = [e for e in read_metrics(run_dir) if e.get("type") == "step" and t0 <= e["time"] <= t1]
    if len(steps) < 2:
        return float("nan")
    first, last = steps[0], steps[-1]
    return (last["step"] - first["step"]) * batch_size / (last["elapsed_s"] - first["elapsed_s"])


class UpdateTimer:
    """Times live-panel reruns of one page from its websocket frames."""

    def __init__(self, page) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.durations: list[float] = []
        self.recording = False
        self._sent: float | None = None

        def on_ws(ws) -> None:
            def sent(payload) -> None:
                if isinstance(payload, (bytes, bytearray)):
                    msg = BackMsg.FromString(bytes(payload))
                    if msg.WhichOneof("type") == "rerun_script" and msg.rerun_script.fragment_id:
                        self._sent = time.perf_counter()

            def received(payload) -> None:
                if isinstance(payload, (bytes, bytearray)) and self._sent is not None:
                    msg = ForwardMsg.FromString(bytes(payload))
                    if msg.WhichOneof("type") == "script_finished":
                        if self.recording:
                            self.durations.append(time.perf_counter() - self._sent)
                        self._sent = None

            ws.on("framesent", sent)
            ws.on("framereceived", received)

        page.on("websocket", on_ws)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sessions", type=int, default=5)
    p.add_argument("--seconds", type=float, default=30, help="length of each of the three windows")
    p.add_argument("--out", default=str(RESULTS / "watchers.json"))
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="watchers-"))
    runs, cache = tmp / "runs", tmp / "cache"
    cfg = preset("quick")
    cfg.name = "watched"
    cfg.allow_weak_teacher = True  # throughput does not depend on the teacher's quality
    cfg.training.epochs = 100  # outlasts the measurement; stopped at the end
    cfg.training.log_every_steps = 2
    cfg.training.checkpoint_every_steps = 0
    cfg.training.eval_every_steps = 10**6  # no evaluation pauses inside the windows
    bs = cfg.training.batch_size
    result: dict = {"machine": describe_machine(), "sessions": args.sessions, "window_s": args.seconds}
    with streamlit_app(runs, cache, tmp / "streamlit.log") as url, sync_playwright() as pw:
        run_dir = jobs.launch(cfg, "distill", runs)
        try:
            deadline = time.time() + 600
            while sum(e.get("type") == "step" for e in read_metrics(run_dir)) < 3:
                if time.time() > deadline or jobs.refresh(run_dir).get("state") not in ("queued", "running"):
                    raise RuntimeError("the run did not start training:\n" + (run_dir / "log.txt").read_text()[-2000:])
                time.sleep(0.5)

            t0 = time.time()
            time.sleep(args.seconds)
            alone_before = throughput(run_dir, t0, time.time(), bs)

            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages, timers = [], []
            for _ in range(args.sessions):
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                timers.append(UpdateTimer(page))
                page.goto(f"{url}/train")
                pages.append(page)
            for page in pages:
                page.get_by_text("Current run").first.wait_for(timeout=120_000)
                page.get_by_role("button", name="Stop").first.wait_for(timeout=120_000)
            for t in timers:
                t.recording = True
            t1 = time.time()
            pages[0].wait_for_timeout(args.seconds * 1000)  # events keep flowing to every page meanwhile
            watched = throughput(run_dir, t1, time.time(), bs)
            for t in timers:
                t.recording = False
            browser.close()

            t2 = time.time()
            time.sleep(args.seconds)
            alone_after = throughput(run_dir, t2, time.time(), bs)
        finally:
            jobs.stop(run_dir)
    durations = [d for t in timers for d in t.durations]
    baseline = (alone_before + alone_after) / 2
    result.update(
        {
            "examples_per_s": {"alone_before": alone_before, "watched": watched, "alone_after": alone_after},
            "throughput_drop": 1 - watched / baseline,
            "updates_per_session": [len(t.durations) for t in timers],
            "update_ms": {
                "median": 1000 * statistics.median(durations) if durations else None,
                "p95": 1000 * sorted(durations)[int(0.95 * (len(durations) - 1))] if durations else None,
                "max": 1000 * max(durations) if durations else None,
            },
        }
    )
    result["ok"] = bool(durations) and result["update_ms"]["p95"] < 1000 and result["throughput_drop"] < 0.10
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

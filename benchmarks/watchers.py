"""Load: does watching a run slow it down? `python -m benchmarks.watchers [--sessions 5] [--placement apart]`

Starts the app and a distillation run, opens N headless Chromium sessions on the Train page, and
then alternates windows of equal length (machines here drift by ~10% over a minute, so the two
conditions are interleaved rather than measured once each):

    alone -> watched -> alone -> watched -> ... -> alone

"Watched": every page polls the live panel (the fragment reruns every 2 s). "Alone": the same pages
stay open and connected but their JavaScript is paused (DevTools debugger), so they send nothing:
the windows differ only by the polling. Page loads happen before the first window and are not counted.

Measured:
- the run's throughput (optimizer steps x batch size per second of training, from metrics.jsonl)
  per window; the drop is 1 - mean(watched) / mean(alone);
- every live-panel update each session receives: the time from the browser's rerun request to
  Streamlit's `script_finished`, read off the websocket (Streamlit's own protobuf messages);
- the cores used per kind of process (trainer, Streamlit server, browsers) per window, from psutil.

Placement: viewers' browsers normally run on their own computers. `apart` (default) gives the
browsers, Playwright and this script the last quarter of the cores (one of two here) and the server
and the training the rest, for every window, baseline included; `shared` puts everything on every
core, so the browsers' own drawing competes with the training (the worst case, reported too).
Writes benchmarks/results/watchers.json (or --out) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.appserver import CHROMIUM, CHROMIUM_ARGS, streamlit_app
from workbench.config import preset
from workbench.core import describe_machine
from workbench.runs import jobs, read_metrics

RESULTS = Path(__file__).resolve().parent / "results"


def placement(mode: str) -> tuple[set[int], set[int]]:
    """(cores for the server and the training, cores for the browsers).

    "apart" stands in for the real set-up, where viewers' browsers run on their own computers: the
    last quarter of the cores (at least one) goes to the browsers and the rest to the server and the
    training, which then trains on fewer cores than it would alone on this machine, for both the
    baseline and the watched window. "shared" puts everything on every core.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if mode == "shared" or len(cpus) < 2:
        return set(cpus), set(cpus)
    n_client = max(1, len(cpus) // 4)
    return set(cpus[:-n_client]), set(cpus[-n_client:])


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by every process on the machine, with who it is (trainer, server, browser...)."""
    import psutil

    snap = {}
    for p in psutil.process_iter(["cmdline", "name", "cpu_times"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [p.info["name"] or ""])
            t = p.info["cpu_times"]
        except (psutil.Error, TypeError):
            continue
        if t is None:
            continue
        if "workbench" in cmd and "run" in cmd and "streamlit" not in cmd:
            who = "trainer"
        elif "streamlit" in cmd:
            who = "streamlit server"
        elif "chrom" in cmd:
            who = "browsers"
        elif "playwright" in cmd or "node" in (p.info["name"] or ""):
            who = "playwright driver"
        else:
            who = "other"
        snap[p.pid] = (who, t.user + t.system)
    return snap


def cpu_split(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], seconds: float) -> dict:
    """Cores used on average between two snapshots, per kind of process (2.0 = both cores of a 2-core box)."""
    used: dict[str, float] = {}
    for pid, (who, t) in after.items():
        used[who] = used.get(who, 0.0) + t - before.get(pid, (who, 0.0))[1]
    return {who: round(v / seconds, 3) for who, v in sorted(used.items(), key=lambda kv: -kv[1])}


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


def _pause(sessions: list, paused: bool) -> None:
    """Pause or resume the pages' JavaScript (through the DevTools protocol's debugger): a paused tab
    stays open and connected but sends no polls, so 'watched' and 'alone' differ only in the polling.
    (Chrome's page-lifecycle "frozen" state did not stop the polls of visible headless pages.)"""
    for cdp in sessions:
        cdp.send("Debugger.pause" if paused else "Debugger.resume")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sessions", type=int, default=5)
    p.add_argument("--seconds", type=float, default=20, help="length of each window")
    p.add_argument("--cycles", type=int, default=3, help="watched windows, each between two windows alone")
    p.add_argument(
        "--placement",
        choices=["apart", "shared"],
        default="apart",
        help="apart: the browsers get their own core, like viewers on their own computers (default); "
        "shared: browsers, server and training all on the same cores (the worst case)",
    )
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
    server_cpus, client_cpus = placement(args.placement)
    result: dict = {
        "code": _commit(),
        "machine": describe_machine(),
        "placement": args.placement,
        "server_and_training_cpus": sorted(server_cpus),
        "browser_cpus": sorted(client_cpus),
        "sessions": args.sessions,
        "window_s": args.seconds,
        "cycles": args.cycles,
    }
    speeds: dict[str, list[float]] = {"alone": [], "watched": []}
    cpu: dict[str, list[dict]] = {"alone": [], "watched": []}
    os.sched_setaffinity(0, server_cpus)  # inherited by the server and the training process started below
    with streamlit_app(runs, cache, tmp / "streamlit.log") as url:
        run_dir = jobs.launch(cfg, "distill", runs)
        try:
            deadline = time.time() + 600
            while sum(e.get("type") == "step" for e in read_metrics(run_dir)) < 3:
                if time.time() > deadline or jobs.refresh(run_dir).get("state") not in ("queued", "running"):
                    raise RuntimeError("the run did not start training:\n" + (run_dir / "log.txt").read_text()[-2000:])
                time.sleep(0.5)

            os.sched_setaffinity(0, client_cpus)  # ... and these by Playwright's driver and the browsers
            pw = sync_playwright().start()
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages, timers, cdps = [], [], []
            for _ in range(args.sessions):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                timers.append(UpdateTimer(page))
                page.goto(f"{url}/train")
                pages.append(page)
                cdps.append(context.new_cdp_session(page))
                cdps[-1].send("Debugger.enable")
            for page in pages:
                page.get_by_text("Current run").first.wait_for(timeout=120_000)
                page.get_by_role("button", name="Stop").first.wait_for(timeout=120_000)
            _pause(cdps, True)
            pages[0].wait_for_timeout(3000)  # let the page loads settle

            def window(kind: str) -> None:
                t0, c0 = time.time(), cpu_snapshot()
                pages[0].wait_for_timeout(args.seconds * 1000)  # websocket events keep being recorded meanwhile
                speeds[kind].append(throughput(run_dir, t0, time.time(), bs))
                cpu[kind].append(cpu_split(c0, cpu_snapshot(), time.time() - t0))

            window("alone")
            for _ in range(args.cycles):
                _pause(cdps, False)
                pages[0].wait_for_timeout(2500)  # the first poll after resuming, not counted
                for t in timers:
                    t.recording = True
                window("watched")
                for t in timers:
                    t.recording = False
                _pause(cdps, True)
                pages[0].wait_for_timeout(1000)
                window("alone")
            browser.close()
            pw.stop()
        finally:
            jobs.stop(run_dir)
    durations = [d for t in timers for d in t.durations]
    alone, watched = statistics.mean(speeds["alone"]), statistics.mean(speeds["watched"])
    result.update(
        {
            "examples_per_s": {"alone": alone, "watched": watched, "windows": speeds},
            "throughput_drop": 1 - watched / alone,
            "cores_used": {kind: _mean_split(splits) for kind, splits in cpu.items()},
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


def _commit() -> str:
    """The checked-out commit, '+' when the tree has changes: which code the numbers belong to."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "") if head.returncode == 0 else "unknown"


def _mean_split(splits: list[dict[str, float]]) -> dict[str, float]:
    """Cores used per kind of process, averaged over windows of equal length."""
    names = {n for s in splits for n in s}
    mean = {n: round(sum(s.get(n, 0.0) for s in splits) / len(splits), 3) for n in names}
    return dict(sorted(mean.items(), key=lambda kv: -kv[1]))


if __name__ == "__main__":
    sys.exit(main())

"""Start `streamlit run app.py` on a free localhost port for a browser test or a load measurement."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_app(runs_dir: Path, cache_dir: Path, log_path: Path, timeout_s: float = 60) -> Iterator[str]:
    """Yields the app's URL; stops the server (and nothing else) on the way out."""
    port = free_port()
    env = {
        **os.environ,
        "WORKBENCH_RUNS_DIR": str(runs_dir),
        "WORKBENCH_CACHE_DIR": str(cache_dir),
        "HF_HUB_OFFLINE": "1",
    }
    args = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    args += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("streamlit did not start:\n" + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.5)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def browser_page(chromium: str, failure_png: Path, height: int = 1000, timeout_ms: int = 120_000) -> Iterator[object]:
    """A Playwright page in headless Chromium, 1440 px wide, with a default timeout; if the block
    raises, a full-page screenshot of where it stood goes to `failure_png` first."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": height})
        page.set_default_timeout(timeout_ms)
        try:
            yield page
        except Exception:
            page.screenshot(path=str(failure_png), full_page=True)
            raise
        finally:
            browser.close()

"""Is the model hub reachable? One short probe, so that a hub lookup without a network fails in seconds.

Without a network, huggingface_hub retries a refused connection five times with back-off (1+2+4+8+8 s)
for every file, and a model load asks for several files (config, weights, tokenizer): a hub id spun
~95 s before its error. One request to the hub's endpoint with a few seconds' timeout answers the
question once; when it fails, loads go to the local cache only (`local_files_only` for models, offline
mode for data sets), which either finds the files at once or fails at once with a plain message.
With `HF_HUB_OFFLINE` set the libraries already skip the network: no probe then.
"""

from __future__ import annotations

import contextlib
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

PROBE_TIMEOUT_S = 4.0
_REMEMBER_S = 30.0  # one probe serves a whole load (several files) and a few retries by the user
_probed: dict[str, tuple[float, bool]] = {}


def offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set: the libraries will not touch the network."""
    import huggingface_hub.constants as hc

    env = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return bool(hc.HF_HUB_OFFLINE) or env.upper() in ("1", "ON", "YES", "TRUE")


def endpoint() -> str:
    """The hub's address (`HF_ENDPOINT`, else huggingface.co)."""
    import huggingface_hub.constants as hc

    return (os.environ.get("HF_ENDPOINT") or hc.ENDPOINT).rstrip("/")


def reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Does the hub's endpoint answer at all within `timeout` seconds (any HTTP status counts)?

    Remembered for 30 s per endpoint. Goes through the same proxy settings (`HTTPS_PROXY`...) as
    the libraries do.
    """
    url = endpoint()
    seen = _probed.get(url)
    if seen is not None and time.monotonic() - seen[0] < _REMEMBER_S:
        return seen[1]
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            ok = True
    except urllib.error.HTTPError:  # it answered, with an error status: the network works
        ok = True
    except (OSError, ValueError):  # refused, no route, DNS, timeout; ValueError: a malformed endpoint
        ok = False
    _probed[url] = (time.monotonic(), ok)
    return ok


def cache_only() -> bool:
    """Should loads use the local cache only? True when not offline already and the hub does not answer."""
    return not offline() and not reachable()


def unreachable_reason() -> str:
    return f"the model hub ({endpoint()}) did not answer within {PROBE_TIMEOUT_S:.0f} s"


@contextlib.contextmanager
def datasets_offline(on: bool) -> Iterator[None]:
    """`datasets` in offline mode for the block when `on` (it reads its flag at call time).

    Process-wide while it lasts; it is only switched on when the hub does not answer, where any
    other load in the process would fail the same way.
    """
    if not on:
        yield
        return
    import datasets.config as dc

    old = dc.HF_HUB_OFFLINE
    dc.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        dc.HF_HUB_OFFLINE = old

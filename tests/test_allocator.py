"""The engine's allocator setting: large freed buffers are reused, not page-faulted in again."""

from __future__ import annotations

import subprocess
import sys

import pytest

# allocates, frees and allocates again a 64 MB tensor; prints the page faults of the second one
PROBE = """
import resource, sys, torch
from workbench.core import keep_freed_memory
on = sys.argv[1] == "on" and keep_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
x = torch.ones(16 * 1024 * 1024)  # 64 MB, every page touched
del x
before = faults()
y = torch.ones(16 * 1024 * 1024)
print(on, faults() - before)
"""


def probe(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    on, faults = out.stdout.split()
    return on, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_second_large_allocation_reuses_the_freed_pages():
    on, kept = probe("on")
    off, plain = probe("off")
    assert (on, off) == ("True", "False")
    assert plain > 10_000  # 64 MB of 4 KiB pages mapped afresh
    assert kept < plain / 10


def test_training_processes_set_it(monkeypatch):
    from workbench.config import TrainConfig
    from workbench.training import accelerate_setup

    calls = []
    monkeypatch.setattr(accelerate_setup, "keep_freed_memory", lambda: calls.append(1) or True)
    accelerate_setup.make_accelerator(TrainConfig(device="cpu", precision="fp32"))
    assert calls == [1]
    monkeypatch.setenv("WORKBENCH_SPEED_OFF", "allocator")  # the benchmark's ablation
    accelerate_setup.make_accelerator(TrainConfig(device="cpu", precision="fp32"))
    assert calls == [1]

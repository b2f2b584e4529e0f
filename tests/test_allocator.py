"""The engine's allocator setting: large tensors come from glibc's heap, not from a mapping per block."""

from __future__ import annotations

import subprocess
import sys

import pytest

# a 64 MB tensor alive: how many blocks does glibc hold as their own mmap (mallinfo2's hblks)?
PROBE = """
import ctypes, sys, torch
from workbench.core import keep_freed_memory
on = sys.argv[1] == "on" and keep_freed_memory()
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
before = libc.mallinfo2().hblks
y = torch.ones(16 * 1024 * 1024)
print(on, libc.mallinfo2().hblks - before)
"""


def probe(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    on, mapped = out.stdout.split()
    return on, int(mapped)


def _has_mallinfo2() -> bool:
    import ctypes

    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not _has_mallinfo2(), reason="glibc >= 2.33 (mallopt and mallinfo2)")
def test_a_large_tensor_comes_from_the_heap_not_its_own_mapping():
    assert probe("off") == ("False", 1)  # glibc's default: the 64 MB block is mmapped, and unmapped when freed
    assert probe("on") == ("True", 0)  # kept in the heap, whose freed space later blocks reuse


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

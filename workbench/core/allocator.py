"""glibc's allocator told to keep large freed blocks for reuse, so training steps stop page-faulting.

glibc serves an allocation above its mmap threshold (128 KiB, adapting up to 32 MiB) with a fresh
`mmap` and gives it back with `munmap` when freed. A training step allocates the same large buffers
every time: the word-embedding gradient alone is (V, H) = (30522, 384) fp32, 47 MB for MiniLM. Mapped
afresh each step, every page of it faults in and is zeroed by the kernel before PyTorch fills it.
Profiled on the 3-layer student (bf16, 2-core EPYC, `python -m benchmarks.profile_loop`): `aten::fill_`
inside `embedding_dense_backward` was 55% of the loop. With mmap off for large blocks (M_MMAP_MAX = 0)
and the heap's top not trimmed back (M_TRIM_THRESHOLD high), large blocks come from the heap, and the
space they free stays mapped for later blocks. Not every later block fits a given freed space exactly
(a 64-byte-aligned request is a little larger than the block it frees), but over a training step's mix
of sizes most are reused: the loop of 512 examples ran in 1.3-1.4 s instead of 2.1-3.3 s, and a whole
distillation run 1.21x faster (`benchmarks/results/same-work/distill.md`).

The cost is memory: what a step frees stays with the process until it ends (its peak, not growth step
after step). It is what `MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=...` in the environment does, but
that works only before a process starts; `mallopt` works on a running one. Called by the engine's
training processes (`make_accelerator`), never by the app's. Elsewhere than glibc (macOS, Windows,
musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
_TRIM_BYTES = 1 << 30  # free memory at the heap's top is given back only above 1 GiB
# the same setting for a process not yet started (glibc reads these at start-up): what the benchmark
# gives a Trainer run to compare like for like, and what a user can set for any PyTorch program
ALLOCATOR_ENV = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(_TRIM_BYTES)}

_done = False


def keep_freed_memory() -> bool:
    """Set glibc's allocator to reuse large freed blocks (once per process); True where it took effect."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, _TRIM_BYTES))
    return _done

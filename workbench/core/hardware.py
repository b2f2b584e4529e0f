"""Device, precision and thread choices, made once from what the hardware has.

bf16 autocast pays off on CPUs with native bf16 dot products (AVX512-BF16, AMX) and on recent
GPUs; elsewhere it is emulated and slower than fp32, so `auto` only picks it where it is native.
"""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache

import torch


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_native_bf16() -> bool:
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def resolve_device(device: str = "auto") -> torch.device:
    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            from workbench.core.errors import WorkbenchError

            raise WorkbenchError("training.device is cuda but no CUDA GPU is available")
        return torch.device("cuda")
    return torch.device("cpu")


def resolve_precision(precision: str, device: torch.device) -> str:
    """'auto' -> 'bf16' where native, else 'fp32'. Explicit choices are kept."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_native_bf16() else "fp32"


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Autocast context for inference code that runs outside an Accelerator."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    if precision == "fp16" and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def serving_precision(latency_precision: str, training_precision: str) -> str:
    """The precision models are timed in: fp32 or bf16 as configured, or `match` = the run's resolved
    training precision. fp32 is the default because it is what a model saved by the workbench runs in
    when a user loads it and calls it: timing it in bf16 would promise a speed they do not get."""
    return training_precision if latency_precision == "match" else latency_precision


def set_threads(num_threads: int = 0) -> int:
    """Use every core (or `num_threads`) for intra-op work; returns the count set."""
    torch.set_num_threads(max(1, num_threads or core_count()))
    return torch.get_num_threads()


def core_count() -> int:
    """Cores this process may run on (the affinity mask, not the host's total)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_machine() -> str:
    import platform

    parts = [f"{core_count()} CPU cores"]
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    if model:
        parts.append(model)
    parts.append("native bf16" if cpu_has_native_bf16() else "no native bf16")
    if torch.cuda.is_available():
        parts.append(f"GPU {torch.cuda.get_device_name(0)}")
    parts.append(f"torch {torch.__version__}, Python {platform.python_version()}")
    return ", ".join(parts)

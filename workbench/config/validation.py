"""Checks that need no data or model (ranges, choices, combinations), each failure a `WorkbenchError` with a code.

The message is the one line the CLI prints (it names config keys, for people who edit YAML).
The code and its facts are for the UI, which words the problem in terms of its own widgets
(ui/wording.py) and must never match the message text. A code is stable: reword a message
freely, but change a code or its facts only together with the UI's wording for it.

Codes raised here (`validate_values`); `field` is always the full config key, e.g. "training.epochs":

| code                                          | facts                                        | when                                              |
|-----------------------------------------------|----------------------------------------------|---------------------------------------------------|
| config.out_of_range                           | field, value, low, high, low_open, high_open | a number outside its range; `low`/`high` is None  |
|                                               |                                              | where unbounded; `*_open` True when that end      |
|                                               |                                              | itself is not allowed (`> 0` is low=0, low_open)  |
| config.bad_choice                             | field, value, choices                        | a setting that must be one of a few words         |
| data.path_missing                             | field ("data.path")                          | data.source is local and no data.path is given    |
| data.same_columns                             | column                                       | data.text_column == data.label_column             |
| data.extra_eval_incomplete                    | field, index                                 | a data.extra_eval entry without its name or path  |
|                                               |                                              | (field: "data.extra_eval[2].path")                |
| data.extra_eval_duplicate                     | name                                         | two data.extra_eval entries with one name         |
| data.pool_needs_budget                        | (none)                                       | unlabelled_pool rest-of-train, labels_per_class   |
|                                               |                                              | empty                                             |
| model.name_missing                            | field, source                                | teacher (or pretrained student) has no name for   |
|                                               |                                              | a source that needs one; field = "teacher.name" / |
|                                               |                                              | "student.name"                                    |
| student.bad_layers                            | layers                                       | student.layers negative or repeated               |
| student.size_not_positive                     | kind, fields                                 | a scratch/bilstm size <= 0 (`fields`: which ones) |
| student.heads_dont_divide                     | num_heads, hidden_size                       | hidden_size % num_heads != 0 (kind scratch)       |
| distill.intermediate_needs_transformer        | kind                                         | hidden/attention loss with a student that is not  |
|                                               |                                              | kind layers or scratch                            |
| student.prune_vocab_with_intermediate         | (none)                                       | hidden/attention loss with a scratch student that |
|                                               |                                              | prunes its vocabulary                             |
| distill.bad_layer_map                         | layer_map                                    | a negative teacher layer in distill.layer_map     |
| sweep.bad_temperatures                        | temperatures                                 | empty, or a temperature <= 0                      |
| sweep.bad_alphas                              | alphas                                       | an alpha outside [0, 1]                           |
| sweep.bad_learning_rates                      | learning_rates                               | not [low, high] with 0 < low < high               |

Codes raised while reading a config (`workbench.config.yaml_io`, `workbench.config.presets`):

| code                    | facts                            | when                                          |
|-------------------------|----------------------------------|-----------------------------------------------|
| config.file_missing     | path                             | the YAML file does not exist                  |
| config.bad_yaml         | path, detail                     | it is not YAML (detail: the parser's line)    |
| config.not_a_mapping    | field, value                     | a section (or the file) is not a mapping      |
| config.unknown_setting  | field, known                     | a key no section has (known: the section's)   |
| config.not_a_list       | field, value                     | a list setting given something else           |
| config.wrong_type       | field, value, expected           | a value that is not the setting's type        |
| config.unknown_preset   | name, choices                    | `preset(name)` with a name not in PRESETS     |
"""

from __future__ import annotations

from typing import Any

from workbench.config.few_labels import TEACHER_METHODS
from workbench.config.model import BUNDLED_MODEL_NAMES, STUDENT_KINDS
from workbench.config.run import RunConfig
from workbench.config.sweep import SweepConfig
from workbench.config.training import TrainConfig
from workbench.config.transfer import TransferConfig
from workbench.core import WorkbenchError

MIN_LABELS_PER_CLASS = 2  # the data's own floor per class (workbench.data.textdata.MIN_TRAIN_PER_CLASS)


def _out_of_range(
    message: str,
    field: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> WorkbenchError:
    """The error for a number outside [low, high] (an open end excludes the bound itself)."""
    return WorkbenchError(
        message,
        code="config.out_of_range",
        field=field,
        value=value,
        low=low,
        high=high,
        low_open=low_open,
        high_open=high_open,
    )


def _choose(field: str, value: Any, choices: tuple[str, ...], message: str) -> None:
    """Raise `config.bad_choice` when `value` is not one of `choices`."""
    if value not in choices:
        raise WorkbenchError(message, code="config.bad_choice", field=field, value=value, choices=choices)


def _check_train_sizes(tc: TrainConfig, where: str) -> None:
    """Rate, batch, epochs, steps, length, accumulation and warm-up of one training section."""
    if not tc.learning_rate > 0:
        raise _out_of_range(
            f"{where}.learning_rate must be > 0, got {tc.learning_rate}",
            f"{where}.learning_rate",
            tc.learning_rate,
            low=0,
            low_open=True,
        )
    if tc.batch_size <= 0 or tc.eval_batch_size <= 0:
        # the message names batch_size either way (as it always has); the facts name the setting at fault
        name = "batch_size" if tc.batch_size <= 0 else "eval_batch_size"
        raise _out_of_range(
            f"{where}.batch_size must be a positive whole number, got {tc.batch_size}",
            f"{where}.{name}",
            getattr(tc, name),
            low=1,
        )
    if not tc.epochs > 0:
        raise _out_of_range(
            f"{where}.epochs must be > 0, got {tc.epochs}", f"{where}.epochs", tc.epochs, 0, low_open=True
        )
    if tc.max_steps is not None and tc.max_steps < 1:
        raise _out_of_range(
            f"{where}.max_steps must be a positive whole number or empty, got {tc.max_steps}",
            f"{where}.max_steps",
            tc.max_steps,
            low=1,
        )
    if tc.max_length < 8:
        raise _out_of_range(
            f"{where}.max_length must be at least 8 tokens, got {tc.max_length}",
            f"{where}.max_length",
            tc.max_length,
            low=8,
        )
    if tc.gradient_accumulation_steps < 1:
        raise _out_of_range(
            f"{where}.gradient_accumulation_steps must be >= 1",
            f"{where}.gradient_accumulation_steps",
            tc.gradient_accumulation_steps,
            low=1,
        )
    if not 0 <= tc.warmup_ratio < 1:
        raise _out_of_range(
            f"{where}.warmup_ratio must be in [0, 1), got {tc.warmup_ratio}",
            f"{where}.warmup_ratio",
            tc.warmup_ratio,
            low=0,
            high=1,
            high_open=True,
        )


def _check_train(tc: TrainConfig, where: str) -> None:
    _check_train_sizes(tc, where)
    _choose(
        f"{where}.precision",
        tc.precision,
        ("auto", "fp32", "bf16", "fp16"),
        f"{where}.precision must be auto, fp32, bf16 or fp16, got {tc.precision!r}",
    )
    _choose(
        f"{where}.latency_precision",
        tc.latency_precision,
        ("fp32", "bf16", "match"),
        f"{where}.latency_precision must be fp32, bf16 or match, got {tc.latency_precision!r}",
    )
    _choose(
        f"{where}.device",
        tc.device,
        ("auto", "cpu", "cuda"),
        f"{where}.device must be auto, cpu or cuda, got {tc.device!r}",
    )
    for name in ("eval_every_steps", "checkpoint_every_steps", "num_threads", "early_stopping_patience"):
        if getattr(tc, name) < 0:
            raise _out_of_range(
                f"{where}.{name} must be 0 or more, got {getattr(tc, name)}", f"{where}.{name}", getattr(tc, name), 0
            )
    if tc.evals_per_epoch < 1:
        raise _out_of_range(
            f"{where}.evals_per_epoch must be at least 1, got {tc.evals_per_epoch}",
            f"{where}.evals_per_epoch",
            tc.evals_per_epoch,
            low=1,
        )
    if tc.log_every_steps < 1:
        raise _out_of_range(
            f"{where}.log_every_steps must be at least 1, got {tc.log_every_steps}",
            f"{where}.log_every_steps",
            tc.log_every_steps,
            low=1,
        )
    for name in ("weight_decay", "max_grad_norm"):
        if not getattr(tc, name) >= 0:
            raise _out_of_range(
                f"{where}.{name} must be 0 or more, got {getattr(tc, name)}", f"{where}.{name}", getattr(tc, name), 0
            )


def _check_sweep(sw: SweepConfig) -> None:
    _choose("sweep.mode", sw.mode, ("grid", "search"), f"sweep.mode must be grid or search, got {sw.mode!r}")
    if sw.seeds < 1 or sw.n_trials < 1:
        name = "seeds" if sw.seeds < 1 else "n_trials"
        raise _out_of_range(
            "sweep.seeds and sweep.n_trials must be at least 1", f"sweep.{name}", getattr(sw, name), low=1
        )
    if not sw.temperatures or any(not t > 0 for t in sw.temperatures):
        raise WorkbenchError(
            f"sweep.temperatures must be positive numbers, got {sw.temperatures}",
            code="sweep.bad_temperatures",
            temperatures=sw.temperatures,
        )
    if any(not 0 <= a <= 1 for a in sw.alphas):
        raise WorkbenchError(
            f"sweep.alphas must be in [0, 1], got {sw.alphas}", code="sweep.bad_alphas", alphas=sw.alphas
        )
    if sw.learning_rates and (len(sw.learning_rates) != 2 or not 0 < sw.learning_rates[0] < sw.learning_rates[1]):
        raise WorkbenchError(
            f"sweep.learning_rates must be [low, high] with 0 < low < high, got {sw.learning_rates}",
            code="sweep.bad_learning_rates",
            learning_rates=sw.learning_rates,
        )
    _choose(
        "sweep.objectives",
        sw.objectives,
        ("accuracy", "accuracy+latency"),
        f"sweep.objectives must be accuracy or accuracy+latency, got {sw.objectives!r}",
    )


def _check_distill(cfg: RunConfig) -> None:
    d = cfg.distill
    for name in ("hidden_weight", "attention_weight"):
        if not getattr(d, name) >= 0:
            raise _out_of_range(
                f"distill.{name} must be 0 or more, got {getattr(d, name)}", f"distill.{name}", getattr(d, name), 0
            )
    if (d.hidden_weight or d.attention_weight) and cfg.student.kind not in ("layers", "scratch"):
        raise WorkbenchError(
            "hidden-state and attention losses need a transformer student (kind layers or scratch), "
            f"not {cfg.student.kind}",
            code="distill.intermediate_needs_transformer",
            kind=cfg.student.kind,
        )
    if (d.hidden_weight or d.attention_weight) and cfg.student.kind == "scratch" and cfg.student.prune_vocab:
        raise WorkbenchError(
            "hidden-state and attention losses feed the teacher the student's token ids: "
            "set student.prune_vocab: false for a scratch student",
            code="student.prune_vocab_with_intermediate",
        )
    if d.layer_map is not None and any(i < 0 for i in d.layer_map):
        raise WorkbenchError(
            f"distill.layer_map must hold teacher layer numbers from 0, got {d.layer_map}",
            code="distill.bad_layer_map",
            layer_map=d.layer_map,
        )
    _choose(
        "distill.ensemble",
        d.ensemble,
        ("probs", "logits"),
        f"distill.ensemble must be probs or logits, got {d.ensemble!r}",
    )


def _check_transfer(t: TransferConfig) -> None:
    if t.augment_factor < 0:
        raise _out_of_range(
            f"transfer.augment_factor must be 0 or more, got {t.augment_factor}",
            "transfer.augment_factor",
            t.augment_factor,
            low=0,
        )
    for name in ("mask_prob", "ngram_prob"):
        if not 0 <= getattr(t, name) <= 1:
            raise _out_of_range(
                f"transfer.{name} must be in [0, 1], got {getattr(t, name)}",
                f"transfer.{name}",
                getattr(t, name),
                low=0,
                high=1,
            )
    if t.max_examples is not None and t.max_examples <= 0:
        raise _out_of_range(
            f"transfer.max_examples must be positive or empty, got {t.max_examples}",
            "transfer.max_examples",
            t.max_examples,
            low=1,
        )


def _check_data(cfg: RunConfig) -> None:
    d = cfg.data
    _choose(
        "data.source",
        d.source,
        ("bundled", "hub", "local"),
        f"data.source must be bundled, hub or local, got {d.source!r}",
    )
    if d.source == "local" and not d.path:
        raise WorkbenchError(
            "data.path is required when data.source is local", code="data.path_missing", field="data.path"
        )
    if d.text_column == d.label_column:
        raise WorkbenchError(
            f"the text and the label must come from two different columns (both are {d.text_column!r})",
            code="data.same_columns",
            column=d.text_column,
        )
    for name in ("max_train_examples", "max_eval_examples"):
        v = getattr(d, name)
        if v is not None and v <= 0:
            raise _out_of_range(f"data.{name} must be positive or empty, got {v}", f"data.{name}", v, low=1)
    _check_label_budget(cfg)
    for frac in ("validation_fraction", "test_fraction"):
        v = getattr(d, frac)
        if not 0 < v < 0.5:
            raise _out_of_range(
                f"data.{frac} must be between 0 and 0.5", f"data.{frac}", v, 0, 0.5, low_open=True, high_open=True
            )


def _check_extra_eval(cfg: RunConfig) -> None:
    """Each test set from elsewhere has a name (its row in Compare and the report) and a file; names are
    unique, because the report keys its results by name. Whether the file reads is known only at run time."""
    seen: set[str] = set()
    for i, entry in enumerate(cfg.data.extra_eval):
        for name in ("name", "path"):
            if not str(getattr(entry, name) or "").strip():
                raise WorkbenchError(
                    f"data.extra_eval[{i}] needs a {name}",
                    code="data.extra_eval_incomplete",
                    field=f"data.extra_eval[{i}].{name}",
                    index=i,
                )
        if entry.name in seen:
            raise WorkbenchError(
                f"data.extra_eval names must differ: {entry.name!r} is used twice",
                code="data.extra_eval_duplicate",
                name=entry.name,
            )
        seen.add(entry.name)


def _check_label_budget(cfg: RunConfig) -> None:
    """`data.labels_per_class`, `data.unlabelled_pool` and the `few_labels:` section."""
    d, f = cfg.data, cfg.few_labels
    if d.labels_per_class is not None and d.labels_per_class < MIN_LABELS_PER_CLASS:
        raise _out_of_range(
            f"data.labels_per_class must be at least {MIN_LABELS_PER_CLASS} or empty, got {d.labels_per_class}",
            "data.labels_per_class",
            d.labels_per_class,
            low=MIN_LABELS_PER_CLASS,
        )
    if d.unlabelled_pool == "rest-of-train" and d.labels_per_class is None:
        raise WorkbenchError(
            "data.unlabelled_pool rest-of-train needs data.labels_per_class: with every label kept no train text is left",
            code="data.pool_needs_budget",
        )
    _choose("few_labels.teacher_method", f.teacher_method, TEACHER_METHODS, f"few_labels.teacher_method must be "
            f"{' or '.join(TEACHER_METHODS)}, got {f.teacher_method!r}")  # fmt: skip
    for name in ("pair_iterations", "pair_batch_size", "pair_epochs", "max_pairs"):
        if getattr(f, name) < 1:
            raise _out_of_range(f"few_labels.{name} must be at least 1", f"few_labels.{name}", getattr(f, name), low=1)
    if not f.pair_learning_rate > 0:
        raise _out_of_range(
            "few_labels.pair_learning_rate must be > 0", "few_labels.pair_learning_rate", f.pair_learning_rate, low=0,
            low_open=True,
        )  # fmt: skip


def _check_teacher(cfg: RunConfig) -> None:
    t = cfg.teacher
    _choose(
        "teacher.source",
        t.source,
        ("bundled", "hub", "local", "run"),
        f"teacher.source must be bundled, hub, local or run, got {t.source!r}",
    )
    _check_bundled_name("teacher.name", t.source, t.name)
    if t.source != "bundled" and not t.name:
        raise WorkbenchError(
            f"teacher.name is required when teacher.source is {t.source}",
            code="model.name_missing",
            field="teacher.name",
            source=t.source,
        )


def _check_bundled_name(field: str, source: str, name: str) -> None:
    """A bundled model is named by its model name ("" = the default MiniLM)."""
    if source == "bundled" and name:
        _choose(
            field,
            name,
            BUNDLED_MODEL_NAMES,
            f"no bundled model {name!r}; choose one of {', '.join(BUNDLED_MODEL_NAMES)}",
        )


def _check_student(cfg: RunConfig) -> None:
    s = cfg.student
    _choose(
        "student.kind", s.kind, STUDENT_KINDS, f"student.kind must be one of {', '.join(STUDENT_KINDS)}, got {s.kind!r}"
    )
    if s.kind == "bilstm":
        sizes = {n: getattr(s, n) for n in ("embedding_size", "lstm_hidden_size", "lstm_layers")}
        if min(sizes.values()) <= 0:
            raise WorkbenchError(
                "student BiLSTM sizes must be positive",
                code="student.size_not_positive",
                kind=s.kind,
                fields=[f"student.{n}" for n, v in sizes.items() if v <= 0],
            )
    if s.kind == "pretrained":
        _check_bundled_name("student.name", s.source, s.name)
    if s.kind == "pretrained" and s.source != "bundled" and not s.name:
        raise WorkbenchError(
            "student.name is required for a pretrained student",
            code="model.name_missing",
            field="student.name",
            source=s.source,
        )
    if s.layers is not None and (any(i < 0 for i in s.layers) or len(set(s.layers)) != len(s.layers)):
        raise WorkbenchError(
            f"student.layers must be distinct layer numbers from 0, got {s.layers}",
            code="student.bad_layers",
            layers=s.layers,
        )
    if s.kind == "scratch":
        sizes = {n: getattr(s, n) for n in ("num_layers", "hidden_size", "num_heads", "intermediate_size")}
        if min(sizes.values()) <= 0:
            raise WorkbenchError(
                "student sizes must be positive",
                code="student.size_not_positive",
                kind=s.kind,
                fields=[f"student.{n}" for n, v in sizes.items() if v <= 0],
            )
        if s.hidden_size % s.num_heads:
            raise WorkbenchError(
                f"student.num_heads ({s.num_heads}) must divide hidden_size ({s.hidden_size})",
                code="student.heads_dont_divide",
                num_heads=s.num_heads,
                hidden_size=s.hidden_size,
            )


def _check_run(cfg: RunConfig) -> None:
    """The run-wide numbers: temperature, alpha and the weak-teacher margin."""
    t = cfg.distill.temperature
    if not t > 0:
        raise _out_of_range(f"temperature must be > 0, got {t}", "distill.temperature", t, 0, low_open=True)
    if not 0 <= cfg.distill.alpha <= 1:
        raise _out_of_range(
            f"alpha must be in [0, 1], got {cfg.distill.alpha}", "distill.alpha", cfg.distill.alpha, 0, 1
        )
    m = cfg.min_teacher_accuracy_margin
    if not 0 <= m < 1:
        raise _out_of_range(
            f"min_teacher_accuracy_margin must be in [0, 1), got {m}",
            "min_teacher_accuracy_margin",
            m,
            0,
            1,
            high_open=True,
        )


def validate_values(cfg: RunConfig) -> None:
    """Checks that need no data or model: ranges and choices. Raises the first problem found
    (the order is the order the sections appear in, as it always has been)."""
    _check_data(cfg)
    _check_extra_eval(cfg)
    _check_teacher(cfg)
    _check_student(cfg)
    _check_run(cfg)
    _check_distill(cfg)
    _check_transfer(cfg.transfer)
    _check_sweep(cfg.sweep)
    _check_train(cfg.teacher_training, "teacher_training")
    _check_train(cfg.training, "training")

"""Every sentence the UI says about an engine error, and every choice's label, written once.

The engine raises `WorkbenchError(message, code, **facts)`: the message is for the CLI user (who
edits YAML, so it names config keys); the pages never match it by its text, since rewording an
error in the engine would then silently change what people read. They look the error's `code` up
in `SENTENCES` and fill the sentence with its `facts`. Errors without a code (or with a code this
module has no sentence for yet) fall back to the engine's message with its config keys turned into
the words of the widgets that set them.

Labels for the same choice (a teacher's source, a student's kind, how several teachers are
combined) appear on more than one page; they live here so the pages cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.core import WorkbenchError

# --------------------------------------------------------------------------- errors, by code
SENTENCES: dict[str, str] = {
    "data.path_missing": "the data is set to an uploaded file, and none has been uploaded (Setup, Data).",
    "student.prune_vocab_with_intermediate": "the hidden-state and attention losses need the full vocabulary: "
    "untick “Prune vocabulary to training words” for the student (Setup, Student).",
    "data.same_column": "the text and the label must be two different columns (both are '{column}'): "
    "pick another one in Setup, Data.",
    "data.rare_class": "class '{label}' has only {count} row(s) to train on; each class needs at least {minimum}: "
    "add examples or remove that class.",
    "data.extra_eval_duplicate": "two test sets from elsewhere are both called '{name}': "
    "remove one of them (Setup, Data).",
    "data.extra_eval_incomplete": "a test set from elsewhere has no name or no file: remove it (Setup, Data).",
}
# a part of a page that failed for a reason the engine did not foresee (the details go to the server's log)
PART_FAILED = "Something went wrong while showing {part}; the rest of the page still works."

# --------------------------------------------------------------------------- config keys, as the widgets name them
SECTIONS = {
    "teacher_training": "teacher fine-tuning: ",
    "training": "distillation: ",
    "data": "",
    "teacher": "the teacher's ",
    "student": "the student's ",
    "distill": "",
    "transfer": "extra texts: ",
}
FIELDS = {
    "path": "training file",
    "max_train_examples": "number of training examples",
    "max_eval_examples": "number of validation / test examples",
    "name": "model id or folder",
    "num_heads": "number of attention heads",
    "max_length": "maximum length",
    "gradient_accumulation_steps": "number of gradient accumulation steps",
    "warmup_ratio": "warm-up share",
    "augment_factor": "augmented copies of each text",
    "mask_prob": "chance that a word is masked",
    "ngram_prob": "chance that a copy is cut short",
    "hidden_weight": "hidden-state weight",
    "attention_weight": "attention weight",
    "evals_per_epoch": "number of validation passes per epoch",
    "early_stopping_patience": "number of evaluations without improvement before stopping early",
}
_CONFIG_KEY = re.compile(r"\b(" + "|".join(SECTIONS) + r")\.(\w+)\b")


def _key_words(message: str) -> str:
    """The engine's message with its config keys (`training.epochs`) turned into words."""

    def words(m: re.Match) -> str:
        section, name = m.group(1), m.group(2)
        return SECTIONS[section] + FIELDS.get(name, name.replace("_", " "))

    return _CONFIG_KEY.sub(words, message).replace("hidden_size", "hidden size")


def plain_problem(problem: WorkbenchError | str) -> str:
    """What went wrong, in the words of the UI: the sentence for the error's code, filled with its
    facts; for an error without a (known) code, its message without config keys.

    The engine speaks in config keys because the CLI user edits a YAML file; people in the UI set
    the same values through labelled widgets and never see those keys. A plain string is taken as
    a message without a code.
    """
    code = getattr(problem, "code", None)
    if code in SENTENCES:
        return SENTENCES[code].format(**getattr(problem, "facts", {}))
    return _key_words(str(problem))


# --------------------------------------------------------------------------- choices
TEACHER_SOURCES = {
    "bundled": "A bundled model (works offline)",
    "hub": "A model from the Hugging Face hub",
    "local": "A model folder on this machine",
    "run": "A teacher fine-tuned in an earlier run",
}
TEACHER_SOURCE_NOUNS = {  # the same choices inside a sentence ("Teacher: the bundled MiniLM")
    "bundled": "bundled",
    "hub": "hub model",
    "local": "local model",
    "run": "fine-tuned teacher from run",
}
BUNDLED_CHOICES = {  # workbench.models.BUNDLED_MODELS, as a person picks them
    "": "all-MiniLM-L6-v2 (23M, quick)",
    "all-mpnet-base-v2": "all-mpnet-base-v2 (110M, for few labels)",
}
STUDENT_KINDS = {
    "layers": "Cut from the teacher (keep some of its layers)",
    "scratch": "A small transformer trained from scratch",
    "bilstm": "A BiLSTM (Tang et al. 2019): tiny and fast",
    "pretrained": "A pre-trained model",
}
DATA_SOURCES = {
    "bundled": "Bundled Rotten Tomatoes reviews",
    "hub": "A data set from the Hugging Face hub",
    "local": "Upload a CSV / JSONL / Parquet file",
}
ENSEMBLE_RULES = {"probs": "Average their probabilities", "logits": "Average their raw scores (logits)"}
ENSEMBLE_INPUTS = {  # what was averaged, inside a sentence ("averaging their softened probabilities")
    "probs": "their softened probabilities",
    "logits": "their raw scores (logits)",
}
PRECISIONS = {"fp32": "32-bit floats (fp32)", "bf16": "bfloat16 (bf16)", "fp16": "16-bit floats (fp16)"}
RUN_KINDS = {"teacher": "Teacher fine-tuning", "distill": "Distillation"}
SPEED_UNSURE = {  # why a speed-up is unclear, inside "Its speed next to the teacher's is unclear (...)"
    "busy": "the machine was busy while timing",
    "overlap": "the timings of the two models overlap",
    "noisy": "the timings varied a lot between repeats",
}
SPEED_UNSURE_DETAIL = {  # the same, inside Compare's "This speed figure is unreliable: ..."
    "busy": "the machine was busy with other work while timing",
    "overlap": "the teacher's and the student's timings overlap, so it is not even clear which is faster",
    "noisy": "the timings varied a lot between repeats (the {who}'s ranged from {low:.1f} to {high:.1f} ms "
    "around a median of {median:.1f} ms)",
}
CHECK_LEVELS = {"ok": "ok", "warn": "warning", "error": "PROBLEM"}

# --------------------------------------------------------------------------- what a run is doing
PHASES = {  # a progress event's phase, inside "Run running: ..."
    "loading": "loading data and models",
    "checking_teacher": "checking the teacher's accuracy",
    "teacher_checked": "teacher checked",
    "teacher_logits_start": "computing the teacher's answers",
    "teacher_logits": "teacher's answers ready",
    "labelling_transfer": "the teacher labels the extra (augmented and unlabelled) texts",
    "training": "training",
    "evaluating": "evaluating and measuring speed",
    "done": "done",
}
SPLIT_WORDS = {"train": "training", "validation": "validation", "test": "test", "transfer": "augmented and unlabelled"}
RUN_STATES = {  # "Run waiting for the current run to finish."
    "queued": "waiting for the current run to finish",
    "running": "running",
    "finished": "finished",
    "failed": "failed",
    "stopped": "stopped",
}
STEPS = {  # the guided first run's steps; also the buttons that start each on its own
    "teacher": "Fine-tune the teacher",
    "distilled": "Distil the student from it",
    "baseline": "Train the same student without the teacher",
}
STEP_STATES = {  # a guided first run's step, after "Step 1/3 · Fine-tune the teacher: "
    "queued": "waiting",
    "running": "running",
    "finished": "finished",
    "failed": "failed",
    "stopped": "stopped",
}

# --------------------------------------------------------------------------- the training line, and resuming
IN_LINE = {  # a run that others wait for, inside "it starts when ... finishes"; by guided role, else by kind
    "teacher": "the teacher's fine-tuning",
    "distilled": "the distillation",
    "baseline": "the training without the teacher",
    "distill": "the distillation",
}
WAITING_FOR_RUN = "`{name}` is waiting: it starts when {what} `{after}` finishes."
WAITING_FOR_SLOT = "`{name}` is waiting: it starts when the run above finishes."
RESUME = "Resume"
RESUME_FROM = "Resume from step {step}"
CANNOT_RESUME = "This run cannot be resumed: it ended before it saved any progress. Start it again above."
STARTING_RUN = "Starting: the run's process is getting ready (a minute at most on a busy computer)."
STEP_STARTING = "starting"  # a guided step whose process is getting ready, after "Step 1/3 · ...: "


def baseline_steps_sentence(distilled: int | None, baseline: int | None, same_plan: int | None = None) -> str:
    """What the Compare page says about the optimizer steps of a distilled run and its baseline: the
    same (a fair comparison of the teacher's help), planned alike and ended by the same early-stopping
    rule (`same_plan`: the steps both were planned for), or plainly how they differ (older baselines
    were trained for the same epochs, so a transfer set gave the distilled run more steps)."""
    if distilled is None or baseline is None:
        return "The number of training steps of one of the two runs is not known."
    if same_plan is not None and distilled != baseline:
        return (
            f"Both were planned for {same_plan:,} training steps under the same early-stopping rule, which ended "
            f"the distilled run after {distilled:,} and the one without the teacher after {baseline:,}."
        )
    if distilled == baseline:
        return f"Both made the same number of training steps ({distilled:,}), so the gap is the teacher's help."
    return (
        f"They made different numbers of training steps ({distilled:,} distilled, {baseline:,} without the teacher), "
        "so the gap mixes the teacher's help with the difference in training. Train the baseline again for a fair "
        "comparison."
    )


# --------------------------------------------------------------------------- each student family's training defaults
FAMILY_RATES = {  # "BiLSTM students train at a higher learning rate: 0.002 for 4 passes"
    "layers": "Students cut from the teacher train at a gentle learning rate",
    "pretrained": "Pre-trained students train at the usual fine-tuning rate",
    "scratch": "Small transformers trained from scratch train at a higher learning rate",
    "bilstm": "BiLSTM students train at a higher learning rate",
}
GUIDED_STUDENTS = {  # the guided first run's choice of student
    "layers": "The teacher cut to 3 layers (closest to the teacher)",
    "bilstm": "A tiny BiLSTM (far smaller and faster)",
}


def plain_rate(rate: float) -> str:
    """0.002, 0.00005: a learning rate as a decimal, never in exponent notation."""
    return f"{rate:.8f}".rstrip("0").rstrip(".")


def passes(epochs: float) -> str:
    return f"{epochs:g} pass" + ("" if epochs == 1 else "es")


def family_line(kind: str, rate: float, epochs: float) -> str:
    """The one line Setup says when a student family is picked and its training defaults applied."""
    return (
        f"{FAMILY_RATES.get(kind, 'This student trains at a learning rate')}: {plain_rate(rate)} for {passes(epochs)}."
    )


def kept_line(kept: dict[str, object]) -> str:
    """'Your learning rate 0.003 stays.': values set by hand that a family pick left alone."""
    names = {"training.learning_rate": "learning rate", "training.epochs": "number of passes"}
    shown = []
    for key, value in kept.items():
        if key in names:
            text = plain_rate(value) if key.endswith("learning_rate") else f"{value:g}"  # type: ignore[arg-type]
            shown.append(f"{names[key]} {text}")
    return f"Your {' and '.join(shown)} {'stay' if len(shown) > 1 else 'stays'}." if shown else ""


TRAIN_PAGE_LINE = "Change the learning rate and the passes on the Train page."


def training_line(rate: float, epochs: float) -> str:
    """Under the student choice: what it will train at (the Train page is where to change it)."""
    return f"Trains at learning rate {plain_rate(rate)} for {passes(epochs)}; change them on the Train page."


def kept_weights_line(training: dict[str, Any] | None) -> str:
    """Under a finished run: whose weights were saved and whether early stopping ended it, from the
    report's `training` block ("" for reports written before it said so, or without an evaluation)."""
    training = training or {}
    best = training.get("best")
    if not isinstance(best, dict) or "step" not in best:
        return ""
    value = f"{best.get('value', 0):.1%}"
    if training.get("kept_step", best["step"]) == best["step"]:
        text = f"Kept the weights from step {best['step']} (best validation accuracy {value})."
    else:
        text = (
            f"Kept the last step's weights (step {training['kept_step']}); the best validation accuracy, "
            f"{value}, was at step {best['step']}."
        )
    if training.get("stopped_early"):
        k = training.get("patience")
        text += (
            f" Stopped early at step {training.get('stopped_early_at')}: no better validation result for {k} "
            f"evaluation{'' if k == 1 else 's'}."
        )
    return text


# --------------------------------------------------------------------------- run names, several students side by side
NAME_TAKEN = "A run named {name} exists; the next one will be {new}."  # under Setup's run name
FAMILY_NOUNS = {  # a student's family in a table cell
    "layers": "cut from the teacher",
    "scratch": "small transformer",
    "bilstm": "BiLSTM",
    "pretrained": "pre-trained",
    "teacher": "teacher",
}
LINEUP_DIFFERS_WORDS = {  # what the chosen runs do not share, inside "not all ... "
    "teacher": "distilled from the same teacher",
    "data": "trained on the same data",
    "test split": "measured on the same test split",
}
LINEUP_HELD = (
    "Held equal: the data, the test split and the teacher. Not held equal: each student trained with its own "
    "settings (learning rate, passes, temperature), and each was trained once (one seed), so differences of a "
    "point or so are noise. Speed-up and accuracy kept are against the teacher as each run measured it; "
    "speed is one sentence at a time, median."
)


def lineup_differs_sentence(differs: list[str]) -> str:
    """Why a side-by-side table of these runs is not like for like, from `Lineup.differs`."""
    parts = [LINEUP_DIFFERS_WORDS.get(d, d) for d in differs]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
    return (
        f"These runs were not all {listed}, so this table is not like for like: the teacher row is the first "
        "run's. Pick runs on the same data and teacher to compare the students fairly."
    )

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
    "bundled": "Bundled MiniLM (all-MiniLM-L6-v2)",
    "hub": "A model from the Hugging Face hub",
    "local": "A model folder on this machine",
    "run": "A teacher fine-tuned in an earlier run",
}
TEACHER_SOURCE_NOUNS = {  # the same choices inside a sentence ("Teacher: the bundled MiniLM")
    "bundled": "the bundled MiniLM",
    "hub": "hub model",
    "local": "local model",
    "run": "fine-tuned teacher from run",
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

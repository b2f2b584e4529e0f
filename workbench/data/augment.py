"""The transfer set: extra texts that the teacher labels and the student learns from by the soft loss alone.

Tang et al. 2019 ("Distilling Task-Specific Knowledge from BERT into Simple Neural Networks",
arXiv:1903.12136, section 3.3) find that a small student needs more examples than the task's
labelled set to pick up the teacher's function, and that most of their BiLSTM's gain over the same
BiLSTM trained on labels comes from such a set. Labels are not needed: the teacher supplies soft
targets, so the new texts carry only the soft loss (`losses.distillation_loss`, label -100).

Augmentation, `augment_factor` (their n_iter) times per training text x = w_1 ... w_m:

    for each word w_i (whitespace token):  with probability p_mask, w_i <- mask token    (masking)
    then, for the whole text:              with probability p_ng,   x <- w_j ... w_{j+n-1},
                                           n ~ U{1..5} (at most m), j ~ U{1..m-n+1}       (n-gram sampling)

Masking shows the student which words the teacher's decision rests on (the teacher answers for the
text without them); n-gram sampling shows it the teacher's view of short fragments. The mask token
is the teacher tokenizer's own ("[MASK]" for BERT), which the teacher was pre-trained to read.
Tang et al.'s third rule, part-of-speech-guided word replacement (swap a word for another of the
same POS tag, p_pos = 0.1), is left out: it needs a POS tagger and tagged vocabulary, which this
offline workbench does not ship.

Kept texts are new ones: an augmented text equal (after `data.textdata.normalise_text`) to a training text,
to a validation or test text (the student would be taught the teacher's answer on what it is
scored on), or to another kept text is dropped, and so are empty ones. With p_mask = p_ng = 0 every
copy equals its original, so the set is empty. Unlabelled texts from a file (`unlabelled_path`,
.txt one per line or a table with the data's text column) go through the same filter.

Everything is seeded by the data seed (`data.seed`, which already decides splits and sampling), not
the run seed: the repeats of a sweep over seeds then share one transfer set and the teacher labels
it once (its logits are cached by content). The set is capped at `max_examples` by a seeded sample
that keeps the order (unlabelled first, then augmented).

This module works on strings: it knows nothing about tokenisers' ids, models or tensors.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import RunConfig
from workbench.core import WorkbenchError
from workbench.data.frames import column_texts
from workbench.data.readers import read_lines, read_table
from workbench.data.textdata import TextData, normalise_text

MAX_NGRAM = 5  # Tang et al.: n uniform in {1, ..., 5}
DEFAULT_MASK_TOKEN = "[MASK]"


@dataclass
class TransferSet:
    """The transfer texts (unlabelled first, then augmented) and where they came from."""

    texts: list[str] = field(default_factory=list)
    augmented: int = 0
    unlabelled: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def mask_token_of(tokenizer: Any) -> str:
    """The tokenizer's mask token; its unknown token where it has none (GPT-style); else "[MASK]"."""
    return getattr(tokenizer, "mask_token", None) or getattr(tokenizer, "unk_token", None) or DEFAULT_MASK_TOKEN


def augment_one(text: str, rng: random.Random, mask_prob: float, ngram_prob: float, mask_token: str) -> str:
    """One augmented copy of `text`: words masked with `mask_prob`, then cut to an n-gram with `ngram_prob`."""
    words = [mask_token if rng.random() < mask_prob else w for w in text.split()]
    if words and rng.random() < ngram_prob:
        n = min(rng.randint(1, MAX_NGRAM), len(words))
        start = rng.randint(0, len(words) - n)
        words = words[start : start + n]
    return " ".join(words)


def augment_texts(
    texts: list[str],
    factor: int,
    mask_prob: float,
    ngram_prob: float,
    mask_token: str,
    seed: int,
    exclude: Iterable[str] = (),
) -> list[str]:
    """`factor` augmented copies of each text, in order, minus empties and duplicates of `texts`,
    `exclude` and each other. The same arguments give the same list (`random.Random(seed)`)."""
    rng = random.Random(seed)
    seen = {normalise_text(t) for t in texts} | {normalise_text(t) for t in exclude}
    out = []
    for text in texts:
        for _ in range(factor):
            new = augment_one(text, rng, mask_prob, ngram_prob, mask_token)
            key = normalise_text(new)
            if key and key not in seen:
                seen.add(key)
                out.append(new)
    return out


def read_unlabelled(path: str | Path, text_column: str) -> tuple[list[str], list[str]]:
    """Texts of an unlabelled file -> (texts, notes): .txt one text per line; .csv/.tsv/.jsonl/.json/
    .parquet read like the data files, from `text_column`. Empty texts are dropped; a missing or
    empty file, or one with no text at all, is a one-line error."""
    p = Path(path)
    if p.suffix.lower() == ".txt":
        return read_lines(p)
    frame, notes = read_table(p)
    texts, empty = column_texts(frame, text_column, "unlabelled")
    if not texts:
        raise WorkbenchError(f"{p.name} has no text: all {len(frame)} rows of column {text_column!r} are empty")
    if empty:
        notes.append(f"unlabelled: dropped {empty} row(s) with an empty text")
    return texts, notes


def build_transfer_set(
    cfg: RunConfig, train_texts: list[str], mask_token: str, exclude: Iterable[str] = (), pool: Iterable[str] = ()
) -> TransferSet:
    """Unlabelled texts (the data's pool, `data.unlabelled_pool`, then a file if given) and augmented
    training texts, filtered and capped.

    `exclude`: texts the transfer set must not hold besides the training texts (validation and test).
    """
    t = cfg.transfer
    out = TransferSet()
    held_out = {normalise_text(x) for x in exclude}
    seen = {normalise_text(x) for x in train_texts} | held_out
    unlabelled: list[str] = []
    texts = list(pool)
    if t.unlabelled_path:
        file_texts, out.notes = read_unlabelled(t.unlabelled_path, cfg.data.text_column)
        texts += file_texts
    if texts:
        in_eval = 0
        for text in texts:
            key = normalise_text(text)
            in_eval += key in held_out
            if key not in seen:
                seen.add(key)
                unlabelled.append(text)
        if in_eval:
            out.notes.append(f"{in_eval} unlabelled text(s) also in validation or test were dropped")
        if len(unlabelled) < len(texts) - in_eval:
            out.notes.append(
                f"{len(texts) - in_eval - len(unlabelled)} unlabelled text(s) already in train or repeated were dropped"
            )
    augmented = augment_texts(
        train_texts, t.augment_factor, t.mask_prob, t.ngram_prob, mask_token, cfg.data.seed, exclude=seen
    )
    texts = unlabelled + augmented
    if t.max_examples is not None and len(texts) > t.max_examples:
        keep = sorted(random.Random(f"{cfg.data.seed}-transfer").sample(range(len(texts)), t.max_examples))
        out.notes.append(f"transfer set limited to {t.max_examples} of {len(texts)} texts")
        out.unlabelled = sum(i < len(unlabelled) for i in keep)
        texts = [texts[i] for i in keep]
    else:
        out.unlabelled = len(unlabelled)
    out.texts = texts
    out.augmented = len(texts) - out.unlabelled
    return out


def transfer_wanted(cfg: RunConfig) -> bool:
    """Does the config ask for a transfer set (augmented copies, an unlabelled file or pool)?"""
    return cfg.transfer.augment_factor > 0 or bool(cfg.transfer.unlabelled_path) or bool(cfg.data.unlabelled_pool)


def make_transfer_set(cfg: RunConfig, data: TextData, tokenizer: Any) -> TransferSet:
    """The run's transfer set, masked with `tokenizer`'s mask token (the teacher's), kept apart
    from every training, validation and test text."""
    return build_transfer_set(
        cfg,
        data.train.texts,
        mask_token_of(tokenizer),
        exclude=data.validation.texts + data.test.texts,
        pool=data.unlabelled,
    )


def estimate_cost(
    n_texts: int, teacher_examples_per_s: float | None, train_examples_per_s: float | None
) -> dict[str, Any]:
    """What a transfer set of `n_texts` costs, from throughputs the caller measured on this machine:
    the teacher's labelling (once; later runs read its cache) and the extra training time per epoch
    (the student sees every transfer text once an epoch). A throughput that is missing or not
    positive gives None for its figure."""

    def seconds(rate: float | None) -> float | None:
        return n_texts / rate if rate and rate > 0 else None

    return {
        "examples": n_texts,
        "teacher_seconds": seconds(teacher_examples_per_s),
        "extra_seconds_per_epoch": seconds(train_examples_per_s),
    }

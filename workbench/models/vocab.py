"""A WordPiece vocabulary pruned to the tokens the training texts use.

Why: a small student's embedding table is most of its weights. bert-base-uncased's vocabulary has
30,522 entries; a sentiment corpus of a few thousand reviews uses a fraction of them, and a row the
training data never selects is never trained, so the student can drop it. Tang et al. 2019
("Distilling Task-Specific Knowledge from BERT into Simple Neural Networks") train their BiLSTM on
a task vocabulary for the same reason.

Why it is exact: WordPiece (Wu et al. 2016, as BERT uses it) splits each pre-tokenised word greedily,
taking at every position the *longest* vocabulary entry that matches. Keep every piece the training
texts produced and drop others: at each position the original longest match is still there, and no
longer match can appear (the new vocabulary is a subset), so every training text splits into the
same pieces; a word the original could not split (-> [UNK]) cannot be split with fewer pieces either.
Hence, for every training text, `pruned_ids == new_id_of[original_ids]`, which `prune_vocabulary`
checks before returning. Texts outside the training data may meet a dropped piece and fall back to
shorter pieces or [UNK]: the student never learned a row for those pieces anyway.

The new ids keep the old order (kept old ids, ascending), so [PAD] = 0 stays 0 for BERT vocabularies.
`kept_ids[new_id] = old_id` is the map: gather the teacher's embedding rows with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import torch

from workbench.core import WorkbenchError
from workbench.data import tokenize

NOT_WORDPIECE = "vocabulary pruning needs a WordPiece tokenizer; set student.prune_vocab: false"


@dataclass
class PrunedVocab:
    tokenizer: Any  # a transformers BertTokenizer (fast) over the kept tokens
    kept_ids: torch.Tensor  # (V_new,) long: the teacher-vocabulary id of each new id
    original_size: int  # V_old

    @property
    def size(self) -> int:
        return int(self.kept_ids.numel())


def _bert_settings(tokenizer: Any) -> dict[str, Any]:
    """The normaliser settings of a BERT-style fast tokenizer, or a one-line error for anything else."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise WorkbenchError(NOT_WORDPIECE)
    model = json.loads(backend.to_str())
    if model.get("model", {}).get("type") != "WordPiece":
        raise WorkbenchError(NOT_WORDPIECE)
    norm = model.get("normalizer") or {}
    pre = model.get("pre_tokenizer") or {}
    if norm.get("type") != "BertNormalizer" or pre.get("type") != "BertPreTokenizer":
        # a WordPiece model behind another normaliser: rebuilding it as a BERT tokenizer would change it
        raise WorkbenchError(NOT_WORDPIECE)
    wp = model["model"]
    if wp.get("continuing_subword_prefix", "##") != "##":
        raise WorkbenchError(NOT_WORDPIECE)
    return {
        "do_lower_case": bool(norm.get("lowercase", True)),
        "tokenize_chinese_chars": bool(norm.get("handle_chinese_chars", True)),
        "strip_accents": norm.get("strip_accents"),
        "unk_token": wp.get("unk_token", "[UNK]"),
    }


def kept_token_ids(tokenizer: Any, texts: list[str]) -> set[int]:
    """The ids a pruned vocabulary keeps: every piece of `texts` plus every special token."""
    old_vocab: dict[str, int] = tokenizer.get_vocab()
    original = tokenize(tokenizer, texts, add_special_tokens=False, truncation=False, padding=False)["input_ids"]
    keep: set[int] = {i for ids in original for i in ids}
    specials = ("[UNK]", "[MASK]", "[PAD]", "[CLS]", "[SEP]")
    keep |= {old_vocab[t] for t in specials if t in old_vocab}
    keep |= set(tokenizer.all_special_ids)
    keep |= set(tokenizer.added_tokens_decoder) & set(old_vocab.values())
    return keep


def prune_vocabulary(tokenizer: Any, texts: list[str]) -> PrunedVocab:
    """A tokenizer over the pieces of `texts` plus every special token, and its old -> new id map.

    The same normalisation as `tokenizer` (lower-casing, accents, Chinese characters), the same
    special tokens ([CLS] text [SEP], [PAD] for padding, [MASK] kept for token masking).
    Raises WorkbenchError for a tokenizer that is not BERT's WordPiece.
    """
    from transformers import BertTokenizer  # the fast (Rust) tokenizer in transformers 5

    settings = _bert_settings(tokenizer)
    if not texts:
        raise WorkbenchError("vocabulary pruning needs training texts; there are none")
    old_vocab: dict[str, int] = tokenizer.get_vocab()
    keep = kept_token_ids(tokenizer, texts)
    missing = [t for t in ("[UNK]", "[PAD]", "[CLS]", "[SEP]") if t not in old_vocab]
    if missing or settings["unk_token"] not in old_vocab:
        raise WorkbenchError(f"vocabulary pruning needs BERT's special tokens; the tokenizer lacks {missing}")
    kept = sorted(keep)
    id_to_token = {i: t for t, i in old_vocab.items()}
    new_vocab = {id_to_token[old]: new for new, old in enumerate(kept)}
    pruned = BertTokenizer(
        vocab=new_vocab,
        do_lower_case=settings["do_lower_case"],
        tokenize_chinese_chars=settings["tokenize_chinese_chars"],
        strip_accents=settings["strip_accents"],
        unk_token=settings["unk_token"],
        model_max_length=tokenizer.model_max_length,
    )
    kept_ids = torch.tensor(kept, dtype=torch.long)  # (V_new,)
    _check_same_pieces(tokenizer, pruned, texts, kept_ids)
    return PrunedVocab(pruned, kept_ids, len(old_vocab))


def _check_same_pieces(original: Any, pruned: Any, texts: list[str], kept_ids: torch.Tensor) -> None:
    """Every training text must tokenise to the same pieces (specials included) under both."""
    a = tokenize(original, texts, truncation=False, padding=False)["input_ids"]
    b = tokenize(pruned, texts, truncation=False, padding=False)["input_ids"]
    for i, (old, new) in enumerate(zip(a, b, strict=True)):
        if len(old) != len(new) or kept_ids[torch.tensor(new, dtype=torch.long)].tolist() != list(old):
            raise WorkbenchError(
                f"the pruned vocabulary splits training text {i} differently from the original tokenizer; "
                "set student.prune_vocab: false"
            )

"""Student construction: every kind of student a run can distil into, initialised from the teacher.

- layers: the teacher with some encoder layers kept (DistilBERT's initialisation; `models.layers.cut_layers`).
- pretrained: another checkpoint with its own tokenizer.
- scratch: a smaller configuration of the teacher's architecture.
- bilstm: the BiLSTM of Tang et al. 2019 (`workbench.models.bilstm`).

Scratch and BiLSTM students start from the teacher's word vectors: row i of the student's table is
the teacher's row for the same token, projected on the principal directions of those rows (PCA keeps
most of their variance in fewer columns; the first columns would be an arbitrary slice). With
`prune_vocab` they also drop the tokens the training texts never use (`workbench.models.vocab`): their
tokenizer is then their own, saved with the model, and the run tokenises the data with it.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from workbench.config import StudentConfig
from workbench.core import WorkbenchError
from workbench.models.layers import cut_layers
from workbench.models.loaded import LoadedModel
from workbench.models.loading import load_classifier
from workbench.models.vocab import PrunedVocab, prune_vocabulary


def build_student(
    cfg: StudentConfig, teacher: LoadedModel, label_names: list[str], train_texts: list[str] | None = None
) -> LoadedModel:
    """The student described by `cfg`, with the same label space as the teacher.

    `train_texts` are the texts the vocabulary is pruned to (kinds scratch and bilstm with
    `prune_vocab`); without them the student keeps the teacher's whole vocabulary.
    """
    if cfg.kind == "layers":
        return cut_layers(teacher, cfg.layers)
    if cfg.kind == "pretrained":
        return load_classifier(cfg.source, cfg.name, label_names)
    if cfg.kind in ("scratch", "bilstm"):
        vocab = prune_vocabulary(teacher.tokenizer, train_texts) if cfg.prune_vocab and train_texts else None
        if cfg.kind == "scratch":
            return build_scratch(teacher, cfg, vocab)
        return build_bilstm(teacher, cfg, label_names, vocab)
    raise WorkbenchError(f"student.kind must be layers, pretrained, scratch or bilstm, got {cfg.kind!r}")


def _vocab_note(vocab: PrunedVocab | None) -> str:
    return f", vocabulary {vocab.size:,} of {vocab.original_size:,} tokens" if vocab else ""


def build_scratch(teacher: LoadedModel, cfg: StudentConfig, vocab: PrunedVocab | None = None) -> LoadedModel:
    """A smaller configuration of the teacher's architecture, with the teacher's tokenizer (or its
    pruned copy) and the teacher's embeddings projected onto the student's width."""
    from transformers import AutoModelForSequenceClassification

    config = copy.deepcopy(teacher.model.config)
    for key, value in (
        ("num_hidden_layers", cfg.num_layers),
        ("hidden_size", cfg.hidden_size),
        ("num_attention_heads", cfg.num_heads),
    ):
        setattr(config, key, value)
    for key in ("intermediate_size", "hidden_dim"):
        if hasattr(config, key):
            setattr(config, key, cfg.intermediate_size)
    tokenizer = teacher.tokenizer
    if vocab is not None:
        tokenizer = vocab.tokenizer
        config.vocab_size = vocab.size
        config.pad_token_id = tokenizer.pad_token_id
    model = AutoModelForSequenceClassification.from_config(config)
    transfer_embeddings(teacher.model, model, None if vocab is None else vocab.kept_ids)
    desc = f"from scratch: {cfg.num_layers} layers, hidden {cfg.hidden_size}, {cfg.num_heads} heads{_vocab_note(vocab)}"
    token_map = None if vocab is None else vocab.kept_ids
    return LoadedModel(model, tokenizer, "", desc, head_trained=False, token_map=token_map)


def build_bilstm(
    teacher: LoadedModel, cfg: StudentConfig, label_names: list[str], vocab: PrunedVocab | None = None
) -> LoadedModel:
    """A BiLSTM student over the teacher's (or the pruned) vocabulary, its word vectors the
    teacher's rows projected onto `embedding_size`."""
    from workbench.models.bilstm import BiLSTMConfig, BiLSTMForSequenceClassification

    tokenizer = teacher.tokenizer if vocab is None else vocab.tokenizer
    rows = teacher.model.get_input_embeddings().weight.shape[0] if vocab is None else vocab.size
    config = BiLSTMConfig(
        vocab_size=rows,
        embedding_size=cfg.embedding_size,
        hidden_size=cfg.lstm_hidden_size,
        num_layers=cfg.lstm_layers,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={n: i for i, n in enumerate(label_names)},
    )
    model = BiLSTMForSequenceClassification(config)
    transfer_embeddings(teacher.model, model, None if vocab is None else vocab.kept_ids)
    desc = (
        f"BiLSTM: {cfg.lstm_layers} layer(s), hidden {cfg.lstm_hidden_size} per direction, "
        f"word vectors {cfg.embedding_size}{_vocab_note(vocab)}"
    )
    token_map = None if vocab is None else vocab.kept_ids
    return LoadedModel(model, tokenizer, "", desc, head_trained=False, token_map=token_map)


@torch.no_grad()
def transfer_embeddings(teacher: nn.Module, student: nn.Module, word_rows: torch.Tensor | None = None) -> int:
    """Copy what fits of the teacher's embedding tables into the student; returns tensors copied.

    `word_rows` (V_s,): the teacher token id of each student token id (a pruned vocabulary); None
    means the same ids. Same width: copied as they are. Narrower student: the word table and the
    other 2-D tables of the teacher's width (positions) are projected on the top principal
    directions of the teacher's word vectors the student keeps,

        X = W_t[word_rows] (V_s, H_t),  X - mean(X) = U S V^T,  P = V[:, :H_s],  W_s = X P

    which keeps most of their variance. Wider student: the teacher's columns go first, the rest
    keep their initialisation.
    """
    t_words_param = teacher.get_input_embeddings().weight  # (V_t, H_t)
    s_words_param = student.get_input_embeddings().weight  # (V_s, H_s)
    t_words = t_words_param if word_rows is None else t_words_param[word_rows]  # (V_s, H_t)
    t_emb = {n: p for n, p in _embedding_params(teacher) if p is not t_words_param}
    s_emb = {n: p for n, p in _embedding_params(student) if p is not s_words_param}
    h_t, h_s = t_words.shape[1], s_words_param.shape[1]
    projection = None
    if h_s < h_t:
        centred = t_words.float() - t_words.float().mean(0, keepdim=True)  # (V_s, H_t)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)  # vh: (H_t, H_t)
        projection = vh[:h_s].T  # (H_t, H_s)
    pairs = [(t_words, s_words_param)] + [(t_emb[n], p) for n, p in s_emb.items() if n in t_emb]
    copied = 0
    for t_param, s_param in pairs:
        if t_param.shape == s_param.shape:
            s_param.copy_(t_param)
        elif t_param.dim() == 2 and projection is not None and t_param.shape[1] == h_t:
            n = min(t_param.shape[0], s_param.shape[0])
            s_param[:n].copy_(t_param[:n].float() @ projection)  # (n, H_s)
        elif t_param.dim() == 2 and t_param.shape[1] <= s_param.shape[1]:
            n = min(t_param.shape[0], s_param.shape[0])
            s_param[:n, : t_param.shape[1]].copy_(t_param[:n])
        else:
            continue
        copied += 1
    return copied


def _embedding_params(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    out = []
    for name, param in model.named_parameters():
        if ".embeddings." in f".{name}" and "LayerNorm" not in name and "layer_norm" not in name:
            out.append((name.split("embeddings.", 1)[1], param))
    return out

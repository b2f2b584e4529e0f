"""Small students: the pruned vocabulary, the BiLSTM, and a distillation run into a BiLSTM."""

import json

import pytest
import torch

from tests.conftest import NEGATIVE, POSITIVE, sentiment_frame
from workbench.config import StudentConfig
from workbench.core import WorkbenchError
from workbench.models import (
    BiLSTMConfig,
    BiLSTMForSequenceClassification,
    build_student,
    describe,
    load_classifier,
    param_breakdown,
    save_model,
)
from workbench.models.saving import TOKEN_MAP_FILE
from workbench.models.vocab import prune_vocabulary

LABELS = ["negative", "positive"]
TRICKY = ["Unbelievably naïve CAFÉ, 東京!", "re-watchable?? xqzzyv", "[MASK] it"]


def test_pruned_vocabulary_tokenises_training_texts_to_the_mapped_ids(bundled_tokenizer):
    texts = list(sentiment_frame()["text"]) + TRICKY
    pruned = prune_vocabulary(bundled_tokenizer, texts)
    old = bundled_tokenizer(texts)["input_ids"]
    used = {i for ids in old for i in ids} | set(bundled_tokenizer.all_special_ids)
    assert pruned.kept_ids.tolist() == sorted(used)  # every training piece and every special, nothing else
    assert pruned.tokenizer.vocab_size == len(used) < 400 and pruned.original_size == 30522
    new = pruned.tokenizer(texts)["input_ids"]
    for o, n in zip(old, new, strict=True):
        assert pruned.kept_ids[torch.tensor(n)].tolist() == o
    tok, ptok = bundled_tokenizer, pruned.tokenizer
    for special in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"):
        assert ptok.convert_ids_to_tokens(ptok.convert_tokens_to_ids(special)) == special
        assert int(pruned.kept_ids[ptok.convert_tokens_to_ids(special)]) == tok.convert_tokens_to_ids(special)
    assert ptok.pad_token_id == 0  # old order kept: BERT's [PAD] stays 0
    # a word whose pieces never occur in training is unknown to the pruned tokenizer
    assert ptok("zebra", add_special_tokens=False)["input_ids"] == [ptok.unk_token_id]


def test_pruning_refuses_a_tokenizer_that_is_not_wordpiece():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel({"[UNK]": 0, "good": 1, "film": 2}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")
    with pytest.raises(WorkbenchError, match="needs a WordPiece tokenizer; set student.prune_vocab: false"):
        prune_vocabulary(tok, ["good film"])


def _tiny_bilstm(num_layers: int = 1) -> BiLSTMForSequenceClassification:
    torch.manual_seed(0)
    cfg = BiLSTMConfig(vocab_size=40, embedding_size=8, hidden_size=6, num_layers=num_layers, num_labels=3)
    return BiLSTMForSequenceClassification(cfg).eval()


def _reference_logits(model: BiLSTMForSequenceClassification, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The same network written with PyTorch's own bidirectional LSTM over packed sequences."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    lengths = mask.sum(1)
    x = model.embeddings.word_embeddings(ids)  # (bs, L, E)
    for layer in model.layers:
        lstm = torch.nn.LSTM(x.shape[-1], model.config.hidden_size, batch_first=True, bidirectional=True)
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(lstm, name).data.copy_(getattr(layer.forward_lstm, name))
            getattr(lstm, f"{name}_reverse").data.copy_(getattr(layer.backward_lstm, name))
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        x, _ = pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=ids.shape[1])  # (bs, L, 2H)
    pooled = torch.stack([x[b, : int(lengths[b])].max(0).values for b in range(len(ids))])  # (bs, 2H)
    return model.classifier(pooled)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_bilstm_matches_a_packed_bidirectional_lstm_and_ignores_padding(num_layers):
    model = _tiny_bilstm(num_layers)
    ids = torch.tensor([[2, 5, 6, 7, 3], [2, 8, 3, 0, 0], [2, 9, 10, 11, 3]])  # (3, 5)
    mask = (ids != 0).long()
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, labels=torch.tensor([0, 1, 2]))
        assert out.logits.shape == (3, 3) and out.loss.shape == ()
        torch.testing.assert_close(out.logits, _reference_logits(model, ids, mask), atol=1e-5, rtol=1e-5)
        alone = model(input_ids=ids[1:2, :3], attention_mask=mask[1:2, :3]).logits
        torch.testing.assert_close(out.logits[1:2], alone, atol=1e-6, rtol=1e-6)
        junk = ids.clone()
        junk[1, 3:] = 17  # whatever sits under the padding, the logits stay
        torch.testing.assert_close(model(input_ids=junk, attention_mask=mask).logits, out.logits)


def test_bilstm_sizes_and_description():
    model = _tiny_bilstm()
    e, h, v = 8, 6, 40
    lstm_per_direction = 4 * h * (e + h) + 2 * 4 * h  # W_ih, W_hh and two biases of four gates
    head = (2 * h) * (2 * h) + 2 * h + (2 * h) * 3 + 3
    assert param_breakdown(model) == {
        "embeddings": v * e,
        "encoder": 2 * lstm_per_direction,
        "head": head,
        "total": v * e + 2 * lstm_per_direction + head,
    }
    d = describe(model)
    assert d["model_type"] == "workbench_bilstm" and d["layers"] == 1 and d["hidden_size"] == h
    assert d["inputs"] == ["attention_mask", "input_ids"]  # no token_type_ids


def _teacher(tiny_bert):
    return load_classifier("local", str(tiny_bert), LABELS)


def test_bilstm_student_gets_pruned_vocab_and_projected_teacher_rows(tiny_bert):
    teacher = _teacher(tiny_bert)
    texts = POSITIVE + NEGATIVE
    cfg = StudentConfig(kind="bilstm", embedding_size=16, lstm_hidden_size=8)
    student = build_student(cfg, teacher, LABELS, texts)
    tok = student.tokenizer
    assert tok is not teacher.tokenizer and student.model.config.vocab_size == tok.vocab_size < 100
    assert student.model.config.id2label == {0: "negative", 1: "positive"}
    # independent of the code under test: old ids looked up by token string, PCA via eigh
    tokens = tok.convert_ids_to_tokens(list(range(tok.vocab_size)))
    old_ids = teacher.tokenizer.convert_tokens_to_ids(tokens)
    assert student.token_map.tolist() == old_ids
    x = teacher.model.get_input_embeddings().weight.detach()[old_ids]  # (V_s, 32)
    xc = x - x.mean(0)
    _, vecs = torch.linalg.eigh(xc.T @ xc)  # ascending eigenvalues
    top = vecs[:, -16:]  # (32, 16)
    w = student.model.get_input_embeddings().weight.detach()  # (V_s, 16)
    torch.testing.assert_close(w @ w.T, (x @ top) @ (x @ top).T, atol=1e-4, rtol=1e-3)  # same up to column signs
    assert "vocabulary" in student.description


def test_scratch_student_with_pruned_vocab(tiny_bert):
    teacher = _teacher(tiny_bert)
    cfg = StudentConfig(kind="scratch", num_layers=1, hidden_size=32, num_heads=2, intermediate_size=32)
    student = build_student(cfg, teacher, LABELS, POSITIVE + NEGATIVE)
    v = student.tokenizer.vocab_size
    assert student.model.config.vocab_size == v < 100
    t_words = teacher.model.get_input_embeddings().weight  # same width: rows copied as they are
    torch.testing.assert_close(student.model.get_input_embeddings().weight, t_words[student.token_map])
    enc = student.tokenizer(["a wonderful, moving film"], return_tensors="pt")
    assert student.model(**enc).logits.shape == (1, 2)
    unpruned = build_student(StudentConfig(kind="scratch", prune_vocab=False, num_layers=1, hidden_size=32,
                                           num_heads=2, intermediate_size=32), teacher, LABELS, POSITIVE)  # fmt: skip
    assert unpruned.tokenizer is teacher.tokenizer and unpruned.token_map is None


def test_bilstm_round_trips_through_a_run_folder(tiny_bert, tmp_path):
    teacher = _teacher(tiny_bert)
    cfg = StudentConfig(kind="bilstm", embedding_size=16, lstm_hidden_size=8, lstm_layers=2)
    student = build_student(cfg, teacher, LABELS, POSITIVE + NEGATIVE)
    save_model(student, tmp_path / "model")
    again = load_classifier("run", str(tmp_path), LABELS)
    assert type(again.model).__name__ == "BiLSTMForSequenceClassification" and again.head_trained
    texts = ["a wonderful, moving film", "I hated every minute of it"]
    assert again.tokenizer(texts)["input_ids"] == student.tokenizer(texts)["input_ids"]
    enc = again.tokenizer(texts, padding=True, return_tensors="pt")
    inputs = {k: enc[k] for k in ("input_ids", "attention_mask")}
    student.model.eval()
    with torch.no_grad():
        torch.testing.assert_close(again.model(**inputs).logits, student.model(**inputs).logits)
    saved = json.loads((tmp_path / "model" / TOKEN_MAP_FILE).read_text())
    assert saved["teacher_token_ids"] == student.token_map.tolist()


@pytest.mark.slowish
def test_distill_into_a_bilstm_end_to_end(tiny_config):
    from workbench.runs import execute, prepare_run_dir, read_report, read_status

    tiny_config.student.kind = "bilstm"
    tiny_config.student.embedding_size = 16
    tiny_config.student.lstm_hidden_size = 16
    run_dir = prepare_run_dir(tiny_config, "distill", None)
    assert execute("distill", tiny_config, run_dir) == 0, read_status(run_dir)
    report = read_report(run_dir)
    s, t = report["student"], report["teacher"]
    assert s["architecture"]["model_type"] == "workbench_bilstm"
    assert 0 < s["params"]["total"] < t["params"]["total"]
    assert s["params"]["embeddings"] == s["architecture"]["vocab_size"] * 16 < 200 * 16  # pruned table
    assert s["latency_ms"]["batch_1"] > 0 and s["latency_ms"]["batch_32"] > 0
    assert 0 <= s["test"]["accuracy"] <= 1

"""Sizes and costs before anything loads: student parameter counts and the transfer set's cost."""

from __future__ import annotations

import pytest
from torch import nn

from workbench.config import ModelConfig, StudentConfig
from workbench.core import WorkbenchError
from workbench.models import count_texts, estimate_params, pruned_vocab_size, teacher_seconds_per_text, transfer_cost
from workbench.models.sizing import bilstm_params


@pytest.mark.parametrize("layers", [1, 2])
def test_bilstm_count_matches_the_built_model(layers):
    from workbench.models import BiLSTMConfig, BiLSTMForSequenceClassification, param_breakdown

    model = BiLSTMForSequenceClassification(
        BiLSTMConfig(vocab_size=1000, embedding_size=16, hidden_size=24, num_layers=layers, num_labels=3)
    )
    counts = bilstm_params(1000, 16, 24, layers, 3)
    assert counts == param_breakdown(model)
    assert counts["embeddings"] == 16_000
    lstm = nn.LSTM(16, 24, num_layers=layers, bidirectional=True)
    assert counts["encoder"] == sum(p.numel() for p in lstm.parameters())


def test_one_layer_bilstm_by_hand():
    # per direction 4 gates * (256 * (128 + 256) + 2 * 256) = 4 * 98,816 = 395,264; two directions 790,528
    assert bilstm_params(30522, 128, 256, 1, 2)["encoder"] == 790_528


def test_transformer_students_counted_from_config_match_built_models(tiny_bert):
    from workbench.models import build_student, load_classifier, param_breakdown

    teacher_cfg = ModelConfig(source="local", name=str(tiny_bert))
    teacher = load_classifier("local", str(tiny_bert), ["negative", "positive"])
    for student in (
        StudentConfig(kind="layers", layers=[0, 3]),
        StudentConfig(kind="layers"),  # every other layer: 2 of 4
        StudentConfig(kind="scratch", num_layers=1, hidden_size=16, num_heads=2, intermediate_size=32),
    ):
        est = estimate_params(teacher_cfg, student, num_labels=2)
        built = build_student(student, teacher, ["negative", "positive"])
        assert est["student"] == param_breakdown(built.model), student
        assert est["teacher"] == param_breakdown(teacher.model)
    bilstm = estimate_params(teacher_cfg, StudentConfig(kind="bilstm", embedding_size=8, lstm_hidden_size=4))
    assert bilstm["student"] == bilstm_params(bilstm["vocab_size"], 8, 4, 1, 2)
    assert estimate_params(teacher_cfg, StudentConfig(kind="pretrained"))["student"] is None


def test_transfer_cost_by_hand():
    # 1,000 training texts, 4 copies each + 500 unlabelled = 4,500 extra; epochs see 5,500 texts: 5.5x
    cost = transfer_cost(1000, 4, n_unlabelled=500, teacher_seconds_per_text=0.01)
    assert cost == {"extra_texts": 4500, "epoch_factor": 5.5, "teacher_seconds": pytest.approx(45.0)}
    capped = transfer_cost(1000, 4, n_unlabelled=500, max_examples=2000)
    assert capped["extra_texts"] == 2000 and capped["epoch_factor"] == 3.0 and capped["teacher_seconds"] is None
    assert transfer_cost(10, 0)["epoch_factor"] == 1.0
    with pytest.raises(WorkbenchError):
        transfer_cost(0, 2)


def test_teacher_seconds_per_text_from_a_preflight_estimate():
    assert teacher_seconds_per_text({"teacher_seconds_per_batch": 0.64}, 32) == pytest.approx(0.02)
    assert teacher_seconds_per_text(None, 32) is None


def test_count_texts(tmp_path):
    txt = tmp_path / "more.txt"
    txt.write_text("one film\n\n  \nanother film\nthird\n", encoding="utf-8")
    assert count_texts(txt) == 3
    csv = tmp_path / "more.csv"
    csv.write_text("text\na\nb\n", encoding="utf-8")
    assert count_texts(csv) == 2
    with pytest.raises(WorkbenchError, match="no longer on this machine"):
        count_texts(tmp_path / "gone.txt")


def test_a_pruned_vocabulary_is_counted_on_the_training_texts(bundled_tokenizer):
    from workbench.models.vocab import prune_vocabulary

    texts = ["a wonderful, moving film", "a dull, lifeless mess", "unbelievably wonderful"]
    n = pruned_vocab_size(bundled_tokenizer, texts)
    assert n == len(prune_vocabulary(bundled_tokenizer, texts).kept_ids)
    student = StudentConfig(kind="bilstm", embedding_size=8, lstm_hidden_size=4, prune_vocab=True)
    sized = estimate_params(ModelConfig(), student, pruned_vocab=n)
    assert sized["student_vocab_size"] == n < sized["vocab_size"]
    assert sized["student"] == bilstm_params(n, 8, 4, 1, 2)
    student.prune_vocab = False  # not pruned: the teacher's whole vocabulary, whatever was counted
    assert estimate_params(ModelConfig(), student, pruned_vocab=n)["student_vocab_size"] == sized["vocab_size"]

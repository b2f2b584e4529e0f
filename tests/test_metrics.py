"""Metrics, batching and collation against independent references (scikit-learn, hand-worked values)."""

import random

import pytest
import torch

from workbench.data import Encoded, collate, length_grouped_batches
from workbench.evaluation import chance_accuracy, classification_metrics
from workbench.evaluation.metrics import confusion_matrix

sk_metrics = pytest.importorskip("sklearn.metrics")


def sklearn_macro_f1(labels, preds):
    present = sorted(set(labels) | set(preds))
    if not present:
        return 0.0
    return sk_metrics.f1_score(labels, preds, average="macro", labels=present, zero_division=0)


def random_cases(n_cases=60, seed=0):
    rng = random.Random(seed)
    for _ in range(n_cases):
        c = rng.randint(2, 5)
        n = rng.randint(1, 30)
        classes = rng.sample(range(c), rng.randint(1, c))  # some classes absent on purpose
        labels = [rng.choice(classes) for _ in range(n)]
        preds = [rng.choice(classes) if rng.random() < 0.5 else y for y in labels]
        yield labels, preds, c


def test_macro_f1_and_accuracy_match_sklearn_on_random_cases():
    for labels, preds, c in random_cases():
        m = classification_metrics(labels, preds, c)
        assert m["macro_f1"] == pytest.approx(sklearn_macro_f1(labels, preds), abs=1e-12), (labels, preds, c)
        assert m["accuracy"] == pytest.approx(sk_metrics.accuracy_score(labels, preds))


def test_perfect_classifier_with_a_missing_class_scores_one():
    m = classification_metrics([0, 1, 0, 1], [0, 1, 0, 1], num_labels=3)
    assert m["macro_f1"] == 1.0 and m["accuracy"] == 1.0


def test_one_class_only_and_empty():
    assert classification_metrics([1, 1, 1], [1, 1, 1], 2)["macro_f1"] == 1.0
    assert classification_metrics([1, 1, 1], [0, 0, 0], 2)["macro_f1"] == sklearn_macro_f1([1, 1, 1], [0, 0, 0])
    empty = classification_metrics([], [], 2)
    assert empty["accuracy"] == 0.0 and empty["macro_f1"] == 0.0
    assert empty["confusion_matrix"] == [[0, 0], [0, 0]]


def test_confusion_matrix_matches_sklearn():
    for labels, preds, c in random_cases(seed=1):
        ref = sk_metrics.confusion_matrix(labels, preds, labels=list(range(c))).tolist()
        assert confusion_matrix(labels, preds, c) == ref


def test_chance_accuracy_hand_worked():
    assert chance_accuracy([0, 0, 0, 1], 2) == 0.75  # always "0": 3 of 4
    assert chance_accuracy([0, 1, 2, 2], 3) == 0.5
    assert chance_accuracy([0, 1], 4) == 0.5  # majority 1/2 beats 1/4
    assert chance_accuracy([], 4) == 0.25


def test_length_grouped_batches_cover_every_index_once_and_group_by_length():
    rng = random.Random(3)
    lengths = [rng.randint(3, 120) for _ in range(1000)]
    batches = length_grouped_batches(lengths, batch_size=16, seed=7, mega=10)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(1000))
    assert all(1 <= len(b) <= 16 for b in batches)
    assert batches == length_grouped_batches(lengths, 16, seed=7, mega=10)  # deterministic per seed
    assert batches != length_grouped_batches(lengths, 16, seed=8, mega=10)
    # length-homogeneous: the mean within-batch spread is far below that of random batches
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    order = list(range(1000))
    rng.shuffle(order)
    rand = [order[i : i + 16] for i in range(0, 1000, 16)]
    rand_spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in rand) / len(rand)
    assert spread < rand_spread / 4


def test_collate_mask_is_one_exactly_on_real_tokens_and_pads_with_pad_id():
    ids = [[101, 7, 8, 102], [101, 9, 102], [101, 102]]
    enc = Encoded({"input_ids": ids, "token_type_ids": [[0] * len(r) for r in ids]}, [0, 1, 0], pad_id=5, truncated=0)
    batch = collate(enc, [2, 0, 1])
    assert batch["input_ids"].tolist() == [[101, 102, 5, 5], [101, 7, 8, 102], [101, 9, 102, 5]]
    assert batch["attention_mask"].tolist() == [[1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]]
    assert batch["token_type_ids"].tolist() == [[0, 0, 0, 0]] * 3
    assert batch["labels"].tolist() == [0, 0, 1] and batch["index"].tolist() == [2, 0, 1]
    assert (batch["attention_mask"].bool() == (batch["input_ids"] != 5)).all()
    assert batch["input_ids"].dtype == torch.long

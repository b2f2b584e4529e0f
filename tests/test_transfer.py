"""The transfer set (Tang et al. 2019): augmentation, unlabelled files, the soft-only loss, and a run."""

from __future__ import annotations

import math
import random

import pytest
import torch

from workbench.config import RunConfig
from workbench.core import WorkbenchError
from workbench.data import NO_LABEL, encode
from workbench.data.augment import (
    augment_one,
    augment_texts,
    build_transfer_set,
    estimate_cost,
    read_unlabelled,
)
from workbench.distill import distillation_loss
from workbench.distill import logits_cache as cache
from workbench.runs import execute, prepare_run_dir, read_metrics, read_report, read_status

TRAIN = [
    "a wonderful moving film with great acting",
    "a dull lifeless mess from start to end",
    "brilliant and funny",
    "boring and far too long",
]


def cfg_with(**transfer) -> RunConfig:
    cfg = RunConfig()
    for k, v in transfer.items():
        setattr(cfg.transfer, k, v)
    return cfg


# --------------------------------------------------------------------------- augmentation


def test_same_seed_same_texts_other_seed_other_texts():
    args = (TRAIN, 5, 0.3, 0.5, "[MASK]")
    first = augment_texts(*args, seed=1)
    assert first == augment_texts(*args, seed=1)
    assert first != augment_texts(*args, seed=2)
    assert len(first) > len(TRAIN)


def test_no_masking_and_no_ngrams_gives_only_copies_which_are_dropped():
    assert augment_texts(TRAIN, 3, 0.0, 0.0, "[MASK]", seed=0) == []
    assert build_transfer_set(cfg_with(augment_factor=3, mask_prob=0.0, ngram_prob=0.0), TRAIN, "[MASK]").texts == []


def test_mask_prob_one_masks_every_word():
    out = augment_texts(TRAIN, 2, 1.0, 0.0, "[MASK]", seed=0)
    assert out and all(set(t.split()) == {"[MASK]"} for t in out)
    # duplicates of each other are dropped: one all-mask text per distinct word count (7, 8, 3, 5)
    assert sorted(len(t.split()) for t in out) == [3, 5, 7, 8]


def test_ngram_prob_one_gives_contiguous_ngrams_of_one_to_five_words():
    out = augment_texts(TRAIN, 10, 0.0, 1.0, "[MASK]", seed=3)
    assert out
    for t in out:
        words = t.split()
        assert 1 <= len(words) <= 5
        assert any(t in " ".join(src.split()) for src in TRAIN)


def test_probabilities_are_respected():
    rng = random.Random(0)
    long_text = " ".join(f"w{i}" for i in range(20))
    masked = cut = 0
    for _ in range(2000):
        words = augment_one(long_text, rng, 0.3, 0.0, "[MASK]").split()
        masked += words.count("[MASK]")
        cut += len(augment_one(long_text, rng, 0.0, 0.25, "[MASK]").split()) < 20
    assert masked / 40000 == pytest.approx(0.3, abs=0.01)  # sd ~0.0023
    assert cut / 2000 == pytest.approx(0.25, abs=0.03)  # sd ~0.0097


def test_texts_of_the_evaluation_splits_are_never_in_the_transfer_set():
    # "good film" cut to n-grams gives "good", "film" or "good film" (a copy of the text: dropped)
    free = augment_texts(["good film"], 30, 0.0, 1.0, "[MASK]", seed=0)
    assert sorted(free) == ["film", "good"]
    assert augment_texts(["good film"], 30, 0.0, 1.0, "[MASK]", seed=0, exclude=["FILM "]) == ["good"]


def test_cap_is_deterministic_and_counts_add_up(tmp_path):
    path = tmp_path / "more.txt"
    path.write_text("an unseen review\nanother unseen one\n", encoding="utf-8")
    cfg = cfg_with(augment_factor=4, mask_prob=0.3, ngram_prob=0.5, unlabelled_path=str(path))
    full = build_transfer_set(cfg, TRAIN, "[MASK]")
    assert full.unlabelled == 2 and full.texts[:2] == ["an unseen review", "another unseen one"]
    assert full.augmented == len(full) - 2 > 5
    cfg.transfer.max_examples = 5
    capped = build_transfer_set(cfg, TRAIN, "[MASK]")
    assert len(capped) == 5 and capped.augmented + capped.unlabelled == 5
    assert capped.texts == build_transfer_set(cfg, TRAIN, "[MASK]").texts
    assert all(t in full.texts for t in capped.texts)
    assert [t for t in full.texts if t in capped.texts] == capped.texts  # order kept
    assert any("limited to 5" in n for n in capped.notes)


def test_estimate_cost_from_throughputs():
    assert estimate_cost(600, 200.0, 50.0) == {"examples": 600, "teacher_seconds": 3.0, "extra_seconds_per_epoch": 12.0}
    assert estimate_cost(10, None, 0.0)["teacher_seconds"] is None


# --------------------------------------------------------------------------- unlabelled files


def test_unlabelled_txt_csv_and_jsonl(tmp_path):
    txt = tmp_path / "u.txt"
    txt.write_text("  first text \n\n second text\n   \n", encoding="utf-8")
    assert read_unlabelled(txt, "text") == (["first text", "second text"], [])
    csv = tmp_path / "u.csv"
    csv.write_text("review,other\n a csv text ,1\n,2\n12,3\n", encoding="utf-8")
    texts, notes = read_unlabelled(csv, "review")
    assert texts == ["a csv text", "12"]
    assert notes == ["unlabelled: dropped 1 row(s) with an empty text"]
    jsonl = tmp_path / "u.jsonl"
    jsonl.write_text('{"text": "json one"}\n{"text": "json two"}\n', encoding="utf-8")
    assert read_unlabelled(jsonl, "text")[0] == ["json one", "json two"]


@pytest.mark.parametrize(
    "name,content,column,message",
    [
        ("missing.txt", None, "text", "not found"),
        ("empty.txt", "", "text", "is empty"),
        ("blank.txt", "\n  \n\n", "text", "is empty"),
        ("bom.txt", "\ufeff\n  \n", "text", "no text"),
        ("missing.csv", None, "text", "not found"),
        ("empty.csv", "", "text", "is empty"),
        ("cols.csv", "review\nsome text\n", "text", "'text' not found in unlabelled data"),
        ("blank.csv", "text,x\n,1\n ,2\n", "text", "has no text"),
    ],
)
def test_unlabelled_file_errors_are_one_line(tmp_path, name, content, column, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(WorkbenchError, match=message) as info:
        read_unlabelled(path, column)
    assert "\n" not in str(info.value)


def test_unlabelled_texts_already_in_the_data_are_dropped(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text(f"{TRAIN[0].upper()}\na held-out text\nnew text\nnew  text\n", encoding="utf-8")
    ts = build_transfer_set(cfg_with(unlabelled_path=str(path)), TRAIN, "[MASK]", exclude=["A held-out text"])
    assert ts.texts == ["new text"] and (ts.unlabelled, ts.augmented) == (1, 0)
    assert any("also in validation or test" in n for n in ts.notes)


# --------------------------------------------------------------------------- the loss


def _kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q, strict=True))


def test_loss_with_transfer_examples_by_hand():
    """Example 1 is labelled (class 1), example 2 is a transfer example (-100).

    1: student [0, 0] -> [1/2, 1/2]; teacher [0, ln 3] -> [1/4, 3/4]; CE(class 1) = ln 2.
    2: student [0, ln 3] -> [1/4, 3/4]; teacher [0, 0] -> [1/2, 1/2]; no CE.
    """
    s = torch.tensor([[0.0, 0.0], [0.0, math.log(3)]])
    t = torch.tensor([[0.0, math.log(3)], [0.0, 0.0]])
    soft1, soft2 = _kl([0.25, 0.75], [0.5, 0.5]), _kl([0.5, 0.5], [0.25, 0.75])
    alpha = 0.3
    out = distillation_loss(s, t, torch.tensor([1, NO_LABEL]), 1.0, alpha)
    assert out.total.item() == pytest.approx((alpha * soft1 + (1 - alpha) * math.log(2) + soft2) / 2, rel=1e-6)
    assert out.soft.item() == pytest.approx((soft1 + soft2) / 2, rel=1e-6)
    assert out.hard.item() == pytest.approx(math.log(2), rel=1e-6)


def test_loss_with_only_transfer_examples_is_the_soft_loss_and_hard_is_zero():
    # T = 2: teacher [0, 2 ln 3] / 2 -> [1/4, 3/4]; student [0, 0] -> [1/2, 1/2]; times T^2 = 4
    s = torch.zeros(2, 2, requires_grad=True)
    t = torch.tensor([[0.0, 2 * math.log(3)]] * 2)
    out = distillation_loss(s, t, torch.tensor([NO_LABEL, NO_LABEL]), 2.0, 0.0)  # alpha 0: still soft
    expected = 4 * _kl([0.25, 0.75], [0.5, 0.5])
    assert out.total.item() == pytest.approx(expected, rel=1e-6)
    assert out.soft.item() == pytest.approx(expected, rel=1e-6)
    assert out.hard.item() == 0.0
    out.total.backward()
    # d/dz_s of T^2 KL(p_t || softmax(z_s/T)) = T (p_s - p_t); mean over 2 examples halves it
    assert s.grad[0].tolist() == pytest.approx([2 * 0.25 / 2, -2 * 0.25 / 2], rel=1e-5)


# --------------------------------------------------------------------------- the pipeline


def test_training_set_appends_transfer_examples_in_order(tiny_config, bundled_tokenizer):
    from workbench.data import Encoded
    from workbench.distill import training_set
    from workbench.distill.transfer import LabelledTransfer
    from workbench.models import LoadedModel, Prepared

    train_enc = encode(bundled_tokenizer, ["good", "bad film"], [1, 0], 16, {"input_ids"})
    model = torch.nn.Module()
    model.forward = lambda input_ids=None, attention_mask=None: None  # accepts input_ids only
    loaded = LoadedModel.__new__(LoadedModel)
    loaded.model, loaded.tokenizer = model, bundled_tokenizer
    student = Prepared(loaded, {"train": train_enc})
    transfer = LabelledTransfer(["[MASK] film"], torch.tensor([[5.0, 6.0]]), {})
    enc, targets = training_set(student, transfer, torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 16)
    assert isinstance(enc, Encoded) and len(enc) == 3
    assert enc.labels == [1, 0, NO_LABEL]
    assert enc.features["input_ids"][2] == bundled_tokenizer("[MASK] film")["input_ids"]
    assert targets.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def _run(cfg):
    run_dir = prepare_run_dir(cfg, "distill", None)
    code = execute("distill", cfg, run_dir)
    assert code == 0, read_status(run_dir)
    return run_dir


@pytest.mark.slowish
def test_distill_run_with_a_transfer_set(tiny_config, tmp_path, monkeypatch):
    import workbench.training.pipeline as pipeline

    unlabelled = tmp_path / "more.txt"
    unlabelled.write_text("an unseen and lovely film\nhonestly, a dreadful bore\n", encoding="utf-8")
    tiny_config.transfer.augment_factor = 2
    tiny_config.transfer.unlabelled_path = str(unlabelled)
    tiny_config.training.epochs = 1
    seen = []  # (teacher targets, labels) of every training batch

    def spy(student_logits, teacher_logits, labels, temperature, alpha):
        seen.append((teacher_logits.detach().cpu().clone(), labels.cpu().clone()))
        return distillation_loss(student_logits, teacher_logits, labels, temperature, alpha)

    monkeypatch.setattr(pipeline, "distillation_loss", spy)
    first = _run(tiny_config)
    report, events = read_report(first), read_metrics(first)
    block = report["transfer"]
    assert block["unlabelled"] == 2 and block["augmented"] > 0 and block["cached"] is False
    assert block["teacher_seconds"] > 0
    n_transfer = block["augmented"] + block["unlabelled"]
    n_train = report["data"]["sizes"]["train"]
    labelling = [e for e in events if e.get("phase") == "labelling_transfer"]
    assert len(labelling) == 1 and labelling[0]["examples"] == n_transfer
    computed = [e for e in events if e.get("phase") == "teacher_logits_start" and e.get("split") == "transfer"]
    assert len(computed) == 1 and computed[0]["examples"] == n_transfer
    # the student trained on train + transfer: one epoch of ceil((n_train + n_transfer) / 8) steps
    training = next(e for e in events if e.get("phase") == "training")
    assert training["total_steps"] == math.ceil((n_train + n_transfer) / tiny_config.training.batch_size)
    labels = torch.cat([lab for _, lab in seen])
    assert (labels == NO_LABEL).sum().item() == n_transfer and (labels != NO_LABEL).sum().item() == n_train
    # each example's teacher target is the teacher's row for that very text: transfer rows for -100
    entries = {e["split"]: cache.load_logits(e["key"]) for e in cache.list_entries()}
    assert entries["transfer"].shape[0] == n_transfer
    rows = {
        "train": {tuple(r) for r in entries["train"].tolist()},
        "transfer": {tuple(r) for r in entries["transfer"].tolist()},
    }
    assert rows["train"].isdisjoint(rows["transfer"])
    for targets, labs in seen:
        for row, y in zip(targets.tolist(), labs.tolist(), strict=True):
            assert tuple(row) in rows["transfer" if y == NO_LABEL else "train"]

    second = _run(tiny_config)  # same data, teacher and transfer set: the teacher's labels come from the cache
    again = read_report(second)["transfer"]
    assert again["cached"] is True and (again["augmented"], again["unlabelled"]) == (block["augmented"], 2)
    assert not [e for e in read_metrics(second) if e.get("phase") == "teacher_logits_start"]
    assert pipeline.evaluate_run(second)["transfer"] == again  # re-evaluating keeps the block


def test_preflight_counts_the_transfer_set(tiny_config, tmp_path):
    from workbench.training import run_preflight

    tiny_config.transfer.augment_factor = 3
    pf = run_preflight(tiny_config)
    n_transfer = pf.data["transfer_examples"]
    assert n_transfer > pf.data["sizes"]["train"]
    bs = tiny_config.training.batch_size
    assert pf.estimate["train_steps_per_epoch"] == math.ceil((pf.data["sizes"]["train"] + n_transfer) / bs)
    assert pf.estimate["transfer"]["examples"] == n_transfer and pf.estimate["transfer"]["teacher_seconds"] > 0
    assert any(c.name == "transfer set" and c.level == "ok" for c in pf.checks)
    tiny_config.transfer.unlabelled_path = str(tmp_path / "nope.txt")
    bad = run_preflight(tiny_config, measure=False)
    assert not bad.ok and any(c.name == "transfer set" and "not found" in c.message for c in bad.checks)

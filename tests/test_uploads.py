"""Uploaded files, read back in the person's words: their file name, no parser internals."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.core import WorkbenchError
from workbench.studio import check_columns, display_name, read_upload, save_upload

INTERNALS = ("C error", "Expected", "Traceback", "tokenizing", "pyarrow", "<Buffer>")


def upload(tmp_path, name: str, data: bytes):
    return save_upload(name, data, root=tmp_path)


def error_of(path, name) -> str:
    with pytest.raises(WorkbenchError) as err:
        read_upload(path, name)
    message = str(err.value)
    assert name in message and path.name not in message  # the person's name, not the hashed one
    assert not any(bad in message for bad in INTERNALS), message
    assert "\n" not in message
    return message


def test_too_many_fields_names_the_line_and_the_separator(tmp_path):
    rows = "review\n" + "".join(f"fine film number {i}\n" for i in range(6)) + "good,bad,ugly\n"
    path = upload(tmp_path, "reviews.csv", rows.encode())
    message = error_of(path, "reviews.csv")
    assert message == "reviews.csv: line 8 has 3 fields where the header has 1. Is the separator a comma?"


def test_semicolon_file_says_to_use_commas(tmp_path):
    path = upload(tmp_path, "export.csv", b"text;label\na fine film;1\nbad, really bad;0\n")
    assert "save the file with commas" in error_of(path, "export.csv")


def test_unclosed_quote_is_plain(tmp_path):
    path = upload(tmp_path, "q.csv", b'text,label\n"a fine film,1\nbad,0\n')
    message = error_of(path, "q.csv")
    assert "closing quote" in message or "could not be read as a CSV" in message


@pytest.mark.parametrize(
    "rows,why",
    [
        ("a fine film,positive\nbad film,negative\ngreat,positive\nawful,negative\n", "'positive' is also a value"),
        ("0,a fine film\n1,bad film\n0,great\n", "'0' is a number"),
        ("this movie was really good fun,1\nbad,0\nok,1\n", "reads like a sentence"),
    ],
)
def test_headerless_csv_is_detected(tmp_path, rows, why):
    path = upload(tmp_path, "noheader.csv", rows.encode())
    message = error_of(path, "noheader.csv")
    assert "no header row" in message and why in message


def test_a_csv_with_a_header_is_read(tmp_path):
    rows = "text,label\n" + "".join(f"film {i},{'positive' if i % 2 else 'negative'}\n" for i in range(10))
    path = upload(tmp_path, "ok.csv", rows.encode())
    frame = read_upload(path)
    assert list(frame.columns) == ["text", "label"] and len(frame) == 10
    assert display_name(path) == "ok.csv"


def test_bad_jsonl_and_parquet_are_plain(tmp_path):
    path = upload(tmp_path, "data.jsonl", b'{"text": "a", "label": 1}\nnot json at all\n')
    message = error_of(path, "data.jsonl")
    assert "not valid JSON Lines (line 2)" in message and "Expecting value" not in message
    path = upload(tmp_path, "data.parquet", b"text,label\na,1\n")
    assert "Parquet" in error_of(path, "data.parquet")


def test_unsupported_type_names_the_persons_file(tmp_path):
    with pytest.raises(WorkbenchError, match=r"^my notes\.txt: unsupported file type"):
        save_upload("C:\\Users\\me\\my notes.txt", b"x", root=tmp_path)


def test_column_choices_that_cannot_train_are_refused():
    # the engine's rule (MIN_TRAIN_PER_CLASS = 2 in train), not a stricter one of its own: a class of 2 trains
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(7)], "label": ["a"] * 3 + ["b"] * 3 + ["c"] * 1})
    with pytest.raises(WorkbenchError, match="two different columns"):
        check_columns(frame, "text", "text", "f.csv")
    with pytest.raises(WorkbenchError, match=r"^f\.csv: class 'c' has only 1 training example\(s\); .* at least 2"):
        check_columns(frame, "text", "label", "f.csv")
    two = pd.DataFrame({"text": [f"t{i}" for i in range(8)], "label": ["a"] * 3 + ["b"] * 3 + ["c"] * 2})
    check_columns(two, "text", "label", "f.csv")  # what a run accepts, Setup accepts
    with pytest.raises(WorkbenchError, match="only one class"):
        check_columns(frame.assign(label="a"), "text", "label", "f.csv")
    check_columns(frame[frame["label"] != "c"], "text", "label", "f.csv")  # fine


def test_unlabelled_texts_may_be_txt_where_allowed(tmp_path):
    path = save_upload("more.txt", b"a film\n", root=tmp_path, suffixes=(".txt", ".csv", ".jsonl"))
    assert path.name.endswith("-more.txt") and path.read_bytes() == b"a film\n"
    with pytest.raises(WorkbenchError, match=r"unsupported file type \.txt; upload \.csv, \.jsonl or \.parquet"):
        save_upload("more.txt", b"a film\n", root=tmp_path)

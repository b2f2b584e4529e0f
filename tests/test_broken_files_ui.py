"""Setup with broken uploaded files: never a traceback, and no button starts what a run would refuse.

Issue 18: a CSV with a header typo or semicolons once put pandas' "No objects to concatenate" on the
page (from the student's size estimate) and hid everything below it; Setup also asked for 3 rows per
class while runs needed 2. Every student kind meets every broken file here, through the real upload
widget: the page must show one sentence, keep the start button disabled, and raise nothing.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages import MODEL_TIMEOUT, ROOT, page, texts, tiny_config

ROWS = "".join(f"review number {i} is {'good' if i % 2 else 'bad'},{'pos' if i % 2 else 'neg'}\n" for i in range(24))
BROKEN = {
    # a typo in the header: the page falls back to the first two columns, an id and the text
    "typo.csv": ("id,txet,lable\n" + "".join(f"{i},{line}" for i, line in enumerate(ROWS.splitlines(True)))).encode(),
    "semicolons.csv": b"\xef\xbb\xbftext;label\n" + ROWS.replace(",", ";").encode(),
    "one_row_class.csv": ("text,label\n" + ROWS + "a lone odd review,odd\n").encode(),
    "empty_texts.csv": ("text,label\n" + "".join(f" ,{'pos' if i % 2 else 'neg'}\n" for i in range(24))).encode(),
    "one_class.csv": ("text,label\n" + "".join(f"review {i},pos\n" for i in range(24))).encode(),
    "junk.csv": bytes(range(256)) * 8,
}
KINDS = ("layers", "scratch", "bilstm", "pretrained")


def setup_with_upload(kind: str, name: str, data: bytes) -> AppTest:
    cfg = tiny_config()
    cfg.data.source = "local"
    cfg.student.kind = kind
    if kind in ("scratch", "bilstm"):
        cfg.student.prune_vocab = True  # counts the training words: reads the data for the size estimate
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    at.file_uploader(key="setup_upload").upload(name, data, "text/csv")
    return at.run()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_upload_never_shows_a_traceback(runs_dir, kind, name):
    at = setup_with_upload(kind, name, BROKEN[name])
    assert not at.exception, at.exception
    start = at.button(key="guided_start")
    assert start.disabled
    assert at.error, "the page says why it cannot start"
    assert all("\n" not in str(e.value) and "Traceback" not in str(e.value) for e in at.error)
    assert "Cannot start yet" in texts(at.caption)
    assert "none has been uploaded" not in texts(at.error)  # the file is there: the problem is what is in it
    assert at.radio(key="setup_student_kind").value == kind  # the rest of the page is still drawn


def test_a_class_of_two_rows_is_accepted_as_a_run_accepts_it(runs_dir):
    """One rule: the engine's minimum (2 per class in train), not a stricter one on Setup."""
    at = setup_with_upload("bilstm", "two.csv", ("text,label\n" + ROWS + "odd one,odd\nodd two,odd\n").encode())
    assert not at.exception, at.exception
    assert not at.button(key="guided_start").disabled, texts(at.error)


def test_size_estimate_without_a_file_is_a_sentence(runs_dir):
    """The root cause: a local source whose upload failed (no path) made the size estimate raise pandas' ValueError."""
    cfg = tiny_config()
    cfg.data.source, cfg.data.path = "local", None
    cfg.student.kind, cfg.student.prune_vocab = "bilstm", True
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    assert not at.exception, at.exception
    assert at.button(key="guided_start").disabled


def test_train_start_buttons_use_the_same_check(runs_dir):
    from workbench.studio import save_upload

    cfg = tiny_config()
    cfg.data.source = "local"
    cfg.data.path = str(save_upload("one_row_class.csv", BROKEN["one_row_class.csv"], root=runs_dir))
    at = AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = cfg
    at.run()
    assert not at.exception, at.exception
    starts = [b for b in at.button if b.label in ("Fine-tune the teacher", "Distil the student")]
    assert starts and all(b.disabled for b in starts)
    assert "has only 1 row" in texts(at.error)


def test_a_part_that_fails_says_so_in_one_line_and_the_page_goes_on(runs_dir, monkeypatch, capsys):
    """A bug (not a WorkbenchError) in one part: a generic line naming it, the traceback on stderr only."""
    import ui.cached
    from ui.wording import PART_FAILED

    def boom(cfg):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(ui.cached, "param_estimate", boom)
    cfg = tiny_config()
    cfg.student.kind = "bilstm"
    at = page("setup", cfg, timeout=MODEL_TIMEOUT).run()
    assert not at.exception, at.exception
    assert PART_FAILED.format(part="the student's size") in texts(at.error)
    assert "internal detail" not in texts(at.error)
    assert "internal detail" in capsys.readouterr().err
    assert at.radio(key="setup_data_source").value == "bundled"  # the data column is still drawn
    assert "The data" in texts(at.header)  # and so is everything below it


def test_engine_refuses_a_missing_file_and_one_column_for_both_with_codes():
    from workbench.config import DataConfig
    from workbench.core import WorkbenchError
    from workbench.data import load_data

    with pytest.raises(WorkbenchError) as err:
        load_data(DataConfig(source="local", path=None))
    assert err.value.code == "data.path_missing"
    import pandas as pd

    from workbench.data import check_frame

    frame = pd.DataFrame({"text": [f"t{i}" for i in range(10)], "label": ["a", "b"] * 5})
    with pytest.raises(WorkbenchError) as err:
        check_frame(frame, DataConfig(source="local", text_column="text", label_column="text"))
    assert err.value.code == "data.same_column" and err.value.facts == {"column": "text"}


def test_files_the_readers_cannot_use_carry_a_code(tmp_path):
    from workbench.core import WorkbenchError
    from workbench.models import count_texts

    for name, data in (("junk.csv", BROKEN["junk.csv"]), ("fake.parquet", b"text,label\n"), ("gone.txt", None)):
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(WorkbenchError) as err:
            count_texts(path)
        assert err.value.code == "data.unreadable" and err.value.facts == {"file": name}

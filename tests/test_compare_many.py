"""Compare's "Several students side by side", and Setup's word when a run name is taken (issue 18 item 9).

Run folders are written by hand (tests/fakeruns.py, tests/test_lineup.py); nothing trains.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.fakeruns import make_finished_distill
from tests.test_lineup import edit, make_student, three_students
from ui.state import default_config

ROOT = Path(__file__).resolve().parent.parent
MODEL_TIMEOUT = 180  # Setup loads the bundled model; this machine is shared


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def compare() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=30)


def lineup_table(at: AppTest):
    return next(d.value for d in at.dataframe if "accuracy kept" in d.value.columns)


def test_three_students_and_their_teacher_in_one_table_and_one_picture(runs_dir):
    three_students(runs_dir)
    at = compare().run()
    assert not at.exception
    assert "Several students side by side" in texts(at.subheader)
    table = lineup_table(at).set_index("")
    assert list(table.index) == ["teacher", "small", "bilstm", "cut-3"]  # teacher first, then newest first
    assert table.loc["bilstm", "family"] == "BiLSTM" and table.loc["cut-3", "family"] == "cut from the teacher"
    assert table.loc["bilstm", "speed-up"] == "14.0x" and table.loc["bilstm", "ms per sentence"] == "1.0 ms"
    assert table.loc["bilstm", "test accuracy"] == "72%" and table.loc["bilstm", "accuracy kept"] == "90%"
    assert table.loc["teacher", "parameters"] == "2k" and table.loc["teacher", "agrees with teacher"] == "–"
    charts = [c for c in at.get("plotly_chart") if "Size and speed against accuracy" in c.proto.spec]
    assert len(charts) == 1
    assert "one seed" in texts(at.caption) and not texts(at.warning).count("not like for like")
    # on the size axis too
    at.radio(key="cmp_many_axis").set_value("size on disk").run()
    assert (
        not at.exception
        and "size on disk (MB" in next(c for c in at.get("plotly_chart") if "Size and" in c.proto.spec).proto.spec
    )


def test_picking_fewer_students_shortens_the_table(runs_dir):
    runs = three_students(runs_dir)
    at = compare().run()
    at.multiselect(key="cmp_many").set_value([runs["bilstm"].name]).run()
    assert list(lineup_table(at)[""]) == ["teacher", "bilstm"]


def test_runs_on_different_data_are_flagged(runs_dir):
    runs = three_students(runs_dir)
    edit(runs["bilstm"] / "config.yaml", lambda c: c["data"].update(max_eval_examples=50))
    at = compare().run()
    at.multiselect(key="cmp_many").set_value([r.name for r in runs.values()]).run()
    assert not at.exception
    warning = texts(at.warning)
    assert "not all trained on the same data or measured on the same test split" in warning
    assert "not like for like" in warning


def test_one_distilled_run_shows_nothing_new(runs_dir):
    make_finished_distill(runs_dir)
    at = compare().run()
    assert not at.exception
    assert "Several students side by side" not in texts(at.subheader)
    assert not [d for d in at.dataframe if "accuracy kept" in d.value.columns]


def test_setup_says_when_the_run_name_is_taken(runs_dir):
    make_student(runs_dir, "20261127-100000", "bilstm", "bilstm", "BiLSTM", 300, 1.0, 0.72)
    cfg = default_config()
    cfg.name = "bilstm"
    cfg.data.max_train_examples, cfg.data.max_eval_examples = 64, 32
    at = AppTest.from_file(str(ROOT / "pages" / "setup.py"), default_timeout=MODEL_TIMEOUT)
    at.session_state["wb_cfg"] = cfg
    at.run()
    assert not at.exception
    assert "A run named bilstm exists; the next one will be bilstm-2." in texts(at.caption)

"""Test sets from elsewhere (`data.extra_eval`): config, label mapping, the report's `extra_eval`, the CLI and pages."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from tests.conftest import sentiment_frame
from workbench.config import ExtraEvalSet, RunConfig, dump_config, from_dict, load_config, validate_values
from workbench.core import WorkbenchError, read_json
from workbench.data import load_extra_set, map_labels

NAMES = ["negative", "positive"]


# --------------------------------------------------------------------------- config


def test_extra_eval_reads_from_yaml_and_old_configs_load(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(yaml.safe_dump({"data": {"source": "bundled"}}))
    assert load_config(old).data.extra_eval == []
    cfg = from_dict(
        RunConfig,
        {"data": {"extra_eval": [{"name": "tweets", "path": "t.csv", "labels": {0: "negative", "1": "Positive"}}]}},
    )
    (entry,) = cfg.data.extra_eval
    assert isinstance(entry, ExtraEvalSet) and entry.labels == {"0": "negative", "1": "Positive"}
    again = tmp_path / "again.yaml"
    dump_config(cfg, again)  # a run folder's config.yaml reads back the same
    assert load_config(again).data.extra_eval == cfg.data.extra_eval


@pytest.mark.parametrize(
    "entries, code, fact",
    [
        ([{"path": "t.csv"}], "data.extra_eval_incomplete", ("field", "data.extra_eval[0].name")),
        ([{"name": "tweets"}], "data.extra_eval_incomplete", ("field", "data.extra_eval[0].path")),
        ([{"name": "a", "path": "x.csv"}, {"name": "a", "path": "y.csv"}], "data.extra_eval_duplicate", ("name", "a")),
    ],
)
def test_extra_eval_entries_are_checked_in_one_line(entries, code, fact):
    cfg = from_dict(RunConfig, {"data": {"extra_eval": entries}})
    with pytest.raises(WorkbenchError) as info:
        validate_values(cfg)
    assert info.value.code == code and info.value.facts[fact[0]] == fact[1]
    assert "\n" not in str(info.value)


def test_the_ui_words_these_problems_without_config_keys():
    from ui.wording import plain_problem

    twice = from_dict(RunConfig, {"data": {"extra_eval": [{"name": "a", "path": "x"}, {"name": "a", "path": "y"}]}})
    nameless = from_dict(RunConfig, {"data": {"extra_eval": [{"path": "x"}]}})
    said = []
    for cfg in (twice, nameless):
        with pytest.raises(WorkbenchError) as info:
            validate_values(cfg)
        said.append(plain_problem(info.value))
    assert said[0] == "two test sets from elsewhere are both called 'a': remove one of them (Setup, Data)."
    assert said[1] == "a test set from elsewhere has no name or no file: remove it (Setup, Data)."


def test_extra_eval_of_the_wrong_shape_is_one_line():
    with pytest.raises(WorkbenchError) as info:
        from_dict(RunConfig, {"data": {"extra_eval": "tweets.csv"}})
    assert info.value.code == "config.not_a_list"
    with pytest.raises(WorkbenchError) as info:
        from_dict(RunConfig, {"data": {"extra_eval": [{"name": "a", "path": "x", "labels": "pos"}]}})
    assert info.value.code == "config.not_a_mapping" and info.value.facts["field"] == "data.extra_eval[0].labels"
    with pytest.raises(WorkbenchError) as info:
        from_dict(RunConfig, {"data": {"extra_eval": [{"name": "a", "path": "x", "colour": "red"}]}})
    assert info.value.code == "config.unknown_setting"


# --------------------------------------------------------------------------- reading and labels


def test_labels_match_class_names_ignoring_case_then_the_mapping():
    assert map_labels(["Positive", "NEGATIVE", " positive "], NAMES, {}, "t") == [1, 0, 1]
    assert map_labels([1, 0, 1.0, "pos"], NAMES, {"1": "positive", "0": "negative", "POS": "positive"}, "t") == [
        1,
        0,
        1,
        1,
    ]


def test_an_unknown_label_is_refused_with_its_count():
    with pytest.raises(WorkbenchError) as info:
        map_labels(["positive", "neutral", "neutral"], NAMES, {}, "test set 'shop' (shop.csv)")
    exc = info.value
    assert exc.code == "data.extra_eval_label" and exc.facts["value"] == "neutral" and exc.facts["count"] == 2
    assert "shop.csv" in str(exc) and "negative, positive" in str(exc) and "\n" not in str(exc)
    with pytest.raises(WorkbenchError, match="not one of this run's classes") as info:
        map_labels(["pos"], NAMES, {"pos": "good"}, "t")  # a mapping must land on a class
    assert info.value.facts["value"] == "good"


def test_a_file_is_read_with_guessed_columns_and_dropped_rows_noted(tmp_path):
    path = tmp_path / "shop.csv"
    pd.DataFrame(
        {"Review": ["great kettle", "", "broke in a week", "fine"], "Sentiment": ["pos", "neg", "neg", None]}
    ).to_csv(path, index=False)
    entry = ExtraEvalSet(name="shop", path=str(path), labels={"pos": "positive", "neg": "negative"})
    got = load_extra_set(entry, NAMES)
    assert got.texts == ["great kettle", "broke in a week"] and got.labels == [1, 0]
    assert any("empty text" in n for n in got.notes) and any("no label" in n for n in got.notes)


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "data.unreadable"),
        (b"text,label\n", "data.unreadable"),
        (b"words,stars\nnice,5\n", "data.extra_eval_column"),
    ],
)
def test_an_unusable_file_is_one_coded_line(tmp_path, content, code):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(WorkbenchError) as info:
        load_extra_set(ExtraEvalSet(name="bad", path=str(path)), NAMES)
    assert info.value.code == code and "\n" not in str(info.value)


def test_a_named_column_that_is_missing_names_the_columns(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"tweet": "so happy", "label": "positive"}\n', encoding="utf-8")
    assert load_extra_set(ExtraEvalSet(name="t", path=str(path)), NAMES).texts == ["so happy"]
    with pytest.raises(WorkbenchError, match="'body' not found; columns are: tweet, label"):
        load_extra_set(ExtraEvalSet(name="t", path=str(path), text_column="body"), NAMES)


# --------------------------------------------------------------------------- runs


def _run(kind, cfg):
    from workbench.runs import execute, prepare_run_dir

    run_dir = prepare_run_dir(cfg, kind, None)
    return execute(kind, cfg, run_dir), run_dir


def _other_domain_csv(tmp_path, labels=("negative", "positive"), name="other.csv"):
    frame = sentiment_frame(n=24, seed=7)
    frame["label"] = frame["label"].map({"negative": labels[0], "positive": labels[1]})
    path = tmp_path / name
    frame.rename(columns={"text": "sentence", "label": "polarity"}).to_csv(path, index=False)
    return path


@pytest.mark.slowish
def test_a_distill_run_reports_both_models_on_each_set(tiny_config, tmp_path):
    tiny_config.data.extra_eval = [
        ExtraEvalSet(name="shop", path=str(_other_domain_csv(tmp_path))),
        ExtraEvalSet(
            name="coded",
            path=str(_other_domain_csv(tmp_path, (0, 1), "coded.csv")),
            labels={"0": "negative", "1": "positive"},
        ),
    ]
    code, run_dir = _run("distill", tiny_config)
    assert code == 0
    report = read_json(run_dir / "report.json")
    assert set(report["extra_eval"]) == {"shop", "coded"}
    shop = report["extra_eval"]["shop"]
    assert shop["n"] == 24 and set(shop) == {"n", "teacher", "student", "kept"}
    for role in ("teacher", "student"):
        assert 0 <= shop[role]["accuracy"] <= 1 and 0 <= shop[role]["macro_f1"] <= 1
    assert shop["kept"] == pytest.approx(shop["student"]["accuracy"] / shop["teacher"]["accuracy"])
    assert report["extra_eval"]["coded"] == shop  # the same texts and labels, written as 0/1 and mapped
    assert "comparison" in report and "student" in report  # the in-domain report is all still there
    from workbench.runs import read_metrics

    events = [e for e in read_metrics(run_dir) if e.get("type") == "progress" and e.get("phase") == "evaluating"]
    shown = {(e.get("split"), e.get("role")) for e in events}
    assert {("shop", "teacher"), ("shop", "student"), ("coded", "student")} <= shown  # the run panel's progress


@pytest.mark.slowish
def test_a_bad_extra_file_stops_the_run_before_training(tiny_config, tmp_path):
    from workbench.runs import read_status

    tiny_config.data.extra_eval = [ExtraEvalSet(name="shop", path=str(_other_domain_csv(tmp_path, ("bad", "good"))))]
    code, run_dir = _run("distill", tiny_config)
    assert code != 0
    status = read_status(run_dir)
    assert status["state"] == "failed" and "'bad'" in status["error"] and not (run_dir / "model").exists()


@pytest.mark.slowish
def test_evaluate_extra_adds_a_set_and_keeps_the_earlier_ones(tiny_config, tmp_path, capsys):
    from workbench.cli import main

    tiny_config.data.max_train_examples = 32
    code, run_dir = _run("teacher", tiny_config)
    assert code == 0
    assert "extra_eval" not in read_json(run_dir / "report.json")
    assert main(["evaluate", str(run_dir), "--extra", f"shop={_other_domain_csv(tmp_path)}"]) == 0
    first = read_json(run_dir / "report.json")["extra_eval"]
    assert set(first) == {"shop"} and set(first["shop"]) == {"n", "teacher"}  # a teacher run has no student
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(printed)["extra_eval"]["shop"]["n"] == 24
    other = tmp_path / "more"
    other.mkdir()
    assert main(["evaluate", str(run_dir), "--extra", f"tweets={_other_domain_csv(other)}"]) == 0
    assert set(read_json(run_dir / "report.json")["extra_eval"]) == {"shop", "tweets"}
    assert main(["evaluate", str(run_dir), "--extra", "no-equals-sign"]) == 2
    assert "NAME=PATH" in capsys.readouterr().err


# --------------------------------------------------------------------------- Compare and the shared report


def _with_extra_eval(run_dir):
    report = read_json(run_dir / "report.json")
    report["extra_eval"] = {
        "tweets <b>": {
            "n": 1200,
            "teacher": {"accuracy": 0.80, "macro_f1": 0.79},
            "student": {"accuracy": 0.72, "macro_f1": 0.70},
            "kept": 0.9,
        },
        "shop": {
            "n": 300,
            "teacher": {"accuracy": 0.90, "macro_f1": 0.9},
            "student": {"accuracy": 0.891, "macro_f1": 0.88},
            "kept": 0.99,
        },
    }
    (run_dir / "report.json").write_text(json.dumps(report))


def test_compare_shows_each_set_beside_the_in_domain_test(runs_dir):
    from streamlit.testing.v1 import AppTest

    from tests.fakeruns import make_finished_distill
    from tests.test_compare_page import ROOT

    run = make_finished_distill(runs_dir)
    at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=30).run()
    assert not at.exception and "On other text" not in [h.value for h in at.subheader]  # a run without sets
    _with_extra_eval(run)
    at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=30).run()
    assert not at.exception and "On other text" in [h.value for h in at.subheader]
    table = next(df.value for df in at.dataframe if "kept" in df.value.columns)
    assert list(table["test set"]) == ["test split of the training data", "tweets <b>", "shop"]
    assert list(table["examples"]) == ["4", "1,200", "300"]
    assert list(table["kept"]) == ["97.0%", "90.0%", "99.0%"]  # the in-domain row from the test accuracies
    assert list(table["student accuracy"])[1:] == ["72%", "89%"]
    assert any("least of the teacher's accuracy on 'tweets <b>': 90.0%" in c.value for c in at.caption)


def test_the_shared_report_has_the_same_table_escaped(runs_dir):
    from tests.fakeruns import make_finished_distill
    from ui.report_html import build_html

    run = make_finished_distill(runs_dir)
    assert "On other text" not in build_html(run)
    _with_extra_eval(run)
    page = build_html(run)
    assert "<h2>On other text</h2>" in page and "tweets &lt;b&gt;" in page and "tweets <b>" not in page
    assert '<td class="num">99.0%</td>' in page


# --------------------------------------------------------------------------- Setup


@pytest.mark.slowish
def test_setup_adds_an_uploaded_set_with_its_labels_mapped_and_removes_it(runs_dir):
    from tests.test_pages import MODEL_TIMEOUT, page, texts, tiny_config

    at = page("setup", tiny_config(), timeout=MODEL_TIMEOUT).run()
    assert not at.exception
    rows = (
        "tweet,sentiment\n" + "".join(f"tweet {i},{'pos' if i % 2 else 'neg'}\n" for i in range(10)) + "meh,neutral\n"
    )
    at.file_uploader(key="setup_extra_upload_0").upload("my tweets.csv", rows.encode(), "text/csv").run()
    assert not at.exception
    # the bundled data's classes are negative / positive: each other label gets a choice
    assert {s.label for s in at.selectbox} >= {"“neg” means", "“neutral” means", "“pos” means"}
    at.text_input(key="setup_extra_name").set_value("tweets")
    at.selectbox(key="setup_extra_map_2_pos").set_value("positive")
    at.selectbox(key="setup_extra_map_0_neg").set_value("negative")
    at.button(key="setup_extra_add").click().run()
    assert "Say which class each label means first: neutral." in texts(at.error)  # none is guessed
    assert at.session_state["wb_cfg"].data.extra_eval == []
    at.selectbox(key="setup_extra_map_1_neutral").set_value("negative")
    at.button(key="setup_extra_add").click().run()
    assert not at.exception, at.exception
    (entry,) = at.session_state["wb_cfg"].data.extra_eval
    assert entry.name == "tweets" and entry.labels == {"neg": "negative", "neutral": "negative", "pos": "positive"}
    assert "Added 'tweets': 11 labelled texts from my tweets.csv." in texts(at.success)
    assert "**tweets**: my-tweets.csv (" in texts(at.markdown)  # the file's name, without the stored hash prefix
    at.button(key="setup_extra_remove_0").click().run()
    assert not at.exception and at.session_state["wb_cfg"].data.extra_eval == []


@pytest.mark.slowish
def test_setup_says_in_one_line_why_a_set_cannot_be_added(runs_dir):
    from tests.test_pages import MODEL_TIMEOUT, page, texts, tiny_config

    at = page("setup", tiny_config(), timeout=MODEL_TIMEOUT).run()
    at.file_uploader(key="setup_extra_upload_0").upload("numbers.csv", b"a,b\n1,2\n3,4\n", "text/csv").run()
    assert not at.exception
    message = texts(at.error)
    assert "no text column found" in message and "numbers.csv" in message and "\n" not in message
    assert at.session_state["wb_cfg"].data.extra_eval == []


# --------------------------------------------------------------------------- other-domain sets (benchmarks/other_domains.py)


def _fake_sdist(tmp_path):
    """A stand-in for the vaderSentiment sdist: the same nested layout, a few lines per ground-truth file."""
    import io
    import tarfile

    from benchmarks import other_domains

    lines = "1\t2.5\tso happy with this &amp; that\r\n2\t-1.2\tworst day ever\r\n3\t0.1\tit is a kettle\r\n"
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        for member in other_domains.SETS.values():
            data = lines.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / other_domains.SDIST_FILE
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(other_domains.INNER)
        info.size = len(inner.getvalue())
        tar.addfile(info, io.BytesIO(inner.getvalue()))
    return path


def test_ground_truth_keeps_clear_polarity_only():
    from benchmarks.other_domains import ground_truth

    frame = ground_truth("1\t2.5\tlove it &amp; more\r\n2\t-0.5\tmeh, no\n3\t0.49\tneutral-ish\nbroken line\n")
    assert frame["text"].tolist() == ["love it & more", "meh, no"] and frame["label"].tolist() == [
        "positive",
        "negative",
    ]


def test_a_different_sdist_is_refused(tmp_path):
    from benchmarks.other_domains import other_domain_sets

    with pytest.raises(SystemExit, match="SHA-256 differs"):
        other_domain_sets(_fake_sdist(tmp_path))


@pytest.mark.slowish
def test_other_domains_command_measures_a_finished_run(tiny_config, tmp_path, monkeypatch, capsys):
    from benchmarks import other_domains

    sdist = _fake_sdist(tmp_path)
    monkeypatch.setattr(other_domains, "SDIST_SHA256", other_domains._sha256(sdist))
    code, run_dir = _run("distill", tiny_config)
    assert code == 0
    out = tmp_path / "other_domains.json"
    assert other_domains.main([str(run_dir), "--sdist", str(sdist), "--out", str(out)]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert json.loads(out.read_text()) == last and last["student"] == tiny_config.student.kind
    assert set(last["sets"]) == {"tweets", "amazon_reviews", "nyt_editorials"}
    assert all(r["n"] == 2 and set(r) == {"n", "teacher", "student", "kept"} for r in last["sets"].values())
    kept = [r["kept"] for r in last["sets"].values() if r["kept"] is not None]
    assert last["min_kept"] == (min(kept) if kept else None)
    assert "extra_eval" not in read_json(run_dir / "report.json")  # the run's report is left as it was
    assert other_domains.main([str(tmp_path), "--sdist", str(sdist)]) == 2  # not a run folder

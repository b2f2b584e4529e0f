"""Issue 18, items 6 and 10: one believable speed-up on every page, and downloads that fit the story.

Item 6: Compare showed the teacher at 20.4 ms (range 15.8-92.7) with no warning, and the Train page
said 1.9x for a pair Compare called 2.3x. Every place reads speed through `ui.speed.speed_reading`:
the ratio of the medians shown, "unclear" when the timings varied a lot, and a no-teacher baseline
shows its distilled run's timing. Item 10: the "small" student's zip carried PyTorch and ONNX; now
the PyTorch zip holds no ONNX file and every download button says its size.

Run folders are written by hand (tests/fakeruns.py); nothing trains.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

import workbench.runs.jobs
from tests.fakeruns import make_finished_distill
from tests.test_compare_page import make_baseline
from tests.test_pages import page, texts
from ui import export
from ui.speed import NOISY_MAX, noisy, pair_timing, speed_reading
from ui.summary import headline
from ui.wording import SPEED_UNSURE
from workbench.runs import find_distilled


@pytest.fixture
def remeasured(monkeypatch, runs_dir) -> list[Path]:
    seen: list[Path] = []
    monkeypatch.setattr(workbench.runs.jobs, "reevaluate", lambda run_dir: seen.append(Path(run_dir)))
    monkeypatch.setattr(workbench.runs.jobs, "reevaluating", lambda run_dir: False)
    return seen


def pair(runs_dir: Path) -> tuple[Path, Path]:
    """A distilled run and its baseline as Compare launches it: config name and status name "demo-no-teacher"."""
    run = make_finished_distill(runs_dir)
    base = make_baseline(runs_dir, run)
    for d, name in ((run, "demo"), (base, "demo-no-teacher")):
        status = json.loads((d / "status.json").read_text())
        (d / "status.json").write_text(json.dumps({**status, "name": name}))
    return run, base


def edit_report(run: Path, change) -> dict:
    report = json.loads((run / "report.json").read_text())
    change(report)
    (run / "report.json").write_text(json.dumps(report))
    return report


def spread(lo: float, p25: float, p75: float, hi: float) -> dict:
    return {"min": lo, "p25": p25, "p75": p75, "max": hi}


def timed(report: dict, t_ms: float, s_ms: float, t_spread=None, s_spread=None, stored: float | None = None) -> None:
    """Batch-1 medians (and spreads) of both models; batch 32 at a different ratio; `stored`: a
    `comparison.speedup` that disagrees with the medians (an older or merged report)."""
    report["latency_precision"], report["latency_busy"] = "fp32", False
    report["teacher"]["latency_ms"] = {"batch_1": t_ms, "batch_32": t_ms / 3}
    report["student"]["latency_ms"] = {"batch_1": s_ms, "batch_32": s_ms / 2}
    report["teacher"]["latency_spread_ms"] = {
        "batch_1": t_spread or spread(t_ms * 0.95, t_ms * 0.98, t_ms * 1.02, t_ms * 1.1)
    }
    report["student"]["latency_spread_ms"] = {
        "batch_1": s_spread or spread(s_ms * 0.95, s_ms * 0.98, s_ms * 1.02, s_ms * 1.1)
    }
    if stored is not None:
        report["comparison"]["speedup"] = {"batch_1": stored, "batch_32": stored + 1.0}


def train_result(at) -> str:
    """The result box of the run the Train page's History opened (its headline)."""
    return texts([*at.success, *at.warning, *at.error])


def compare_speed(at) -> str:
    return {m.label: m.value for m in at.metric}["Speed-up (1 sentence)"]


# --------------------------------------------------------------------------- one number everywhere


def test_train_and_compare_show_the_same_speed_up(runs_dir, remeasured):
    run = make_finished_distill(runs_dir)
    # the stored ratio (2.3x) disagrees with the medians the pages show (19.0 / 10.0 ms: 1.9x); batch 32 is 2.0x
    edit_report(run, lambda r: timed(r, 19.0, 10.0, stored=2.3))
    compare = page("compare").run()
    train = page("train").run()
    assert not compare.exception and not train.exception
    assert compare_speed(compare) == "1.9x"
    sentence = "It is 1.9x as fast one sentence at a time"
    assert sentence in texts(compare.success) and sentence in train_result(train)
    assert "2.3x" not in texts(compare.success) + train_result(train)
    side = compare.dataframe[0].value.set_index("")
    assert side.loc["speed-up, batch of 1", "student"] == "1.9x"
    assert side.loc["speed-up, batch of 32", "student"] == "1.3x"  # 6.33 / 5.0 ms: its own key, its own medians
    history = train.dataframe[0].value
    assert sentence in history.loc[history["run"] == run.name, "result"].iloc[0]


def test_a_wide_spread_is_flagged_and_offers_a_new_measurement(runs_dir, remeasured):
    run = make_finished_distill(runs_dir)
    # issue 18: the teacher at 20.4 ms, ranging 15.8-92.7; the middle halves do not overlap, the machine was idle
    edit_report(run, lambda r: timed(r, 20.4, 8.0, t_spread=spread(15.8, 19.9, 21.0, 92.7)))
    compare = page("compare").run()
    assert compare_speed(compare) == "unclear"
    warning = texts(compare.warning)
    assert "This speed figure is unreliable: the timings varied a lot between repeats" in warning
    assert "the teacher's ranged from 15.8 to 92.7 ms around a median of 20.4 ms" in warning
    compare.button(key="cmp_measure").click().run()
    assert remeasured == [run]
    train = page("train").run()
    result = train_result(train)
    assert f"Its speed next to the teacher's is unclear ({SPEED_UNSURE['noisy']})" in result
    assert "2.5x" not in result and "2.6x" not in result and "as fast" not in result
    assert "unclear" in texts(train.warning)  # a warning box, not a success


def test_noisy_thresholds():
    assert noisy(20.4, spread(15.8, 19.9, 21.0, 92.7))  # one round 4.5x the median
    assert not noisy(10.0, spread(9.0, 9.5, 10.5, NOISY_MAX * 10.0 - 1))  # one slow round below 3x: a GC pause
    assert noisy(10.0, spread(7.0, 7.4, 12.6, 14.0))  # the middle half spans more than half the median
    assert not noisy(10.0, [9.0, 12.0]) and not noisy(None, spread(1, 2, 3, 4))  # older reports: [low, high]
    report = {
        "teacher": {"latency_ms": {"batch_1": 10.0}, "latency_spread_ms": {"batch_1": spread(9, 9.5, 10.5, 11)}},
        "student": {"latency_ms": {"batch_1": 4.0}, "latency_spread_ms": {"batch_1": spread(3, 3.2, 6.0, 7)}},
    }
    sp = speed_reading(report)
    assert sp["unsure"] and sp["why"] == "noisy" and sp["noisy_model"] == "student" and sp["speedup"] == 2.5


def test_busy_and_overlap_come_before_noisy():
    report = {
        "latency_busy": True,
        "teacher": {"latency_ms": {"batch_1": 10.0}, "latency_spread_ms": {"batch_1": spread(9, 9.5, 10.5, 40)}},
        "student": {"latency_ms": {"batch_1": 4.0}, "latency_spread_ms": {"batch_1": spread(3, 3.8, 4.2, 5)}},
        "kind": "distill",
        "comparison": {},
    }
    assert speed_reading(report)["why"] == "busy"
    assert "(the machine was busy while timing)" in headline(report)


# --------------------------------------------------------------------------- one measurement per pair


def test_a_baseline_shows_its_distilled_runs_timing(runs_dir, remeasured):
    run, base = pair(runs_dir)
    edit_report(run, lambda r: timed(r, 23.0, 10.0))  # the distilled run: 2.3x
    edit_report(base, lambda r: timed(r, 19.0, 10.0))  # the same two models timed again: 1.9x
    assert find_distilled(base) == run.resolve() and find_distilled(run) is None
    assert speed_reading(pair_timing(base, json.loads((base / "report.json").read_text())))["speedup"] == 2.3
    train = page("train").run()  # History opens the newest run: the baseline
    assert not train.exception and "It is 2.3x as fast" in train_result(train)
    history = train.dataframe[0].value.set_index("run")
    assert "2.3x" in history.loc[base.name, "result"] and "2.3x" in history.loc[run.name, "result"]
    compare = page("compare")
    compare.session_state["compare_run"] = base.name
    compare.run()
    assert compare_speed(compare) == "2.3x"
    assert f"Timed in {run.name}, the distilled run of this pair" in texts(compare.caption)


def test_measure_again_on_a_baseline_re_times_the_pair(runs_dir, remeasured):
    run, base = pair(runs_dir)  # an older report (no spread): Measure again is offered
    compare = page("compare")
    compare.session_state["compare_run"] = base.name
    compare.run()
    compare.button(key="cmp_measure").click().run()
    assert remeasured == [run.resolve()]


# --------------------------------------------------------------------------- downloads


def export_onnx(run: Path) -> None:
    """What `workbench export --int8` leaves: both files in model/ and their timings in the report."""
    (run / "model" / "model.onnx").write_bytes(b"x" * 4_000_000)
    (run / "model" / "model.int8.onnx").write_bytes(b"x" * 1_000_000)
    (run / "model" / "tokenizer.json").write_bytes(b"t" * 700_000)

    def onnx(r):
        r["student"]["onnx"] = {"latency_ms": {"batch_1": 1.5, "batch_32": 0.4}, "max_abs_diff": 2e-6}
        r["student"]["int8"] = {
            "latency_ms": {"batch_1": 0.5, "batch_32": 0.2}, "onnx_latency_ms": {"batch_1": 1.0, "batch_32": 0.4},
            "accuracy": {"test": {"int8": 0.801, "fp32": 0.804}}, "size_bytes": 1_000_000,
            "fp32_size_bytes": 4_000_000, "busy": False,
        }  # fmt: skip

    edit_report(run, onnx)


def test_pytorch_zip_holds_no_onnx_file_and_its_label_says_its_size(runs_dir, monkeypatch):
    run = make_finished_distill(runs_dir)
    export_onnx(run)
    # the engine's card opens model.onnx to word its ONNX section: these fake files are no model, so only our lead
    monkeypatch.setattr(export, "card_text", lambda run_dir, lead: "\n".join(lead))
    with zipfile.ZipFile(io.BytesIO(export.model_zip(run))) as zf:
        names = zf.namelist()
        card = zf.read("README.md").decode()
    assert not [n for n in names if ".onnx" in n]
    assert {"README.md", "model/config.json", "model/model.safetensors", "model/tokenizer.json"} <= set(names)
    assert "separate downloads on the Compare page" in card
    assert export.pytorch_zip_size(run) == 700_000 + 16 + 2  # tokenizer, weights, config.json: no ONNX bytes
    assert export.pytorch_zip_label(run) == "Download the student for PyTorch (.zip, about 0.7 MB)"


def test_compare_offers_pytorch_and_onnx_each_with_its_size(runs_dir, monkeypatch):
    monkeypatch.setattr(workbench.runs.jobs, "exporting", lambda run_dir: False)
    run = make_finished_distill(runs_dir)
    export_onnx(run)
    at = page("compare").run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download the student for PyTorch (.zip, about 0.7 MB)" in labels
    assert "Download model.onnx (4.0 MB)" in labels and "Download model.int8.onnx (1.0 MB)" in labels
    assert all(re.search(r"\d+(\.\d)? (MB|kB|bytes)\)$", label) for label in labels), labels


def test_a_run_without_a_saved_model_says_so_instead_of_a_button(runs_dir):
    run = make_finished_distill(runs_dir)
    for f in (run / "model").iterdir():
        f.unlink()
    (run / "model").rmdir()
    at = page("compare").run()
    assert not at.exception
    assert "has no saved model to download" in texts(at.caption)
    assert not [b for b in at.get("download_button") if "PyTorch" in b.label]


def test_find_distilled_knows_a_guided_pair_and_refuses_another_config(runs_dir):
    run, base = pair(runs_dir)
    for d, role in ((run, "distilled"), (base, "baseline")):
        status = json.loads((d / "status.json").read_text())
        (d / "status.json").write_text(json.dumps({**status, "name": f"first-run-{role}", "group": "g", "role": role}))
    assert find_distilled(base) == run.resolve()
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    (run / "config.yaml").write_text(yaml.safe_dump({**cfg, "seed": cfg["seed"] + 1}))  # another student's run
    assert find_distilled(base) is None


def test_the_shared_report_and_the_model_card_read_speed_the_same_way(runs_dir, monkeypatch):
    from ui.report_html import build_html

    run = make_finished_distill(runs_dir)
    edit_report(run, lambda r: timed(r, 20.4, 8.0, t_spread=spread(15.8, 19.9, 21.0, 92.7), stored=2.3))
    page_html = build_html(run)
    assert f"The speed comparison is unreliable: {SPEED_UNSURE['noisy']}" in page_html and "2.3x" not in page_html
    monkeypatch.setattr(export, "card_text", lambda run_dir, lead: "\n".join(lead))
    assert f"unclear ({SPEED_UNSURE['noisy']})" in export.model_card(run)

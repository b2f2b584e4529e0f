"""Compare page: the no-teacher baseline beside the run, the button that trains it, honest speed, the report.

Run folders are written by hand (tests/fakeruns.py); `jobs.launch` and `jobs.reevaluate` are patched
to record what they get, so nothing trains.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

import workbench.runs.jobs
from tests.fakeruns import make_finished_distill
from workbench.config import load_config, to_dict

ROOT = Path(__file__).resolve().parent.parent


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture
def calls(monkeypatch, runs_dir):
    seen: dict[str, list] = {"launch": [], "reevaluate": []}

    def fake_launch(cfg, kind, root=None):
        seen["launch"].append((cfg, kind))
        return runs_dir / "20261127-120000-distill-demo-no-teacher"

    monkeypatch.setattr(workbench.runs.jobs, "launch", fake_launch)
    monkeypatch.setattr(workbench.runs.jobs, "reevaluate", lambda run_dir: seen["reevaluate"].append(Path(run_dir)))
    monkeypatch.setattr(workbench.runs.jobs, "reevaluating", lambda run_dir: False)
    return seen


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=30)


def make_baseline(root: Path, run: Path, acc: float = 0.70, state: str = "finished") -> Path:
    """A copy of `run` trained with alpha 0 whose student scores `acc` on both splits."""
    base = make_finished_distill(root, "20261127-110000-distill-demo-no-teacher")
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["distill"]["alpha"] = 0.0
    cfg["name"] = "demo-no-teacher"
    (base / "config.yaml").write_text(yaml.safe_dump(cfg))
    report = json.loads((base / "report.json").read_text())
    report["alpha"] = 0.0
    for split in ("validation", "test"):
        report["student"][split].update(accuracy=acc, macro_f1=acc - 0.02)
    (base / "report.json").write_text(json.dumps(report))
    status = json.loads((base / "status.json").read_text())
    (base / "status.json").write_text(json.dumps({**status, "state": state}))
    return base


def edit_report(run: Path, fn) -> None:
    report = json.loads((run / "report.json").read_text())
    fn(report)
    (run / "report.json").write_text(json.dumps(report))


def test_baseline_is_shown_beside_teacher_and_student(runs_dir, calls):
    run = make_finished_distill(runs_dir)
    make_baseline(runs_dir, run, acc=0.70)
    at = page().run()
    assert not at.exception
    assert at.selectbox[0].value == run.name  # the baseline (alpha 0) is listed too, but the newest is shown
    table = next(d.value for d in at.dataframe if "vs distilled student" in d.value.columns).set_index("")
    assert table.loc["same student, no teacher", "accuracy (test)"] == "70%"
    assert table.loc["same student, no teacher", "macro-F1 (test)"] == "68%"
    assert table.loc["same student, no teacher", "vs distilled student"] == "-7.6 points"
    assert table.loc["teacher", "vs distilled student"] == "+2.4 points"
    # 4 test examples: one standard error is ~30 points, so the headline calls +7.6 points noise
    assert "Without the teacher, the same student scores 70% (+7.6 points for distillation): within noise" in texts(
        at.warning
    )
    assert not [b for b in at.button if b.key == "cmp_baseline"]


def test_missing_baseline_offers_to_train_it_with_alpha_zero(runs_dir, calls):
    run = make_finished_distill(runs_dir)
    at = page().run()
    button = at.button(key="cmp_baseline")
    assert button.label == "Train the same student without the teacher"
    button.click().run()
    assert not at.exception
    ((cfg, kind),) = calls["launch"]
    assert kind == "distill" and cfg.distill.alpha == 0
    launched, original = to_dict(cfg), to_dict(load_config(run / "config.yaml"))
    for d in (launched, original):
        d.pop("name")
        d["distill"].pop("alpha")
    assert launched == original
    assert "Started run 20261127-120000-distill-demo-no-teacher" in texts(at.success)
    assert "Train" in texts(at.success)


def test_a_baseline_still_training_is_announced_not_launched_again(runs_dir, calls):
    run = make_finished_distill(runs_dir)
    make_baseline(runs_dir, run, state="running")
    at = page().run()
    assert "is training now (run 20261127-110000-distill-demo-no-teacher)" in texts(at.info)
    assert not [b for b in at.button if b.key == "cmp_baseline"]


def test_speed_median_spread_and_precision_are_shown(runs_dir, calls):
    run = make_finished_distill(runs_dir)

    def spread(r):
        r["latency_precision"] = "fp32"
        r["teacher"]["latency_spread_ms"] = {"batch_1": [13.5, 15.0], "batch_32": [4.5, 5.0]}
        r["student"]["latency_spread_ms"] = {"batch_1": [6.5, 7.0], "batch_32": [2.0, 2.5]}
        r["latency_busy"] = False

    edit_report(run, spread)
    at = page().run()
    assert not at.exception
    side = at.dataframe[0].value.set_index("")
    assert side.loc["ms per sentence, batch of 1 (median, low–high)", "teacher"] == "14.0 ms (13.5–15.0)"
    assert "Both models timed in 32-bit floats (fp32)" in texts(at.caption)
    assert {m.label: m.value for m in at.metric}["Speed-up (1 sentence)"] == "2.1x"
    assert not [b for b in at.button if b.key == "cmp_measure"] and "unreliable" not in texts(at.warning)


@pytest.mark.parametrize("busy", [True, False])
def test_unreliable_speed_says_so_and_measures_again(runs_dir, calls, busy):
    run = make_finished_distill(runs_dir)

    def unsure(r):
        r["latency_precision"] = "bf16"
        r["latency_busy"] = busy
        # not busy: the spreads overlap (teacher 6-20 ms, student 5-9 ms)
        r["teacher"]["latency_spread_ms"] = {"batch_1": [13.5, 15.0] if busy else [6.0, 20.0]}
        r["student"]["latency_spread_ms"] = {"batch_1": [6.5, 7.0] if busy else [5.0, 9.0]}

    edit_report(run, unsure)
    at = page().run()
    warning = texts(at.warning)
    assert "This speed figure is unreliable" in warning
    assert ("busy" in warning) == busy and ("overlap" in warning) != busy
    assert {m.label: m.value for m in at.metric}["Speed-up (1 sentence)"] == "unclear"
    assert at.dataframe[0].value.set_index("").loc["speed-up, batch of 1", "student"] == "2.1x (unclear)"
    at.button(key="cmp_measure").click().run()
    assert calls["reevaluate"] == [run]


def test_slower_student_is_called_slower(runs_dir, calls):
    run = make_finished_distill(runs_dir)

    def slower(r):
        r["student"]["latency_ms"] = {"batch_1": 20.0, "batch_32": 10.0}
        r["comparison"]["speedup"] = {"batch_1": 0.7, "batch_32": 0.47}

    edit_report(run, slower)
    at = page().run()
    assert {m.label: m.value for m in at.metric}["Speed-up (1 sentence)"] == "0.7x (slower)"
    assert "It is slower than the teacher: one sentence takes 1.4x as long" in texts(at.warning)


def test_old_report_offers_a_new_measurement(runs_dir, calls):
    make_finished_distill(runs_dir)  # no spread, no precision: an older report
    at = page().run()
    assert not at.exception
    assert "The precision of these timings was not recorded" in texts(at.caption)
    assert at.button(key="cmp_measure").label == "Measure again"


def test_report_download_is_offered(runs_dir, calls):
    make_finished_distill(runs_dir)
    at = page().run()
    labels = [str(getattr(e, "proto", e)) for e in at.get("download_button")]
    # its size estimated without building it: plotly.js inline is nearly all of it
    assert any(re.search(r"Download a report to share \(\.html, about \d\.\d MB\)", label) for label in labels)


def test_compare_names_models_without_paths_of_this_machine(runs_dir, calls):
    """The 'what it is' row names the teacher by run / hub id, never by an absolute folder."""
    import json

    import yaml

    run = make_finished_distill(runs_dir)
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["teacher"] = {"source": "run", "name": str(runs_dir / "20261127-090000-teacher-demo" / "model")}
    (run / "config.yaml").write_text(yaml.safe_dump(cfg))
    report = json.loads((run / "report.json").read_text())
    report["teacher"]["description"] = str(runs_dir / "20261127-090000-teacher-demo" / "model")
    (run / "report.json").write_text(json.dumps(report))
    at = page().run()
    assert not at.exception
    cells = " ".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert "run 20261127-090000-teacher-demo" in cells
    assert str(runs_dir) not in cells


def test_ensemble_members_and_the_ensemble_are_shown(runs_dir, calls):
    run = make_finished_distill(runs_dir)

    def add_ensemble(report):
        member = {"validation": {"accuracy": 0.6, "macro_f1": 0.6}, "test": {"accuracy": 0.5, "macro_f1": 0.5}}
        report["ensemble"] = {
            "combine": "probs",
            "members": [
                {"description": "main", "location": "/somewhere/main", **report["teacher"]},
                {
                    "description": "/x/runs/20261127-080000-teacher-b/model",
                    "location": "/x/runs/20261127-080000-teacher-b/model",
                    **member,
                },
            ],
            "validation": {"accuracy": 0.9, "macro_f1": 0.9},
            "test": {"accuracy": 0.75, "macro_f1": 0.75},
        }

    edit_report(run, add_ensemble)
    at = page().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "what it is" in d.value.columns and len(d.value) == 3)
    table = table.set_index("")
    assert table.loc["teacher 1 (main)", "accuracy (test)"] == "80%"
    assert table.loc["teacher 2", "accuracy (test)"] == "50%"
    assert table.loc["teacher 2", "what it is"] == "run 20261127-080000-teacher-b"  # no path of this machine
    assert table.loc["ensemble", "accuracy (test)"] == "75%"
    assert "The teachers" in texts(at.subheader)


def test_no_ensemble_table_with_one_teacher(runs_dir, calls):
    make_finished_distill(runs_dir)
    at = page().run()
    assert "The teachers" not in texts(at.subheader)


def test_onnx_export_is_offered_then_its_timing_and_file_are_shown(runs_dir, calls, monkeypatch):
    run = make_finished_distill(runs_dir)  # with a model/ folder
    exported: list[Path] = []
    monkeypatch.setattr(workbench.runs.jobs, "export_onnx", lambda run_dir: exported.append(Path(run_dir)))
    monkeypatch.setattr(workbench.runs.jobs, "exporting", lambda run_dir: False)
    at = page().run()
    button = next(b for b in at.button if b.label == "Export to ONNX")
    button.click().run()
    assert exported == [run]
    # exported: model.onnx on disk and its timing in the report
    (run / "model" / "model.onnx").write_bytes(b"onnx")
    report = json.loads((run / "report.json").read_text())
    report["student"]["onnx"] = {"latency_ms": {"batch_1": 1.5, "batch_32": 0.4}, "max_abs_diff": 2e-6,
                                 "pytorch_latency_ms": {"batch_1": 3.0, "batch_32": 0.9}}  # fmt: skip
    (run / "report.json").write_text(json.dumps(report))
    at = page().run()
    assert not [b for b in at.button if b.label == "Export to ONNX"]
    assert "With ONNX Runtime (no PyTorch needed): 1.5 ms per sentence against 3.0 ms in PyTorch" in texts(at.caption)


def test_int8_copy_is_offered_after_onnx_then_its_accuracy_speed_and_size_are_shown(runs_dir, calls, monkeypatch):
    run = make_finished_distill(runs_dir)
    made: list[Path] = []
    monkeypatch.setattr(workbench.runs.jobs, "export_int8", lambda run_dir: made.append(Path(run_dir)))
    monkeypatch.setattr(workbench.runs.jobs, "exporting", lambda run_dir: False)
    (run / "model" / "model.onnx").write_bytes(b"x" * 4_000_000)
    report = json.loads((run / "report.json").read_text())
    report["student"]["onnx"] = {"latency_ms": {"batch_1": 1.5, "batch_32": 0.4}, "max_abs_diff": 2e-6}
    (run / "report.json").write_text(json.dumps(report))
    at = page().run()
    next(b for b in at.button if b.label == "Make an int8 copy").click().run()
    assert made == [run]
    (run / "model" / "model.int8.onnx").write_bytes(b"x" * 1_000_000)
    report["student"]["int8"] = {
        "latency_ms": {"batch_1": 0.5, "batch_32": 0.2}, "onnx_latency_ms": {"batch_1": 1.0, "batch_32": 0.4},
        "accuracy": {"test": {"int8": 0.801, "fp32": 0.804}}, "size_bytes": 1_000_000, "fp32_size_bytes": 4_000_000,
        "busy": False,
    }  # fmt: skip
    (run / "report.json").write_text(json.dumps(report))
    at = page().run()
    assert not [b for b in at.button if b.label == "Make an int8 copy"]
    shown = texts(at.caption)
    assert "0.5 ms per sentence against 1.0 ms for the fp32 file (2.0x)" in shown
    assert "Test accuracy 80.1%: 0.3 points lower than the fp32 file" in shown and "25% the size" in shown
    labels = [b.label for b in at.get("download_button")]
    assert "Download model.int8.onnx (1.0 MB)" in labels and "Download model.onnx (4.0 MB)" in labels

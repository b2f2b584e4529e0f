"""Several distilled students side by side: the teacher once, then one row per student, from the runs' reports.

A demo wants the teacher, a 3-layer student and a BiLSTM in one table. Each distillation run measured
its own student next to its own teacher, so the rows come from the runs' reports as they are (no
re-measuring): each student's speed-up and share of the teacher's accuracy are against the teacher
timed and scored in that run. That is like for like only when the runs share the teacher and the data
(above all the test split); `Lineup.differs` says which of these the chosen runs do not share, as
facts the UI words. Students are named by the names people gave their runs (config `name`), made
unique where old runs share one.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.evaluation import read_config, student_name, teacher_name
from workbench.runs.baseline import find_baseline
from workbench.runs.store import RunInfo, read_report

# the data settings that decide which texts are in the test split (the training sample aside)
TEST_SPLIT_KEYS = (
    "source", "name", "subset", "path", "test_path", "text_column", "label_column", "test_split",
    "validation_split", "validation_fraction", "test_fraction", "max_eval_examples", "seed",
)  # fmt: skip


@dataclass
class Lineup:
    """`rows`: the teacher's first, then each student's (see `student_row`); `differs`: which of "teacher",
    "data" and "test split" the chosen runs do not share (empty: a like-for-like table)."""

    rows: list[dict[str, Any]]
    differs: list[str] = field(default_factory=list)


def _config(info: RunInfo) -> dict[str, Any]:
    """The run's config.yaml as a dict, parsed once per version of the file: Compare redraws on every click
    and asks each run's config for its name, data, teacher and student several times."""
    path = info.run_dir / "config.yaml"
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _parsed(str(info.run_dir), (stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=512)
def _parsed(run_dir: str, version: tuple[int, int]) -> dict[str, Any]:  # noqa: ARG001 - `version` keys the cache
    return read_config(Path(run_dir))


def candidates(infos: list[RunInfo]) -> list[RunInfo]:
    """Distillation runs that finished with a comparison in their report (what Compare lists), newest first."""
    return [i for i in infos if i.kind == "distill" and i.report and "comparison" in i.report]


def is_baseline(info: RunInfo) -> bool:
    """A run trained without the teacher (alpha 0): the reference of a distilled run, not a distilled student."""
    return (info.report or {}).get("alpha") == 0


def _architecture(info: RunInfo) -> str:
    """What the student is, in the engine's words ("MiniLM cut to 3 layers", "BiLSTM ...")."""
    return student_name(_config(info), (info.report or {}).get("student") or {})


def default_pick(infos: list[RunInfo], most: int = 3) -> list[str]:
    """Run ids shown by default: the newest distilled run of each student architecture, on the same data
    and teacher as the newest distilled run, at most `most`; runs without the teacher left out."""
    distilled = [i for i in candidates(infos) if not is_baseline(i)]
    if not distilled:
        return []
    newest = distilled[0]
    want = (_data(newest), _teacher(newest))
    picked: dict[str, str] = {}
    for info in distilled:  # newest first: the first of each architecture is its newest
        if (_data(info), _teacher(info)) == want:
            picked.setdefault(_architecture(info), info.id)
    return list(picked.values())[:most]


def unique_names(infos: list[RunInfo]) -> dict[str, str]:
    """{run id: the name people gave the run}; where two chosen runs share a name, each gets its start time too
    ("bilstm (27 Nov 10:00)"), and the run id where even that is shared."""
    given = {i.id: _given_name(i) for i in infos}
    out = {}
    for info in infos:
        name = given[info.id]
        if list(given.values()).count(name) > 1:
            name = f"{name} ({_short_time(info)})"
        out[info.id] = name
    for run_id, name in out.items():
        if list(out.values()).count(name) > 1:
            out[run_id] = f"{given[run_id]} ({run_id})"
    return out


def _given_name(info: RunInfo) -> str:
    return str(_config(info).get("name") or info.status.get("name") or info.id)


def _short_time(info: RunInfo) -> str:
    """When the run started ("27 Nov 10:00"): status.json's time, else the folder's time stamp."""
    started = info.status.get("created") or info.status.get("started")
    if isinstance(started, (int, float)):
        return time.strftime("%d %b %H:%M", time.localtime(started))
    return info.id[:13]


def _data(info: RunInfo) -> dict[str, Any]:
    return _config(info).get("data") or {}


def _test_split(info: RunInfo) -> tuple[Any, ...]:
    data = _data(info)
    sizes = ((info.report or {}).get("data") or {}).get("sizes") or {}
    labels = ((info.report or {}).get("data") or {}).get("label_names")
    return (*(data.get(k) for k in TEST_SPLIT_KEYS), sizes.get("test"), tuple(labels or ()))


def _teacher(info: RunInfo) -> tuple[Any, ...]:
    t = _config(info).get("teacher") or {}
    return (t.get("source"), str(t.get("name") or ""), ((info.report or {}).get("teacher") or {}).get("description"))


def differences(infos: list[RunInfo]) -> list[str]:
    """Which of "teacher", "data" and "test split" the runs do not all share."""
    out = []
    for what, key in (("teacher", _teacher), ("data", _data), ("test split", _test_split)):
        if len({repr(key(i)) for i in infos}) > 1:
            out.append(what)
    return out


def _part(model: dict[str, Any]) -> dict[str, Any]:
    """What teacher and student rows share: size, speed (batch 1, median) and test accuracy."""
    return {
        "params": (model.get("params") or {}).get("total"),
        "size_bytes": model.get("size_bytes"),
        "ms_per_sentence": (model.get("latency_ms") or {}).get("batch_1"),
        "accuracy": (model.get("test") or {}).get("accuracy"),
    }


def teacher_row(info: RunInfo) -> dict[str, Any]:
    """The teacher as the run `info` measured it."""
    report = info.report or {}
    return {
        "role": "teacher",
        "run_id": info.id,
        "name": "teacher",
        "kind": "teacher",
        "architecture": teacher_name(_config(info)),
        **_part(report.get("teacher") or {}),
        "speedup": 1.0,
        "accuracy_kept": 1.0,
        "agreement": None,
        "baseline_accuracy": None,
    }


def student_row(info: RunInfo, name: str) -> dict[str, Any]:
    """One student: its run's given name, family and architecture, size, speed, test accuracy, and against its
    run's teacher the speed-up, the share of accuracy kept and the agreement; the test accuracy of the same
    student trained without the teacher where such a run finished (`find_baseline`)."""
    report = info.report or {}
    comparison = report.get("comparison") or {}
    base_dir = None if is_baseline(info) else find_baseline(info.run_dir)
    base_test = (((read_report(base_dir) or {}).get("student") or {}).get("test") or {}) if base_dir else {}
    return {
        "role": "student",
        "run_id": info.id,
        "name": name,
        "kind": (_config(info).get("student") or {}).get("kind"),
        "architecture": _architecture(info),
        **_part(report.get("student") or {}),
        "speedup": (comparison.get("speedup") or {}).get("batch_1"),
        "accuracy_kept": comparison.get("accuracy_share_test"),
        "agreement": comparison.get("agreement_test"),
        "baseline_accuracy": base_test.get("accuracy"),
        "without_teacher": is_baseline(info),
    }


def lineup(infos: list[RunInfo]) -> Lineup:
    """The table of `infos` (finished distillation runs, in the order given): the teacher once, from the
    first run's report, then each student. An empty lineup for no runs."""
    if not infos:
        return Lineup([])
    names = unique_names(infos)
    rows = [teacher_row(infos[0])] + [student_row(i, names[i.id]) for i in infos]
    return Lineup(rows, differences(infos))

"""A distillation run as one HTML file to share: opens offline, in any browser, with nothing beside it.

The product manager forwards it to people who will never open the workbench: the headline (warnings
first), the charts, the no-teacher baseline if there is one, examples the models disagree on, the
settings and the machine. plotly.js is written inline once (`include_plotlyjs=True` on the first
chart), never fetched from a CDN, so the file works on a train or behind a firewall.

What leaves the machine names runs and models (run ids, hub ids, "bundled all-MiniLM-L6-v2"), never
absolute paths. Every text from the data is HTML-escaped: review texts are user content.
No streamlit here: the Compare page offers `build_html` as a download, tests call it directly.
"""

from __future__ import annotations

import csv
import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from ui import charts
from ui.export import public_text, read_config, student_name, teacher_name
from ui.extra_sets import COLUMNS, extra_rows, weakest_sentence
from ui.speed import pair_timing, unsure_reason
from ui.summary import (
    assess,
    headline,
    human_bytes,
    human_count,
    metric_series,
    ms_with_spread,
    pct,
    speed_reading,
    teacher_warning,
)
from workbench.core import WorkbenchError
from workbench.runs import find_baseline, read_metrics, read_report

EXAMPLES = 12  # disagreements shown, and as many agreements: enough to read, short enough to print
SPLIT = "test"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2430; margin: 0;
       background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { margin-bottom: 4px; } h2 { margin-top: 36px; border-bottom: 1px solid #e3e3e8; padding-bottom: 4px; }
.meta, .note { color: #5f6470; font-size: 0.9em; }
.headline { padding: 14px 18px; border-radius: 8px; font-size: 1.1em; line-height: 1.5; }
.good { background: #e8f5e9; border-left: 5px solid #2e7d32; }
.caution { background: #fff8e1; border-left: 5px solid #f9a825; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.95em; }
th, td { border-bottom: 1px solid #e3e3e8; padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: #f3f3f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
.diff { background: #fff3e0; }
code { background: #f3f3f7; padding: 1px 4px; border-radius: 3px; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _table(header: list[str], rows: list[list[Any]], numeric_from: int = 1, row_class: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_class[i]}"' if row_class and row_class[i] else ""
        cells = "".join(
            f'<td class="num">{_e(c)}</td>' if j >= numeric_from else f"<td>{_e(c)}</td>" for j, c in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Figures:
    """Turns plotly figures into <div>s; plotly.js goes inline with the first one only."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig: go.Figure, width: int | None = None) -> str:
        """`width`: a fixed size in pixels (charts side by side); else the page's width.

        plotly's own template, whichever is the default: inside the Streamlit server (where the Compare
        page builds this file) the default is Streamlit's, which leaves colours and margins to its web
        app; in a bare HTML file that drew every line black and cut long tick labels.
        """
        fig.update_layout(template=pio.templates["plotly"])
        if width:
            fig.update_layout(width=width)
        out = fig.to_html(
            full_html=False,
            include_plotlyjs=self.first,
            config={"displaylogo": False, "responsive": not width},
            default_height=f"{fig.layout.height or 320}px",
            default_width=f"{width}px" if width else "100%",
        )
        self.first = False
        return f"<div>{out}</div>"


def _examples(run_dir: Path, base_dir: Path | None, split: str) -> tuple[list[dict[str, str]], bool]:
    """The split's rows of predictions.csv (with the baseline's prediction where there is one)."""
    try:
        with open(run_dir / "predictions.csv", encoding="utf-8", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r.get("split") == split]
    except OSError:
        return [], False
    has_base = False
    if base_dir is not None:
        try:
            with open(base_dir / "predictions.csv", encoding="utf-8", newline="") as f:
                base = {r["index"]: r for r in csv.DictReader(f) if r.get("split") == split}
        except OSError:
            base = {}
        # the same data and seed give the same examples in the same order; check the text to be sure
        if base and all(base.get(r["index"], {}).get("text") == r["text"] for r in rows):
            for r in rows:
                r["baseline_pred"] = base[r["index"]].get("student_pred", "")
            has_base = True
    return rows, has_base


def _example_table(rows: list[dict[str, str]], names: list[str], has_base: bool) -> str:
    header = ["text", "true label", "teacher", "student"] + (["student without teacher"] if has_base else [])
    header += [f"teacher p({n})" for n in names] + [f"student p({n})" for n in names]
    body = []
    for r in rows:
        line = [r["text"], r["label"], r.get("teacher_pred", ""), r.get("student_pred", "")]
        line += [r.get("baseline_pred", "")] if has_base else []
        for who in ("teacher", "student"):
            for n in names:
                p = r.get(f"{who}_p_{n}")
                line.append(f"{float(p):.2f}" if p not in (None, "") else "–")
        body.append(line)
    marks = ["diff" if r.get("teacher_pred") != r.get("student_pred") else "" for r in rows]
    return _table(header, body, numeric_from=len(header) - 2 * len(names), row_class=marks)


@dataclass
class _Run:
    """What every section of the report reads: the run's report and config, and its baseline's if there is one."""

    run_dir: Path
    rep: dict[str, Any]
    cfg: dict[str, Any]
    base_dir: Path | None
    base: dict[str, Any] | None
    names: list[str]
    fig: _Figures = field(default_factory=_Figures)

    @property
    def t(self) -> dict[str, Any]:
        return self.rep["teacher"]

    @property
    def s(self) -> dict[str, Any]:
        return self.rep["student"]

    @property
    def b(self) -> dict[str, Any]:
        return (self.base or {}).get("student") or {}


def _load(run_dir: Path) -> _Run:
    rep = pair_timing(run_dir, read_report(run_dir)) or {}  # a baseline shows its pair's one timing
    if rep.get("kind") != "distill" or "comparison" not in rep:
        raise WorkbenchError(f"{run_dir.name} has no finished distillation report to share")
    base_dir = find_baseline(run_dir)
    base = read_report(base_dir) if base_dir else None
    if base and SPLIT not in (base.get("student") or {}):
        base, base_dir = None, None
    names = (rep.get("data") or {}).get("label_names") or []
    return _Run(run_dir, rep, read_config(run_dir), base_dir, base, names)


def _headline(r: _Run, verdict: dict[str, Any]) -> list[str]:
    parts = ["<h1>Distillation report</h1>"]
    parts.append(
        f'<p class="meta">Run <code>{_e(r.run_dir.name)}</code>: teacher {_e(teacher_name(r.cfg))}, student '
        f"{_e(student_name(r.cfg, r.s))}. Written {_e(time.strftime('%Y-%m-%d %H:%M'))} by Distillation Workbench.</p>"
    )
    tone = "caution" if verdict["caution"] else "good"
    parts.append(f'<div class="headline {tone}">{_e(headline(r.rep, SPLIT, r.base))}</div>')
    warning = teacher_warning(r.rep)
    if warning and not (verdict["teacher"] and verdict["teacher"]["weak"]):
        parts.append(f'<div class="headline caution" style="margin-top:8px">{_e(warning)}</div>')
    return parts


def _numbers(r: _Run, verdict: dict[str, Any]) -> list[str]:
    """Accuracy, size and speed of teacher, student (and baseline) side by side, and what the baseline says."""
    t, s, b, base = r.t, r.s, r.b, r.base
    cols = ["", "teacher", "student"] + (["same student, no teacher"] if base else [])

    def row(label: str, get) -> list[Any]:
        return [label, get(t), get(s)] + ([get(b)] if base else [])

    rows = [
        row(f"accuracy ({SPLIT})", lambda m: pct((m.get(SPLIT) or {}).get("accuracy"))),
        row(f"macro-F1 ({SPLIT})", lambda m: pct((m.get(SPLIT) or {}).get("macro_f1"))),
        row("parameters", lambda m: human_count((m.get("params") or {}).get("total"))),
        row("size on disk", lambda m: human_bytes(m.get("size_bytes"))),
        row("layers", lambda m: (m.get("architecture") or {}).get("layers", "–")),
    ]
    for k in t.get("latency_ms") or {}:
        if k in (s.get("latency_ms") or {}):
            rows.append(
                [f"ms per sentence, {k.replace('_', ' of ')} (median, low–high)"]
                + [
                    ms_with_spread((m.get("latency_ms") or {}).get(k), (m.get("latency_spread_ms") or {}).get(k))
                    for m in (t, s)
                ]
                + (["–"] if base else [])
            )
    parts = [f"<h2>Teacher and student ({SPLIT} set)</h2>", _table(cols, rows)]
    if base:
        d = verdict["baseline_diff_points"]
        parts.append(
            f'<p class="note">Distillation vs the same student trained on the labels alone (run '
            f"<code>{_e(r.base_dir.name)}</code>, alpha = 0, same data, steps and seed): {d:+.1f} points of "
            f"{SPLIT} accuracy. One seed each: differences of about "
            f"{verdict['baseline_noise_points']:.1f} points or less are noise.</p>"
        )
    else:
        parts.append(
            '<p class="note">No run of the same student without the teacher yet: this report cannot say '
            "whether distillation beat training on the labels alone.</p>"
        )
    return parts


def _other_text(r: _Run) -> list[str]:
    """The 'On other text' table of the Compare page: both models on the test sets from elsewhere."""
    rows = extra_rows(r.rep, SPLIT)
    if not rows:
        return []
    sentence = weakest_sentence(r.rep)
    return [
        "<h2>On other text</h2>",
        _table(list(COLUMNS), [[row[c] for c in COLUMNS] for row in rows]),
        '<p class="note">Both models measured on labelled files from elsewhere, beside the kind of text they '
        f"trained on. Kept = student accuracy / teacher accuracy.{' ' + _e(sentence) if sentence else ''}</p>",
    ]


def _speed(r: _Run) -> list[str]:
    sp = speed_reading(r.rep)
    parts = ["<h2>Speed</h2>"]
    if sp["speedup"] is None:
        return parts + ['<p class="note">Speed was not measured for this run.</p>']
    precision = r.rep.get("latency_precision")
    how = f"both models timed in {precision}" if precision else "precision of the timings not recorded"
    note = f"Median time per sentence, tokenisation included, {how}."
    if sp["unsure"]:
        note += f" <strong>The speed comparison is unreliable: {_e(unsure_reason(sp))}.</strong>"
    parts.append(f'<p class="note">{note}</p>')
    t, s = r.t, r.s
    spreads = {"teacher": t.get("latency_spread_ms") or {}, "student": s.get("latency_spread_ms") or {}}
    parts.append(r.fig(charts.latency(t["latency_ms"], s["latency_ms"], spreads)))
    return parts


def _charts(r: _Run) -> list[str]:
    """Parameter breakdown, confusion matrices, then the training charts."""
    parts = ["<h2>Where the parameters are, and where each model goes wrong</h2>"]
    grid = [r.fig(charts.param_breakdown(r.t["params"], r.s["params"]), width=500)]
    for who, m in (("Teacher", r.t), ("Student", r.s)) + ((("Student without teacher", r.b),) if r.base else ()):
        cm = (m.get(SPLIT) or {}).get("confusion_matrix")
        if cm and r.names:
            grid.append(r.fig(charts.confusion(cm, r.names, f"{who} ({SPLIT})"), width=340))
    parts.append(f'<div class="grid">{"".join(grid)}</div>')
    parts.append('<p class="note">Confusion matrices: rows are the true labels, columns the predictions.</p>')
    return parts + _training(r)


def _training(r: _Run) -> list[str]:
    """The training loss over the steps and the validation accuracy, side by side.

    The soft (teacher) line only when alpha > 0 (from the report, not from the logged numbers: a run at
    alpha = 0 logs a KL to the teacher that is no part of its loss). One evaluation is said to be one.
    """
    series = metric_series(read_metrics(r.run_dir))
    steps, evals = series["steps"], series["evals"]
    if not steps and not evals:
        return []
    soft = (r.rep.get("alpha") or 0) > 0
    grid = [r.fig(charts.loss_chart(steps, soft=soft), width=510)] if steps else []
    grid += [r.fig(charts.accuracy_chart(evals), width=510)] if evals else []
    parts = ["<h2>Training</h2>", f'<div class="grid">{"".join(grid)}</div>']
    note = charts.evaluation_caption(evals)
    if note:
        parts.append(f'<p class="note">{_e(note)}</p>')
    return parts


def _example_section(r: _Run) -> list[str]:
    rows_ex, has_base = _examples(r.run_dir, r.base_dir, SPLIT)
    if not rows_ex:
        return []
    disagree = [x for x in rows_ex if x.get("teacher_pred") != x.get("student_pred")]
    agree = [x for x in rows_ex if x.get("teacher_pred") == x.get("student_pred")]
    return [
        f"<h2>Examples ({SPLIT} set)</h2>",
        f'<p class="note">Teacher and student disagree on {len(disagree)} of {len(rows_ex)} examples. '
        f"The first {min(EXAMPLES, len(disagree))} of them (shaded), then {min(EXAMPLES, len(agree))} they "
        "agree on.</p>",
        _example_table(disagree[:EXAMPLES] + agree[:EXAMPLES], r.names, has_base),
    ]


def _settings(r: _Run) -> list[str]:
    """The settings that made this run, the loss it minimised, the data's notes and the machine."""
    rep, cfg = r.rep, r.cfg
    data = rep.get("data") or {}
    tc = cfg.get("training") or {}
    sizes = data.get("sizes") or {}
    settings = [
        ["teacher", teacher_name(cfg)],
        ["student", student_name(cfg, r.s)],
        ["data", public_text(data.get("description"))],
        ["labels", ", ".join(r.names)],
        [
            "examples (train / validation / test)",
            " / ".join(
                f"{sizes.get(k, '–'):,}" if isinstance(sizes.get(k), int) else "–"
                for k in ("train", "validation", "test")
            ),
        ],
        ["temperature T", rep.get("temperature")],
        ["alpha (weight of the teacher's soft labels)", rep.get("alpha")],
        ["epochs", tc.get("epochs")],
        ["learning rate", tc.get("learning_rate")],
        ["batch size", tc.get("batch_size")],
        ["max length (tokens)", tc.get("max_length")],
        ["seed", cfg.get("seed")],
        ["training precision", rep.get("precision", "–")],
    ]
    training = rep.get("training") or {}
    if training.get("seconds") is not None:
        settings.append(["training time", f"{training['seconds']:.0f} s for {training.get('steps')} steps"])
    parts = ["<h2>Settings</h2>"]
    parts.append(_table(["setting", "value"], [[k, "–" if v is None else v] for k, v in settings], numeric_from=99))
    parts.append(
        '<p class="note">Loss: total = alpha · T² · KL(teacher_T ‖ student_T) + (1 − alpha) · '
        "cross-entropy(student, label).</p>"
    )
    notes = data.get("notes") or []
    if notes:
        parts.append("<ul>" + "".join(f'<li class="note">{_e(public_text(n))}</li>' for n in notes) + "</ul>")
    parts += ["<h2>Machine</h2>", f"<p>{_e(rep.get('machine') or 'not recorded')}</p>"]
    return parts


def build_html(run_dir: Path) -> str:
    """The whole report of a finished distillation run as one self-contained HTML page."""
    r = _load(Path(run_dir))
    verdict = assess(r.rep, SPLIT, r.base)
    parts = (
        _headline(r, verdict)
        + _numbers(r, verdict)
        + _other_text(r)
        + _speed(r)
        + _charts(r)
        + _example_section(r)
        + _settings(r)
    )
    title = f"Distillation report: {r.run_dir.name}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main>\n{chr(10).join(parts)}\n</main></body></html>\n"
    )

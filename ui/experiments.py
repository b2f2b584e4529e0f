"""What the Experiments page shows: sweep figures and the sentences that read a sweep's statistics.

Numbers come from the engine (`workbench.sweeps.study`, `workbench.sweeps.stats`, `workbench.studio.pareto`);
this module turns them into plotly figures and plain words. No streamlit here, so it is tested directly.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from workbench.sweeps import PairedDifference


def effect_sentence(diff: PairedDifference | None, split: str = "validation") -> str:
    """'distillation helped by 1.4 +/- 0.6 points on validation; the interval excludes 0', or why not."""
    if diff is None:
        return "this is the reference: the same student trained on labels alone"
    pts = diff.mean * 100
    if diff.ci_low is None:
        return f"{pts:+.1f} points on {split} from one seed: run more seeds to know whether this is real"
    half = (diff.ci_high - diff.ci_low) / 2 * 100
    if diff.excludes_zero:
        verb = "helped" if pts > 0 else "hurt"
        return f"distillation {verb} by {abs(pts):.1f} ± {half:.1f} points on {split} over {diff.n} seeds; the interval excludes 0"
    return (
        f"no measurable effect on {split}: {pts:+.1f} ± {half:.1f} points over {diff.n} seeds "
        f"(the interval {diff.ci_low * 100:+.1f} to {diff.ci_high * 100:+.1f} includes 0)"
    )


def _tidy(fig: go.Figure, height: int = 340, **layout: Any) -> go.Figure:
    """Small margins that grow to fit the tick labels (Streamlit's plotly template has no automargin)."""
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, **layout)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def heatmap(points: list[dict[str, Any]]) -> go.Figure:
    """Mean validation accuracy over T (rows) x alpha (columns); spread and seeds on hover.

    alpha = 0 ignores T, so its one measured value is shown in every row of its column.
    """
    temps = sorted({p["temperature"] for p in points if p["alpha"] != 0} or {p["temperature"] for p in points})
    alphas = sorted({p["alpha"] for p in points})
    by_key = {(p["temperature"], p["alpha"]): p for p in points}
    ref = next((p for p in points if p["alpha"] == 0), None)
    z, text = [], []
    for t in temps:
        row_z, row_t = [], []
        for a in alphas:
            p = ref if a == 0 else by_key.get((t, a))
            if p is None:
                row_z.append(None)
                row_t.append("not run yet")
                continue
            s = p["spread"]
            row_z.append(s.mean)
            note = "labels alone (T has no effect)" if a == 0 else f"T={t:g}, alpha={a:g}"
            row_t.append(f"{note}<br>{s.mean:.1%} ± {s.std:.1%} over {s.n} seed(s)<br>range {s.low:.1%}–{s.high:.1%}")
        z.append(row_z)
        text.append(row_t)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{a:g}" for a in alphas],
            y=[f"{t:g}" for t in temps],
            text=text,
            hoverinfo="text",
            colorscale="Viridis",
            texttemplate="%{z:.1%}",
            colorbar={"tickformat": ".1%"},
            **share_scale([v for row in z for v in row if v is not None]),
        )
    )
    fig.update_layout(title="Mean validation accuracy", xaxis_title="alpha (weight of the teacher)", yaxis_title="T")
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")  # one row per T tried, not a continuous axis
    return _tidy(fig)


def share_scale(values: list[float], pad: float = 0.05) -> dict[str, float]:
    """zmin and zmax of a colour scale of shares (accuracies): from the data, never outside 0–100%.

    Left to itself, plotly widens a scale whose values are all equal by 0.5 each way, so a sweep with
    one finished point had a colour bar up to 120%. A share above 1 (a student that kept more than
    the teacher's accuracy) takes the top colour; its true number stays in the cell's text and hover.
    """
    if not values:
        return {}
    lo, hi = max(0.0, min(min(values), 1.0)), min(1.0, max(max(values), 0.0))
    if hi - lo < 1e-9:  # one value: a small band around it, inside [0, 1]
        lo, hi = max(0.0, min(lo, 1.0 - 2 * pad) - pad), min(1.0, max(hi, 2 * pad) + pad)
    return {"zmin": lo, "zmax": hi}


def seed_dots(rows: list[dict[str, Any]]) -> go.Figure:
    """Every finished trial as a dot: validation accuracy against alpha, one colour per T."""
    done = [r for r in rows if r.get("val_accuracy") is not None]
    fig = go.Figure()
    for t in sorted({r["temperature"] for r in done}):
        mine = [r for r in done if r["temperature"] == t]
        fig.add_trace(
            go.Scatter(
                x=[r["alpha"] for r in mine],
                y=[r["val_accuracy"] for r in mine],
                mode="markers",
                name=f"T={t:g}",
                text=[f"seed {r.get('seed')} · trial {r['number']}" for r in mine],
                marker={"size": 9, "opacity": 0.75},
            )
        )
    fig.update_layout(title="Each seed", xaxis_title="alpha", yaxis_title="validation accuracy")
    fig.update_yaxes(tickformat=".1%", range=_accuracy_range([r["val_accuracy"] for r in done]))
    return _tidy(fig)


def pareto_chart(points: list[dict[str, Any]], on_front: list[bool]) -> go.Figure:
    """Accuracy against latency for every student; marker size = parameters; the front joined by a line."""
    fig = go.Figure()
    biggest = max((p["params"] for p in points), default=1)
    for front, name, color in ((False, "dominated", "#B8B3C8"), (True, "on the front", "#6C4AB6")):
        mine = [p for p, f in zip(points, on_front, strict=True) if f == front]
        fig.add_trace(
            go.Scatter(
                x=[p["latency_ms"] for p in mine],
                y=[p["accuracy"] for p in mine],
                mode="markers",
                name=name,
                text=[
                    f"{p['run']}{' (int8 copy, ONNX Runtime)' if p.get('format') == 'int8' else ''}<br>"
                    f"{p['params'] / 1e6:.1f}M parameters<br>T={p.get('temperature')}, alpha={p.get('alpha')}"
                    for p in mine
                ],
                marker={
                    "size": [10 + 20 * p["params"] / biggest for p in mine],
                    "symbol": ["diamond" if p.get("format") == "int8" else "circle" for p in mine],
                    "color": color,
                    "opacity": 0.8,
                },
            )
        )
    front = sorted((p for p, f in zip(points, on_front, strict=True) if f), key=lambda p: p["latency_ms"])
    if len(front) > 1:
        fig.add_trace(
            go.Scatter(
                x=[p["latency_ms"] for p in front],
                y=[p["accuracy"] for p in front],
                mode="lines",
                line={"color": "#6C4AB6", "dash": "dot"},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title="Students: accuracy vs latency (size = parameters; diamonds = int8 copies)",
        xaxis_title="ms per example at batch 1",
        yaxis_title="validation accuracy",
    )
    fig.update_yaxes(tickformat=".1%", range=_accuracy_range([p["accuracy"] for p in points]))
    return _tidy(fig, height=380)


def _accuracy_range(values: list[float]) -> list[float] | None:
    """A y range around the accuracies, inside [0, 1] (plotly pads a lone point to -50%..100%)."""
    if not values:
        return None
    lo, hi = min(values), max(values)
    pad = max(0.01, (hi - lo) * 0.15)
    return [max(0.0, lo - pad), min(1.0, hi + pad)]


def label_curve_chart(summary: list[dict[str, Any]], rows: list[dict[str, Any]]) -> go.Figure:
    """Test accuracy against labels per class: teacher and distilled student, mean over seeds with
    their spread as error bars, and every finished seed as a faint dot. Budgets are categories
    (16, 32, 64, 256, all), so "all" sits at the end however many labels it was."""
    fig = go.Figure()
    for who, name, colour in (("teacher", "teacher", "#636EFA"), ("student", "distilled student", "#EF553B")):
        fig.add_trace(
            go.Scatter(
                x=[p["budget"] for p in summary],
                y=[p[f"{who}_test"] for p in summary],
                error_y={"type": "data", "array": [p[f"{who}_test_sd"] for p in summary], "visible": True},
                mode="lines+markers",
                name=f"{name} (mean)",
                line={"color": colour},
                text=[f"{p['seeds']} seed(s)" for p in summary],
            )
        )
        done = [r for r in rows if r.get(f"{who}_test") is not None]
        fig.add_trace(
            go.Scatter(
                x=[r["budget"] for r in done],
                y=[r[f"{who}_test"] for r in done],
                mode="markers",
                name=f"{name}, each seed",
                marker={"color": colour, "opacity": 0.35, "size": 7},
                text=[f"seed {r['seed']}" for r in done],
                showlegend=False,
            )
        )
    order = [p["budget"] for p in summary]
    fig.update_layout(title="Test accuracy by labels per class", xaxis_title="labelled texts per class")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    values = [r[k] for r in rows for k in ("teacher_test", "student_test") if r.get(k) is not None]
    fig.update_yaxes(title="test accuracy", tickformat=".0%", range=_accuracy_range(values))
    return _tidy(fig, height=380)

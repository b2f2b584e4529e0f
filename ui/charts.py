"""Plotly figures for the pages. Figures only: the numbers come from the engine."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from ui.summary import interval, thin

TEACHER_COLOR, STUDENT_COLOR = "#6C4AB6", "#F28C28"
PARTS = {"embeddings": "#8DA0CB", "encoder": "#66C2A5", "head": "#FC8D62"}


def _tidy(fig: go.Figure, height: int = 300, **layout: Any) -> go.Figure:
    """Small margins, grown by plotly to fit what the axes carry.

    automargin on every axis: with the 10-pixel margins alone, a chart drawn outside Streamlit (the
    shared HTML report) cut long tick labels ("ative" for "negative" on a confusion matrix's y axis).
    """
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend_title_text="", **layout)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


LOSS_PARTS = {
    "loss": "total",
    "loss_soft": "soft (teacher)",
    "loss_hard": "hard (labels)",
    "loss_hidden": "hidden states (teacher layers)",
    "loss_attention": "attention (teacher layers)",
}  # parts a run did not use are None in every row and get no line


def _lines(
    rows: list[dict[str, Any]], columns: dict[str, str], title: str, y_label: str, mode: str | None = None
) -> go.Figure:
    """Lines against the step, built with graph_objects directly, from at most ~200 points per line.

    The live panel redraws these while a run trains: plotly express (DataFrame, melt, validation) took
    ~40 ms a chart, and thousands of points per poll to every browser grow with the run; this does
    neither.
    Markers only while there are few points, where they help reading single values (unless `mode` says).
    """
    rows = thin(rows)
    steps = [r["step"] for r in rows]
    mode = mode or ("lines+markers" if len(rows) <= 60 else "lines")
    traces = [
        go.Scatter(x=steps, y=[r.get(col) for r in rows], name=name, mode=mode)
        for col, name in columns.items()
        if any(r.get(col) is not None for r in rows)
    ]
    fig = go.Figure(traces)
    fig.update_layout(title=title, xaxis_title="step", yaxis_title=y_label)
    return _tidy(fig, showlegend=len(traces) > 1)


def loss_chart(steps: list[dict[str, Any]], soft: bool = True) -> go.Figure:
    """The total loss and its parts. `soft`: whether the run learns from the teacher's answers (alpha > 0),
    decided by the caller from the run's settings; a run at alpha = 0 may still log a soft value.

    Without a soft part the total is the hard loss itself, so the hard line is drawn only when layer
    losses (hidden states, attention) are added to it.
    """
    cols = dict(LOSS_PARTS)
    if not soft:
        del cols["loss_soft"]
        if not any(r.get("loss_hidden") is not None or r.get("loss_attention") is not None for r in steps):
            del cols["loss_hard"]
    return _lines(steps, cols, "Training loss", "loss")


def line_chart(rows: list[dict[str, Any]], y: str, title: str, label: str, percent: bool = False) -> go.Figure:
    fig = _lines(rows, {y: label}, title, label)
    # from zero, so a flat series reads as flat (not as noise on a zoomed axis); 5e-05, not 50µ
    fig.update_yaxes(rangemode="tozero", exponentformat="e")
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


EVAL_PARTS = {"accuracy": "accuracy", "macro_f1": "macro-F1"}


def accuracy_chart(evals: list[dict[str, Any]]) -> go.Figure:
    """Validation accuracy and macro-F1 at each evaluation, every evaluation a marker.

    A run evaluated once (one epoch, evaluated at its end) gets its two numbers written beside their
    markers on an axis from step 0: a line chart of one point showed a lonely dot and nothing to read.
    """
    if len(evals) == 1:
        return _one_evaluation(evals[0])
    fig = _lines(evals, EVAL_PARTS, "Validation accuracy", "", mode="lines+markers")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return fig


def _one_evaluation(row: dict[str, Any]) -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(
                x=[row["step"]],
                y=[row[col]],
                name=name,
                mode="markers+text",
                text=[f"{name} {row[col]:.1%}"],
                textposition=position,
                marker={"size": 12},
            )
            for (col, name), position in zip(EVAL_PARTS.items(), ("top left", "bottom left"), strict=True)
            if row.get(col) is not None
        ]
    )
    fig.update_layout(title="Validation accuracy (evaluated once)", xaxis_title="step")
    fig.update_xaxes(range=[0, max(1, row["step"]) * 1.08])
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return _tidy(fig, showlegend=False)


def evaluation_caption(evals: list[dict[str, Any]], more_to_come: bool = False) -> str | None:
    """What a reader needs to know about the points of the validation chart; None when the chart says it.

    One evaluation is one number, not a curve: say when it was taken (and, while the run trains, that
    the next evaluations will make it a line).
    """
    if len(evals) != 1:
        return None
    step, epoch = evals[0].get("step"), evals[0].get("epoch")
    if epoch is not None and float(epoch).is_integer() and epoch > 0:
        when = f"at the end of epoch {epoch:g} (step {step})"
    else:
        when = f"at step {step}"
    if more_to_come:
        return f"Evaluated once so far, {when}; the next evaluations join it into a line."
    return f"Evaluated once, {when}: one measurement, not a curve."


def label_balance(rows: list[dict[str, Any]]) -> go.Figure:
    fig = px.bar(
        pd.DataFrame(rows), x="split", y="count", color="label", barmode="group", title="Label balance", text="count"
    )
    return _tidy(fig)


def token_lengths(lengths: list[int], max_length: int) -> go.Figure:
    fig = px.histogram(pd.DataFrame({"tokens": lengths}), x="tokens", nbins=40, title="Text length in tokens")
    fig.add_vline(x=max_length, line_dash="dash", line_color="red", annotation_text=f"maximum length {max_length}")
    return _tidy(fig, showlegend=False)


def param_breakdown(teacher: dict[str, int], student: dict[str, int]) -> go.Figure:
    rows = [
        {"model": who, "part": part, "parameters": counts.get(part, 0)}
        for who, counts in (("teacher", teacher), ("student", student))
        for part in PARTS
    ]
    fig = px.bar(
        pd.DataFrame(rows),
        x="model",
        y="parameters",
        color="part",
        color_discrete_map=PARTS,
        title="Parameters: embeddings, encoder, head",
    )
    return _tidy(fig)


def confusion(cm: list[list[int]], labels: list[str], title: str) -> go.Figure:
    fig = px.imshow(
        cm,
        x=labels,
        y=labels,
        text_auto=True,
        color_continuous_scale="Purples",
        labels={"x": "predicted", "y": "true label", "color": "examples"},
        title=title,
    )
    return _tidy(fig, height=320, coloraxis_showscale=False)


def probability_bars(rows: list[dict[str, Any]], title: str) -> go.Figure:
    """rows: {example, model, class, probability}; one panel per example."""
    df = pd.DataFrame(rows)
    fig = px.bar(
        df,
        x="class",
        y="probability",
        color="model",
        barmode="group",
        facet_col="example",
        facet_col_wrap=4,
        color_discrete_map={"teacher": TEACHER_COLOR, "student": STUDENT_COLOR},
        title=title,
        range_y=[0, 1],
    )
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    return _tidy(fig, height=320)


def temperature_curve(curve: dict[str, Any], labels: list[str], current_t: float) -> go.Figure:
    rows = [
        {"T": t, "class": labels[c], "probability": p}
        for t, probs in zip(curve["temperatures"], curve["probs"], strict=True)
        for c, p in enumerate(probs)
    ]
    fig = px.line(pd.DataFrame(rows), x="T", y="probability", color="class", markers=True, title="Teacher vs T")
    fig.add_vline(x=current_t, line_dash="dash", annotation_text=f"T = {current_t:g}")
    fig.update_yaxes(range=[0, 1])
    return _tidy(fig)


def entropy_curve(curve: dict[str, Any], current_t: float) -> go.Figure:
    df = pd.DataFrame({"T": curve["temperatures"], "entropy (bits)": curve["entropy"]})
    fig = px.line(df, x="T", y="entropy (bits)", markers=True, title="Teacher's uncertainty (entropy) vs T")
    fig.add_hline(y=curve["max_entropy"], line_dash="dot", annotation_text="completely unsure")
    fig.add_vline(x=current_t, line_dash="dash")
    fig.update_yaxes(range=[0, curve["max_entropy"] * 1.1])
    return _tidy(fig, showlegend=False)


def loss_parts(rows: list[dict[str, Any]]) -> go.Figure:
    """rows: {example, part, value} with part in alpha*soft, (1-alpha)*hard: stacked = total."""
    fig = px.bar(
        pd.DataFrame(rows),
        x="example",
        y="value",
        color="part",
        title="Loss per example: soft and hard parts, weighted",
        color_discrete_sequence=[TEACHER_COLOR, "#999999"],
    )
    fig.update_xaxes(type="category")
    return _tidy(fig)


def latency(
    teacher: dict[str, float],
    student: dict[str, float],
    spreads: dict[str, dict[str, list[float]]] | None = None,
) -> go.Figure:
    """Median ms per sentence per model and batch size; `spreads` ({"teacher": {"batch_1": [low, high]}})
    adds error bars from low to high, so overlapping timings are seen as such."""
    spreads = spreads or {}
    fig = go.Figure()
    for who, lat, color in (("teacher", teacher, TEACHER_COLOR), ("student", student, STUDENT_COLOR)):
        keys = list(lat)
        medians = [lat[k] for k in keys]
        spread = spreads.get(who) or {}
        error = None
        if all(k in spread for k in keys) and keys:
            error = {
                "type": "data",
                "symmetric": False,
                "array": [interval(spread[k])[1] - lat[k] for k in keys],
                "arrayminus": [lat[k] - interval(spread[k])[0] for k in keys],
            }
        fig.add_bar(
            x=[k.replace("batch_", "batch of ") for k in keys],
            y=medians,
            name=who,
            marker_color=color,
            error_y=error,
        )
    fig.update_layout(barmode="group", title="Time per sentence (lower is faster)", yaxis_title="ms per sentence")
    return _tidy(fig)


def reliability(models: dict[str, dict[str, Any]]) -> go.Figure:
    """Reliability diagram: per confidence bin, how often each model was right against how sure it
    said it was (`workbench.evaluation.calibration` bins); marker area by the bin's examples; the dashed
    diagonal is perfect calibration. `models`: {"teacher": calibration, "student": calibration}."""
    colors = {"teacher": TEACHER_COLOR, "student": STUDENT_COLOR}
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration", line={"dash": "dash", "color": "#999999"}
    )
    largest = max((b["count"] for cal in models.values() for b in cal["bins"]), default=1)
    for who, cal in models.items():
        bins = cal["bins"]
        fig.add_scatter(
            x=[b["confidence"] for b in bins],
            y=[b["accuracy"] for b in bins],
            mode="lines+markers",
            name=f"{who} (ECE {cal['ece']:.3f})",
            line={"color": colors.get(who)},
            marker={"size": [8 + 22 * (b["count"] / largest) ** 0.5 for b in bins], "color": colors.get(who)},
            customdata=[[b["count"], b["lower"], b["upper"]] for b in bins],
            hovertemplate=(
                "confidence %{customdata[1]:.0%}–%{customdata[2]:.0%}: said %{x:.0%} on average, "
                "right %{y:.0%} of the time (%{customdata[0]} examples)<extra>" + who + "</extra>"
            ),
        )
    fig.update_layout(
        title="Confidence vs accuracy (reliability diagram)",
        xaxis_title="how sure the model said it was",
        yaxis_title="how often it was right",
    )
    fig.update_xaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return _tidy(fig, height=360)


def students_map(rows: list[dict[str, Any]], x: str = "ms_per_sentence") -> go.Figure:
    """Several students and their teacher: `x` (ms per sentence or size on disk, log scale) against test accuracy,
    marker area by parameters, the teacher a purple diamond. `rows`: `workbench.runs.lineup` rows; rows without
    the number on `x` are left out. Up and to the left is better."""
    x_titles = {
        "ms_per_sentence": "ms per sentence (1 at a time, median; log scale)",
        "size_bytes": "size on disk (MB, log scale)",
    }
    shown = [r for r in rows if r.get(x) and r.get("accuracy") is not None]
    largest = max((r.get("params") or 0 for r in shown), default=0) or 1
    fig = go.Figure()
    for n, r in enumerate(shown):
        teacher = r["role"] == "teacher"
        size = 10 + 40 * ((r.get("params") or 0) / largest) ** 0.5
        color = TEACHER_COLOR if teacher else px.colors.qualitative.Set2[n % len(px.colors.qualitative.Set2)]
        value = r[x] / 1e6 if x == "size_bytes" else r[x]  # MB on a size axis
        fig.add_scatter(
            x=[value],
            y=[r["accuracy"]],
            mode="markers+text",
            name=r["name"],
            text=[r["name"]],
            textposition="top center",
            marker={"size": size, "color": color, "symbol": "diamond" if teacher else "circle", "opacity": 0.8},
            hovertemplate=f"{r['name']}: %{{x:.3g}}, accuracy %{{y:.1%}}, {r.get('params') or 0:,} parameters"
            "<extra></extra>",
        )
    fig.update_xaxes(type="log", title=x_titles.get(x, x))
    fig.update_yaxes(title="test accuracy", tickformat=".0%")
    fig.update_layout(title="Size and speed against accuracy (marker size: parameters)")
    return _tidy(fig, height=380)

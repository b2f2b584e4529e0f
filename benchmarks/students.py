"""Students that pay off: each student family trained with and without the teacher, over seeds.

    python -m benchmarks.students --teacher runs/grid/teacher    # a fine-tuned teacher run folder
    python -m benchmarks.students                                # fine-tunes one first (default preset)
    python -m benchmarks.students --quick                        # CI-sized smoke run (tiny data, 2 seeds)

Families (all on the bundled Rotten Tomatoes data, all trained in this one process, one after another,
reusing the loaded data, teacher, tokenisation and cached teacher logits):
- `bilstm`: Tang et al. (2019)'s student, a one-layer BiLSTM over the teacher's word-piece embeddings
  projected to 128 dimensions, vocabulary pruned to the training words;
- `scratch`: a 2-layer transformer (hidden 128) built from scratch with the same pruned vocabulary;
- `layers`: 3 of the teacher's 6 layers (DistilBERT's initialisation), the student the workbench
  started with.
Variants: `labels` (the same student on the labels alone, `baseline.without_teacher`), `kd` (Hinton's
soft loss with the labels), `kd+transfer` (plus the augmented transfer set the teacher labels, soft
loss only on it) and, for the transformer cut, `kd+intermediate` (plus TinyBERT hidden-state and
MiniLM attention losses). Every variant of a family holds everything else equal: data, steps per
epoch of labelled data, epochs, learning rate, seeds (42, 43, ...).

Measured: parameters, weight bytes, latency per example at batch 1 and 32 (PyTorch, fp32 for teacher
and student alike, timed side by side: `evaluate.measure_latency`), ONNX Runtime latency of one
exported student per family (and of the teacher, the same way), test accuracy mean and sd over seeds,
share of the teacher's test accuracy kept, and each variant's gain over `labels` paired by seed with
its 95% t-interval (`workbench.sweeps.stats`). Results: benchmarks/results/students{,-quick}.{md,json}
and students.png (accuracy vs latency). The JSON last line is `best_small`: the student meeting the
size and speed targets (<= 1/10 of the teacher's parameters, >= 5x its speed at batch 1) with the
highest mean test accuracy among the distilled variants.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
MAX_PARAM_RATIO = 0.10
MIN_SPEEDUP = 5.0


def family_settings(quick: bool) -> dict[str, dict[str, Any]]:
    """Student and training settings per family: the engine's one table (`workbench.config.family_defaults`,
    what Setup and the guided first run offer), plus the variants measured; `quick` trains one pass."""
    from workbench.config import family_defaults

    variants = {
        "bilstm": ["labels", "kd", "kd+transfer"],
        "scratch": ["labels", "kd+transfer"],
        "layers": ["labels", "kd", "kd+intermediate"],
    }
    families = {}
    for kind, measured in variants.items():
        defaults = family_defaults(kind)
        if quick:
            defaults["training"]["epochs"] = 1
        student = {"kind": kind, **defaults["student"]}
        families[kind] = {"student": student, "training": defaults["training"], "variants": measured}
    families["layers"]["student"]["layers"] = None
    return families


def variant_config(base: Any, family: dict[str, Any], variant: str, seed: int, augment: int) -> Any:
    from workbench.runs import without_teacher

    cfg = copy.deepcopy(base)
    for key, value in family["student"].items():
        setattr(cfg.student, key, value)
    for key, value in family["training"].items():
        setattr(cfg.training, key, value)
    cfg.seed = seed
    cfg.distill.temperature, cfg.distill.alpha = 2.0, 0.5
    if variant == "labels":
        if "kd+transfer" in family["variants"]:  # as many optimizer steps as the run with the transfer set
            cfg.transfer.augment_factor = augment
        return without_teacher(cfg)
    if variant == "kd+transfer":
        cfg.transfer.augment_factor = augment
    if variant == "kd+intermediate":
        cfg.distill.hidden_weight, cfg.distill.attention_weight = 1.0, 1.0
    return cfg


def base_config(teacher: Path, quick: bool) -> Any:
    from workbench.config import preset

    cfg = preset("default")
    cfg.teacher.source, cfg.teacher.name = "run", str(teacher)
    cfg.training.checkpoint_every_steps = 0
    cfg.training.latency_precision = "fp32"  # teacher and student timed alike
    if quick:
        cfg.data.max_train_examples, cfg.data.max_eval_examples = 96, 48
        cfg.allow_weak_teacher = True
    return cfg


def ensure_teacher(runs: Path, teacher: str | None, quick: bool) -> Path:
    from workbench.config import dump_config, preset

    if teacher:
        return Path(teacher).resolve()
    folder = runs / "teacher"
    if not (folder / "model").is_dir():
        cfg = preset("default")
        cfg.name = "students-teacher"
        if quick:
            cfg.data.max_train_examples, cfg.data.max_eval_examples = 96, 48
            cfg.teacher_training.epochs = 1
        dump_config(cfg, runs / "teacher.yaml")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "WORKBENCH_RUNS_DIR": str(runs)}
        subprocess.run([sys.executable, "-m", "workbench", "teacher", str(runs / "teacher.yaml"), "--run-dir",
                        str(folder)], cwd=ROOT, env=env, check=True)  # fmt: skip
    return folder


def train_all(base: Any, families: dict[str, Any], seeds: list[int], runs: Path, augment: int) -> list[dict]:
    """Every family x variant x seed as an ordinary run folder; one row per run."""
    from workbench.models import reuse
    from workbench.runs import execute, new_run_dir, prepare_run_dir, read_report, read_status

    rows = []
    with reuse.reusing():
        for fam_name, fam in families.items():
            for variant in fam["variants"]:
                for seed in seeds:
                    cfg = variant_config(base, fam, variant, seed, augment)
                    cfg.name = f"students-{fam_name}-{variant.replace('+', '-')}-s{seed}"
                    run_dir = prepare_run_dir(cfg, "distill", new_run_dir("distill", cfg.name, runs))
                    start = time.perf_counter()
                    execute("distill", cfg, run_dir)
                    seconds = time.perf_counter() - start
                    state = read_status(run_dir).get("state")
                    rep = read_report(run_dir) or {}
                    if state != "finished":
                        raise SystemExit(f"{run_dir.name} ended {state}: {read_status(run_dir).get('error')}")
                    s, t = rep["student"], rep["teacher"]
                    rows.append(
                        {
                            "family": fam_name, "variant": variant, "seed": seed, "run": run_dir.name,
                            "seconds": seconds, "test": s["test"]["accuracy"],
                            "validation": s["validation"]["accuracy"], "params": s["params"]["total"],
                            "size_bytes": s.get("size_bytes"), "latency_ms": s.get("latency_ms"),
                            "teacher_latency_ms": t.get("latency_ms"), "teacher_params": t["params"]["total"],
                            "teacher_test": t["test"]["accuracy"], "teacher_size_bytes": t.get("size_bytes"),
                            "transfer": rep.get("transfer"), "latency_busy": s.get("latency_busy"),
                            "data_sizes": rep["data"]["sizes"],
                            "ece_test": (s["test"].get("calibration") or {}).get("ece"),
                            "teacher_ece_test": (t["test"].get("calibration") or {}).get("ece"),
                        }
                    )  # fmt: skip
                    print(f"{cfg.name}: test {rows[-1]['test']:.4f} ({seconds:.0f} s)", flush=True)
    return rows


def onnx_timings(rows: list[dict], runs: Path, teacher: Path) -> dict[str, Any]:
    """ONNX Runtime ms per example (batch 1 and 32) for the teacher and the first distilled run of each
    family: exported, checked against PyTorch and timed by `workbench export` (`export.export_run`),
    which also writes each model's card."""
    from workbench.evaluation import export_run

    out: dict[str, Any] = {}
    picks = {"teacher": teacher}
    for fam in dict.fromkeys(r["family"] for r in rows):
        pick = next((r for r in rows if r["family"] == fam and r["variant"] != "labels"), None)
        if pick is not None:
            picks[fam] = runs / pick["run"]
    for name, folder in picks.items():
        try:
            out[name] = {"run": folder.name, **export_run(folder)}
        except Exception as exc:  # one model failing to export must not hide the others' numbers
            out[name] = {"run": folder.name, "error": str(exc).splitlines()[0]}
    return out


def summarise(rows: list[dict], onnx: dict[str, Any]) -> list[dict]:
    """One line per family x variant: means, spreads, the gain over labels paired by seed."""
    from workbench.sweeps import paired_difference, spread

    lines = []
    for fam in dict.fromkeys(r["family"] for r in rows):
        labels = {r["seed"]: r["test"] for r in rows if r["family"] == fam and r["variant"] == "labels"}
        for variant in dict.fromkeys(r["variant"] for r in rows if r["family"] == fam):
            rs = [r for r in rows if r["family"] == fam and r["variant"] == variant]
            acc = spread(r["test"] for r in rs)
            t_test = rs[0]["teacher_test"]
            b1 = [r["teacher_latency_ms"]["batch_1"] / r["latency_ms"]["batch_1"] for r in rs if r["latency_ms"]]
            mine = {r["seed"]: r["test"] for r in rs}
            gain = _points(paired_difference(mine, labels)) if variant != "labels" and labels else None
            kd = {r["seed"]: r["test"] for r in rows if r["family"] == fam and r["variant"] == "kd"}
            # the extra signal against logit-only distillation of the same student, paired by seed
            vs_kd = _points(paired_difference(mine, kd)) if variant.startswith("kd+") and kd else None
            lat = rs[0]["latency_ms"] or {}
            lines.append(
                {
                    "family": fam, "variant": variant, "seeds": acc.n, "params": rs[0]["params"],
                    "param_ratio": rs[0]["params"] / rs[0]["teacher_params"], "size_mb": (rs[0]["size_bytes"] or 0) / 1e6,
                    "latency_b1_ms": lat.get("batch_1"), "latency_b32_ms": lat.get("batch_32"),
                    "speedup_batch_1": sorted(b1)[len(b1) // 2] if b1 else None,
                    "onnx_b1_ms": ((onnx.get(fam) or {}).get("latency_ms") or {}).get("batch_1"),
                    "onnx_b32_ms": ((onnx.get(fam) or {}).get("latency_ms") or {}).get("batch_32"),
                    "test_mean": acc.mean, "test_sd": acc.std, "kept_test": acc.mean / t_test,
                    "kd_gain": gain, "vs_kd": vs_kd, "ece_test": _mean([r["ece_test"] for r in rs]),
                    "minutes_per_run": _mean([r["seconds"] for r in rs]) / 60,
                }
            )  # fmt: skip
    return lines


def _points(d: Any) -> dict[str, Any]:
    """A paired difference of accuracies in points."""
    scale = lambda v: None if v is None else v * 100  # noqa: E731
    return {"points": d.mean * 100, "ci_low": scale(d.ci_low), "ci_high": scale(d.ci_high), "seeds": d.n}


def _settings_line(doc: dict[str, Any]) -> str:
    """What each family trained with: equal for all its variants (only the teacher's signals differ)."""
    fams = family_settings(doc["quick"])
    parts = []
    for name in dict.fromkeys(r["family"] for r in doc["runs"]):
        tr = fams[name]["training"]
        frozen = ", word embeddings frozen" if tr.get("freeze_word_embeddings") else ""
        parts.append(f"{name}: {tr['epochs']:g} epoch(s) at learning rate {tr['learning_rate']:g}{frozen}")
    sizes = {r["transfer"]["augmented"] for r in doc["runs"] if r.get("transfer")}
    extra = f"; the transfer set holds {', '.join(f'{n:,}' for n in sorted(sizes))} augmented texts" if sizes else ""
    return (
        "Within a family every variant has the same data, epochs (over the labelled texts; the transfer set "
        f"makes an epoch longer), learning rate and seeds: {'; '.join(parts)}{extra}."
    )


def _sizes(sizes: dict[str, int] | None) -> str:
    if not sizes:
        return "sizes not recorded"
    return ", ".join(f"{n:,} {split}" for split, n in sizes.items()) + " texts"


def _f(value: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if value is None else fmt.format(value)


def _mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def best_small(lines: list[dict]) -> dict[str, Any] | None:
    """The distilled student meeting the size and speed targets with the best mean test accuracy."""
    ok = [
        ln for ln in lines
        if ln["variant"] != "labels" and ln["param_ratio"] <= MAX_PARAM_RATIO
        and (ln["speedup_batch_1"] or 0) >= MIN_SPEEDUP
    ]  # fmt: skip
    if not ok:
        return None
    b = max(ok, key=lambda ln: ln["test_mean"])
    g = b["kd_gain"] or {}
    return {
        "family": b["family"], "variant": b["variant"], "param_ratio": b["param_ratio"],
        "speedup_batch_1": b["speedup_batch_1"], "kept_test": b["kept_test"], "test_mean": b["test_mean"],
        "kd_gain_points": g.get("points"), "kd_gain_ci_low": g.get("ci_low"), "kd_gain_ci_high": g.get("ci_high"),
        "seeds": b["seeds"],
    }  # fmt: skip


def plot(lines: list[dict], teacher: dict[str, float]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for fam in dict.fromkeys(ln["family"] for ln in lines):
        ls = sorted((ln for ln in lines if ln["family"] == fam), key=lambda ln: ln["test_mean"])
        spots = ["bottom right", "middle right", "top right"]  # a family's labels apart, low to high
        fig.add_trace(
            go.Scatter(
                x=[ln["latency_b1_ms"] for ln in ls], y=[ln["test_mean"] * 100 for ln in ls],
                error_y={"type": "data", "array": [ln["test_sd"] * 100 for ln in ls]},
                mode="markers+text", name=fam, text=[ln["variant"] for ln in ls],
                textposition=[spots[min(i, 2)] if len(ls) > 1 else "middle right" for i in range(len(ls))],
                marker={"size": 10},
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=[teacher["latency_b1_ms"]], y=[teacher["test"] * 100], mode="markers+text", name="teacher",
                   text=["teacher"], textposition="bottom center", marker={"size": 12, "symbol": "star"})
    )  # fmt: skip
    fig.update_layout(
        title="Test accuracy (mean ± sd over seeds) vs latency at batch 1 (fp32, 2 CPU cores)",
        xaxis_title="ms per example, batch 1 (log)", yaxis_title="test accuracy (%)", xaxis_type="log",
        template="plotly_white", font={"size": 12},
    )  # fmt: skip
    return fig


def markdown(doc: dict[str, Any]) -> str:
    t = doc["teacher"]
    out = [
        f"# Students that pay off ({doc['date']})",
        "",
        f"`python -m benchmarks.students{' --quick' if doc['quick'] else ''}`: teacher = run `{t['run']}` "
        f"({t['params'] / 1e6:.1f}M parameters, {t['test']:.2%} test, {t['latency_b1_ms']:.2f} ms at batch 1). "
        f"Bundled data: {_sizes(doc['runs'][0].get('data_sizes'))}. "
        f"Seeds {doc['seeds']}; T = 2, alpha = 0.5; transfer set = {doc['augment']} augmented copies per training "
        "text (masking + n-gram sampling), soft loss only. Latency: fp32 PyTorch for teacher and student alike, "
        "tokenisation included, timed side by side; ONNX = ONNX Runtime, CPU, batch 1 / 32 (fp32).",
        "",
        _settings_line(doc),
        "",
        "| family | variant | params | vs teacher | MB | ms b1 | ms b32 | speed-up b1 | ONNX ms b1 / b32 "
        "| test (mean ± sd) | kept | gain vs labels (points, 95% CI) | ECE test |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        f"| teacher | – | {t['params'] / 1e6:.2f}M | 100% | {(t.get('size_bytes') or 0) / 1e6:.1f} | "
        f"{t['latency_b1_ms']:.2f} | {t['latency_b32_ms']:.2f} | 1.0x | {_f(t.get('onnx_b1_ms'))} / "
        f"{_f(t.get('onnx_b32_ms'))} | {t['test']:.2%} | 100% | – | {_f(t.get('ece_test'), '{:.3f}')} |",
    ]
    for ln in doc["table"]:
        g = ln["kd_gain"]
        gain = "–" if g is None else (
            f"{g['points']:+.2f} [{g['ci_low']:+.2f}, {g['ci_high']:+.2f}]" if g["ci_low"] is not None
            else f"{g['points']:+.2f}"
        )  # fmt: skip
        out.append(
            f"| {ln['family']} | {ln['variant']} | {ln['params'] / 1e6:.2f}M | {ln['param_ratio']:.1%} | "
            f"{ln['size_mb']:.1f} | {_f(ln['latency_b1_ms'])} | {_f(ln['latency_b32_ms'])} | "
            f"{_f(ln['speedup_batch_1'], '{:.1f}x')} | {_f(ln['onnx_b1_ms'])} / {_f(ln['onnx_b32_ms'])} | "
            f"{ln['test_mean']:.2%} ± {ln['test_sd']:.2%} | {ln['kept_test']:.1%} | {gain} | {_f(ln['ece_test'], '{:.3f}')} |"
        )
    for ln in doc["table"]:
        v = ln.get("vs_kd")
        if v and v["ci_low"] is not None:
            verdict = "the interval excludes 0" if v["ci_low"] > 0 or v["ci_high"] < 0 else "the interval includes 0"
            out += ["", f"{ln['family']} / {ln['variant']} against {ln['family']} / kd (the same student, logit-only "
                    f"distillation), paired by seed: {v['points']:+.2f} points [{v['ci_low']:+.2f}, {v['ci_high']:+.2f}]; "
                    f"{verdict}."]  # fmt: skip
    b = doc["best_small"]
    out.append("")
    if b:
        out.append(
            f"Best small student (<= {MAX_PARAM_RATIO:.0%} of the teacher's parameters, >= {MIN_SPEEDUP:g}x faster at "
            f"batch 1): **{b['family']} / {b['variant']}**, {b['param_ratio']:.1%} of the parameters, "
            f"{b['speedup_batch_1']:.1f}x faster, keeps {b['kept_test']:.1%} of the teacher's test accuracy; "
            f"distillation vs labels alone: {b['kd_gain_points']:+.2f} points "
            f"[{_f(b['kd_gain_ci_low'], '{:+.2f}')}, {_f(b['kd_gain_ci_high'], '{:+.2f}')}] over {b['seeds']} seeds."
            if b["kd_gain_points"] is not None
            else f"Best small student: {b['family']} / {b['variant']} (no labels-only runs to compare with)."
        )
    else:
        out.append("No student met both the size and the speed targets.")
    out += ["", f"Machine: {doc['machine']}. Total time {doc['minutes']:.1f} min."]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--teacher", default=None, help="a finished teacher run folder (default: fine-tune one)")
    p.add_argument("--runs-dir", default=None, help="where the runs go (default runs/students[-quick])")
    p.add_argument("--seeds", type=int, default=None, help="seeds per variant (default 3; --quick 2)")
    p.add_argument("--augment", type=int, default=None, help="augmented copies per text (default 4; --quick 1)")
    p.add_argument("--families", default="bilstm,scratch,layers")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out-dir", default=str(RESULTS))
    p.add_argument("--resummarise", metavar="JSON", help="rewrite the tables and plot from an earlier run's JSON")
    args = p.parse_args(argv)
    if args.resummarise:
        return write_results(json.loads(Path(args.resummarise).read_text(encoding="utf-8")), Path(args.out_dir))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    quick = args.quick
    runs = Path(args.runs_dir or ROOT / "runs" / ("students-quick" if quick else "students")).resolve()
    runs.mkdir(parents=True, exist_ok=True)
    seeds = list(range(42, 42 + (args.seeds or (2 if quick else 3))))
    augment = args.augment if args.augment is not None else (1 if quick else 4)
    started = time.perf_counter()
    teacher = ensure_teacher(runs, args.teacher, quick)
    base = base_config(teacher, quick)
    fams = {k: v for k, v in family_settings(quick).items() if k in args.families.split(",")}
    rows = train_all(base, fams, seeds, runs, augment)

    from workbench.core import describe_machine

    onnx = onnx_timings(rows, runs, teacher)
    r0 = rows[0]
    teacher_info = {
        "run": teacher.name, "params": r0["teacher_params"], "test": r0["teacher_test"],
        "size_bytes": r0["teacher_size_bytes"],
        "latency_b1_ms": r0["teacher_latency_ms"]["batch_1"], "latency_b32_ms": r0["teacher_latency_ms"]["batch_32"],
        "onnx_b1_ms": ((onnx.get("teacher") or {}).get("latency_ms") or {}).get("batch_1"),
        "onnx_b32_ms": ((onnx.get("teacher") or {}).get("latency_ms") or {}).get("batch_32"),
        "ece_test": r0["teacher_ece_test"],
    }  # fmt: skip
    doc = {
        "date": time.strftime("%Y-%m-%d"), "quick": quick, "machine": describe_machine(), "seeds": seeds,
        "augment": augment, "teacher": teacher_info, "onnx": onnx, "runs": rows,
        "minutes": (time.perf_counter() - started) / 60,
    }  # fmt: skip
    return write_results(doc, Path(args.out_dir))


def write_results(doc: dict[str, Any], out: Path) -> int:
    """Table, best_small, Markdown, JSON and (full runs) the plot, all from the runs' rows."""
    doc["table"] = summarise(doc["runs"], doc["onnx"])
    doc["best_small"] = best_small(doc["table"])
    out.mkdir(parents=True, exist_ok=True)
    stem = "students-quick" if doc["quick"] else "students"
    (out / f"{stem}.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    (out / f"{stem}.md").write_text(markdown(doc), encoding="utf-8")
    if not doc["quick"]:
        from benchmarks.pictures import plotly_png

        plotly_png(plot(doc["table"], doc["teacher"]), out / "students.png", width=760, height=440)
    print(markdown(doc))
    print(json.dumps(doc["best_small"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

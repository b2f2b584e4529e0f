"""`python -m workbench ...`: the same configs and runs the UI builds, from a shell.

    python -m workbench init-config [--preset first-run|quick|default|article] > run.yaml
    python -m workbench first-run [CONFIG]     teacher, distilled student, no-distillation baseline
    python -m workbench validate run.yaml
    python -m workbench teacher run.yaml [--run-dir DIR] [--labels-per-class N] [--method finetune|setfit]
    python -m workbench distill run.yaml [--run-dir DIR] [--labels-per-class N] [--pool rest-of-train|FILE]
                                          (--run-dir required with several processes)
        teacher and distill also take [--evals-per-epoch N] [--keep-best|--no-keep-best]
        [--early-stopping-patience K]: the trained section's validation settings, for this run
    python -m workbench resume RUN_DIR
    python -m workbench evaluate RUN_DIR [--extra NAME=PATH ...]   also on labelled files from elsewhere
    python -m workbench export RUN_DIR       model/model.onnx (checked against PyTorch, timed) + model/README.md
    python -m workbench export RUN_DIR --int8   also model/model.int8.onnx (dynamic int8; accuracy checked, timed)
    python -m workbench sweep run.yaml [--study NAME] [--storage URL] [--seeds N] [--temperatures 1,2,4] [--alphas 0,0.5,1]
    python -m workbench sweep-worker STUDY [--storage URL]
    python -m workbench sweep-status STUDY [--storage URL] [--json]
    python -m workbench sweep-stop STUDY
    python -m workbench runs
    python -m workbench cache [--clear]

Exit codes: 0 success (or a clean stop), 2 a problem with the input (one line on stderr), 1 a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core import WorkbenchError, leave_process_group

if TYPE_CHECKING:
    from workbench.config import ExtraEvalSet


def _parser() -> argparse.ArgumentParser:
    from workbench.config import PRESETS

    p = argparse.ArgumentParser(prog="python -m workbench", description="Distillation Workbench engine")
    sub = p.add_subparsers(dest="command", required=True)
    ic = sub.add_parser("init-config", help="print a complete, commented YAML config")
    ic.add_argument("--preset", default="default", choices=list(PRESETS))
    va = sub.add_parser("validate", help="check data, models and their compatibility without training")
    va.add_argument("config")
    va.add_argument("--json", action="store_true", help="print the full pre-flight report as JSON")
    va.add_argument("--no-measure", action="store_true", help="skip the timed step (faster)")
    for kind, text in (
        ("teacher", "fine-tune the teacher on the task"),
        ("distill", "distil a student from the teacher"),
    ):
        sp = sub.add_parser(kind, help=text)
        sp.add_argument("config")
        sp.add_argument(
            "--run-dir",
            default=None,
            help="folder for this run (default: a new one under $WORKBENCH_RUNS_DIR or ./runs; "
            "required when several processes run it, e.g. under `accelerate launch`)",
        )
        _training_flags(sp)
        _few_label_flags(sp)
    fr = sub.add_parser("first-run", help="teacher, distilled student and its no-distillation baseline, in turn")
    fr.add_argument("config", nargs="?", default=None, help="base config (default: the first-run preset)")
    lc = sub.add_parser("label-curve", help="teacher and distilled student at several label budgets, in turn")
    lc.add_argument("config", nargs="?", default=None, help="base config (default: the first-run preset)")
    lc.add_argument(
        "--budgets", default="16,32,64,256,all", help="labels per class, comma-separated; all = every label"
    )
    lc.add_argument("--seeds", type=int, default=1, help="seeds per budget (the config's seed, +1, ...)")
    lc.add_argument("--plan", default=None, help="run a curve prepared by the app (its .curves/GROUP.json)")
    re_ = sub.add_parser("resume", help="continue an interrupted run from its last checkpoint")
    re_.add_argument("run_dir")
    ev = sub.add_parser("evaluate", help="re-evaluate a finished run and rewrite its report")
    ev.add_argument("run_dir")
    ev.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also measure both models on this labelled file (labels named as the run's classes); repeatable",
    )
    ex = sub.add_parser("export", help="write model/model.onnx and a model card, and time the ONNX model")
    ex.add_argument("run_dir")
    ex.add_argument(
        "--int8", action="store_true", help="also quantise to int8 (ONNX Runtime, dynamic): accuracy checked, timed"
    )
    sw = sub.add_parser("sweep", help="run a grid or search of distillation runs (Optuna), or continue one")
    sw.add_argument("config")
    sw.add_argument("--study", default=None, help="sweep name (default: the config's name)")
    sw.add_argument("--storage", default=None, help="Optuna storage URL (default: sqlite in the runs folder)")
    sw.add_argument("--mode", choices=["grid", "search"], default=None)
    sw.add_argument("--seeds", type=int, default=None, help="repeats of every point")
    sw.add_argument("--temperatures", default=None, help="comma-separated, e.g. 1,2,4,8")
    sw.add_argument("--alphas", default=None, help="comma-separated, e.g. 0,0.25,0.5,0.75,1")
    sw.add_argument("--n-trials", type=int, default=None, help="trials of a search")
    wk = sub.add_parser("sweep-worker", help="work on an existing sweep (one per machine)")
    wk.add_argument("study")
    wk.add_argument("--storage", default=None)
    wk.add_argument("--max-trials", type=int, default=None)
    st = sub.add_parser("sweep-status", help="trials and statistics of a sweep")
    st.add_argument("study")
    st.add_argument("--storage", default=None)
    st.add_argument("--json", action="store_true")
    sp = sub.add_parser("sweep-stop", help="stop this machine's workers of a sweep (it can be continued)")
    sp.add_argument("study")
    sub.add_parser("runs", help="list runs")
    ca = sub.add_parser("cache", help="list (or clear) cached teacher logits")
    ca.add_argument("--clear", action="store_true")
    return p


def _training_flags(sp: argparse.ArgumentParser) -> None:
    """Overrides of the trained section's validation settings (teacher_training: for `teacher`, training: for
    `distill`), so a one-off run needs no edited YAML; they are written into the run folder's config.yaml."""
    sp.add_argument("--evals-per-epoch", type=int, default=None, help="validation passes per epoch")
    sp.add_argument(
        "--keep-best",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="save the weights of the best validation accuracy (--no-keep-best: the last step's)",
    )
    sp.add_argument(
        "--early-stopping-patience",
        type=int,
        default=None,
        help="stop after this many validation passes without a better accuracy (0 = never)",
    )


def _apply_training_flags(args: argparse.Namespace, cfg: Any) -> bool:
    """Put the flags given into `cfg`'s trained section and check them; True when any was given."""
    from workbench.config import validate_values

    tc = cfg.teacher_training if args.command == "teacher" else cfg.training
    given = {
        "evals_per_epoch": args.evals_per_epoch,
        "keep_best": args.keep_best,
        "early_stopping_patience": args.early_stopping_patience,
    }
    given = {k: v for k, v in given.items() if v is not None}
    for name, value in given.items():
        setattr(tc, name, value)
    if given:
        validate_values(cfg)
    return bool(given)


def _few_label_flags(sp: argparse.ArgumentParser) -> None:
    """Flags over the config's few-labels settings: `teacher run.yaml --labels-per-class 64 --method setfit`."""
    sp.add_argument("--labels-per-class", type=int, default=None, help="keep N labelled train texts per class")
    sp.add_argument("--pool", default=None, help="unlabelled texts for the teacher to label: rest-of-train or a file")
    sp.add_argument("--method", default=None, help="how the teacher learns: finetune | setfit (for few labels)")


def _apply_few_label_flags(cfg: Any, args: argparse.Namespace) -> bool:
    """The flags given win over the config file; the result is validated like any config. True when any was given."""
    from workbench.config import validate_values

    if args.labels_per_class is not None:
        cfg.data.labels_per_class = args.labels_per_class
    if args.pool is not None:
        cfg.data.unlabelled_pool = args.pool
    if args.method is not None:
        cfg.few_labels.teacher_method = args.method
    validate_values(cfg)
    return any(v is not None for v in (args.labels_per_class, args.pool, args.method))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command `args` names; each command is one small function below."""
    if args.command.startswith("sweep"):
        return _sweep_command(args)
    command = _COMMANDS.get(args.command)
    if command is None:
        raise WorkbenchError(f"unknown command {args.command}")
    return command(args)


def _init_config(args: argparse.Namespace) -> int:
    from workbench.config import preset, to_commented_yaml

    sys.stdout.write(to_commented_yaml(preset(args.preset)))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from workbench.config import load_config
    from workbench.training import run_preflight

    pf = run_preflight(load_config(args.config), measure=not args.no_measure)
    if args.json:
        print(json.dumps(pf.to_dict(), indent=2, default=str))
    else:
        for c in pf.checks:
            print(f"[{c.level:5}] {c.name}: {c.message}")
        if pf.estimate:
            e = pf.estimate
            print(
                f"[est. ] about {e['seconds_per_epoch']:.0f} s per epoch on {e['device']} ({e['precision']}), teacher logits about {e['teacher_logits_seconds']:.0f} s, memory about {e['memory_bytes'] / 2**20:.0f} MiB"
            )
    errors = [c for c in pf.checks if c.level == "error"]
    if errors:
        print(f"error: {errors[0].name}: {errors[0].message}", file=sys.stderr)
        return 2
    return 0


def _train(args: argparse.Namespace) -> int:
    """`teacher` or `distill`: every rank of a distributed launch runs this with the same argv."""
    from workbench.config import dump_config, load_config
    from workbench.runs import cli_run_dir, execute

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not args.run_dir:
        # each rank would otherwise pick its own folder (or none): every rank gets the same argv,
        # so all of them stop here together rather than deadlock or crash at the first checkpoint
        raise WorkbenchError(f"{world} processes need --run-dir: every process must use the same run folder")
    cfg = load_config(args.config)
    overridden = _apply_training_flags(args, cfg)
    overridden = _apply_few_label_flags(cfg, args) or overridden
    is_main = int(os.environ.get("RANK", "0")) == 0
    run_dir = cli_run_dir(cfg, args.command, args.config, args.run_dir) if is_main else Path(args.run_dir)
    if is_main and overridden:  # a launcher-prepared folder keeps its config.yaml: a resume must see the flags
        dump_config(cfg, run_dir / "config.yaml")
    if is_main:
        print(f"run folder: {run_dir}", flush=True)
    try:
        return execute(args.command, cfg, run_dir, is_main=is_main)
    finally:
        leave_process_group()


def _first_run(args: argparse.Namespace) -> int:
    from workbench.runs import main_cli

    return main_cli(args.config)


def _resume(args: argparse.Namespace) -> int:
    from workbench.runs import execute, resolve_run, resumable

    run_dir = resolve_run(args.run_dir)
    kind, cfg = resumable(run_dir)
    is_main = int(os.environ.get("RANK", "0")) == 0
    try:
        return execute(kind, cfg, run_dir, is_main=is_main, resume=True)
    finally:
        leave_process_group()


def _evaluate(args: argparse.Namespace) -> int:
    from workbench.runs import resolve_run
    from workbench.training import evaluate_run

    report = evaluate_run(resolve_run(args.run_dir), [_extra_set(text) for text in args.extra])
    shown = {k: report[k] for k in ("teacher", "student") if k in report}
    print(json.dumps(shown, indent=2, default=str)[:4000])
    if report.get("extra_eval"):
        print(json.dumps({"extra_eval": report["extra_eval"]}, default=str))
    return 0


def _extra_set(text: str) -> ExtraEvalSet:
    """`--extra NAME=PATH` as a test set from elsewhere, or one line saying how to write it."""
    from workbench.config import ExtraEvalSet

    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise WorkbenchError(f"--extra takes NAME=PATH, e.g. --extra tweets=tweets.csv; got {text!r}")
    return ExtraEvalSet(name=name.strip(), path=path.strip())


def _export(args: argparse.Namespace) -> int:
    from workbench.evaluation import export_run, quantize_run
    from workbench.runs import resolve_run

    run_dir = resolve_run(args.run_dir)
    onnx = export_run(run_dir)
    lat, torch_lat = onnx["latency_ms"], onnx["pytorch_latency_ms"]
    print(
        f"model.onnx: {onnx['size_bytes']:,} bytes, max |logit difference| vs PyTorch {onnx['max_abs_diff']:.1e}; "
        f"ms per example, ONNX Runtime vs PyTorch: batch 1 {lat['batch_1']:.2f} vs {torch_lat['batch_1']:.2f}, "
        f"batch 32 {lat['batch_32']:.2f} vs {torch_lat['batch_32']:.2f}"
        + (" (machine busy: unsure)" if onnx["busy"] else "")
    )
    if args.int8:
        _print_int8(quantize_run(run_dir))
    return 0


def _print_int8(int8: dict) -> None:
    lat, fp32 = int8["latency_ms"], int8["onnx_latency_ms"]
    acc = "; ".join(
        f"{split} accuracy {100 * a['int8']:.2f}% (fp32 {100 * a['fp32']:.2f}%)"
        for split, a in int8["accuracy"].items()
    )
    print(
        f"model.int8.onnx: {int8['size_bytes']:,} bytes ({int8['size_bytes'] / int8['fp32_size_bytes']:.0%} of fp32); "
        f"{acc}; ms per example, int8 vs fp32 ONNX: batch 1 {lat['batch_1']:.2f} vs {fp32['batch_1']:.2f}, "
        f"batch 32 {lat['batch_32']:.2f} vs {fp32['batch_32']:.2f}"
        + (" (machine busy: unsure)" if int8["busy"] else "")
    )


def _label_curve(args: argparse.Namespace) -> int:
    """Run a label curve in this process: the app's prepared plan, or a new one from a config."""
    from workbench.config import load_config, preset, validate_values
    from workbench.runs import label_curve

    if args.plan:
        plan = Path(args.plan)
    else:
        cfg = load_config(args.config) if args.config else preset("first-run")
        validate_values(cfg)
        try:
            budgets = [label_curve.parse_budget(b.strip()) for b in args.budgets.split(",") if b.strip()]
        except ValueError:
            raise WorkbenchError(f"--budgets must be numbers or 'all', comma-separated; got {args.budgets!r}") from None
        if not budgets or args.seeds < 1:
            raise WorkbenchError("a curve needs at least one budget (--budgets) and one seed (--seeds)")
        plan = label_curve.prepare_curve(cfg, budgets, args.seeds)
        label_curve.note_driver(plan, os.getpid())
        print(f"curve {plan.stem}: {plan}", flush=True)
    failed = label_curve.drive(plan, echo=lambda line: print(line, flush=True))
    group = json.loads(plan.read_text(encoding="utf-8"))["group"]
    for p in label_curve.curve_summary(label_curve.curve_rows(group, plan.parent.parent)):
        print(
            f"{p['budget']} labels per class ({p['seeds']} seed(s)): teacher {p['teacher_test']:.3f}, "
            f"student {p['student_test']:.3f} ({p['student_kept']:.1%} of the teacher)",
            flush=True,
        )
    return 1 if failed else 0


def _runs(args: argparse.Namespace) -> int:
    from workbench.runs import list_runs

    for info in list_runs():
        acc = (
            (info.report or {})
            .get("student" if info.kind == "distill" else "teacher", {})
            .get("validation", {})
            .get("accuracy")
        )
        print(f"{info.id}\t{info.state}\t{'' if acc is None else f'{acc:.3f}'}\t{info.status.get('error') or ''}")
    return 0


def _cache(args: argparse.Namespace) -> int:
    from workbench.distill import logits_cache as cache

    if args.clear:
        print(f"removed {cache.clear()} file(s) from {cache.cache_dir()}")
        return 0
    for e in cache.list_entries():
        print(f"{e['key']}\t{e.get('split')}\t{e.get('examples')} examples\t{e['bytes']} bytes\t{e.get('teacher')}")
    return 0


_COMMANDS = {
    "init-config": _init_config,
    "validate": _validate,
    "teacher": _train,
    "distill": _train,
    "first-run": _first_run,
    "label-curve": _label_curve,
    "resume": _resume,
    "evaluate": _evaluate,
    "export": _export,
    "runs": _runs,
    "cache": _cache,
}


def _floats(text: str, what: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise WorkbenchError(f"--{what} must be numbers separated by commas, got {text!r}") from None


def _sweep_command(args: argparse.Namespace) -> int:
    from workbench.config import load_config, validate_values
    from workbench.sweeps import study as sweep

    if args.command == "sweep":
        cfg = load_config(args.config)
        for name in ("mode", "seeds", "n_trials"):
            if getattr(args, name) is not None:
                setattr(cfg.sweep, name, getattr(args, name))
        if args.temperatures:
            cfg.sweep.temperatures = _floats(args.temperatures, "temperatures")
        if args.alphas:
            cfg.sweep.alphas = _floats(args.alphas, "alphas")
        if args.storage:
            cfg.sweep.storage = args.storage
        validate_values(cfg)
        study = args.study or cfg.name
        result = sweep.start_sweep_here(cfg, study, sweep.storage_url(cfg.sweep.storage))
        print(f"sweep {study}: {result['state']} after {result['trials']} trial(s) here")
        return 0
    if args.command == "sweep-stop":
        from workbench.sweeps import stop_sweep

        stop_sweep(args.study)
        print(f"asked sweep {args.study} to stop; start it again to continue")
        return 0
    url = sweep.storage_url(args.storage)
    if args.command == "sweep-worker":
        result = sweep.run_worker(args.study, url, max_trials=args.max_trials)
        print(f"worker: {result['state']} after {result['trials']} trial(s)")
        return 0
    study, _ = sweep.load_sweep(args.study, url)
    rows = sweep.trial_rows(study)
    info = sweep.summary(study)
    if args.json:
        print(json.dumps({"trials": rows, "summary": info}, default=lambda o: o.__dict__, indent=2))
        return 0
    for r in rows:
        val = "" if r["val_accuracy"] is None else f"{r['val_accuracy']:.4f}"
        print(
            f"{r['number']}\t{r['state']}\tT={r.get('temperature')}\talpha={r.get('alpha')}\tseed={r.get('seed')}\t{val}"
        )
    for p in info["points"]:
        d = p["vs_reference"]
        diff = (
            ""
            if d is None
            else f"\tvs alpha 0: {d.mean * 100:+.2f} pts"
            + (f" [{d.ci_low * 100:+.2f}, {d.ci_high * 100:+.2f}]" if d.ci_low is not None else "")
        )
        s = p["spread"]
        print(f"T={p['temperature']} alpha={p['alpha']}: {s.mean:.4f} +/- {s.std:.4f} over {s.n} seed(s){diff}")
    return 0

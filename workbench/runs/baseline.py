"""The no-distillation baseline: the same student, data, optimizer steps and seed, trained on the labels alone.

"Would the small model be as good without the teacher?" is the first question about any distilled
student. Its answer is a second run whose config equals the distilled run's except what carries the
teacher's signal (`without_teacher`: alpha 0, no intermediate losses, no transfer set, no extra
teachers; the temperature has no effect then), its name, and `training.max_steps`.

The steps matter because a transfer set makes each of the distilled run's epochs longer (2,517 optimizer
steps against 957 for the same epochs, issue 18): with equal epochs, "+2.6 points for distillation"
would mix the teacher's help with more training. So the baseline's `training.max_steps` is the
distilled run's step count (`baseline_steps`: its report's when it has run, else planned from the
data's size and the transfer set's planned texts), and it makes them in more passes over the labelled
texts. The planned count takes every augmented and unlabelled text; a run drops the ones that repeat
a text, so a planned baseline can make a few more steps than its distilled run (Compare says so).

Early stopping and the best checkpoint (`training.keep_best`, `early_stopping_patience`,
`evals_per_epoch`) are copied like every other training setting: the baseline is planned for the same
optimizer steps and follows the same rule, so when the distilled run stops early the baseline may
stop early too, each at its own step (both reports say where). Passes are counted per epoch of each
run's own training set, so with a transfer set the baseline evaluates more often in steps and its
patience spans fewer steps; set `training.eval_every_steps` to evaluate both at the same steps.

This module finds such a run among the finished ones, or builds its config; it knows run folders,
configs and data sizes, nothing about training but `planned_steps`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from workbench.config import RunConfig, TransferConfig, load_config, to_dict
from workbench.core import WorkbenchError
from workbench.data import load_data, transfer_wanted
from workbench.models import count_texts, transfer_cost
from workbench.runs.store import read_report, read_status
from workbench.training import planned_steps

BASELINE_SUFFIX = "-no-teacher"


TEACHER_ONLY = ("alpha", "temperature", "hidden_weight", "attention_weight", "layer_map", "ensemble")


def planned_transfer_texts(cfg: RunConfig, n_train: int) -> int:
    """Transfer texts `cfg` plans on `n_train` labelled texts: `augment_factor` copies of each plus the
    unlabelled file's texts, capped at `transfer.max_examples` (before repeats are dropped)."""
    if not transfer_wanted(cfg) or n_train <= 0:
        return 0
    t = cfg.transfer
    unlabelled = count_texts(t.unlabelled_path) if t.unlabelled_path else 0
    return int(transfer_cost(n_train, t.augment_factor, unlabelled, t.max_examples)["extra_texts"])


def baseline_steps(cfg: RunConfig, n_train: int | None = None) -> int | None:
    """The optimizer steps distilled config `cfg` plans, for its baseline's `training.max_steps`.

    None when the baseline makes them anyway (no transfer set, `n_train` not given: the same data and
    epochs give the same steps). Without `n_train` and with a transfer set, the data is loaded to count it.
    """
    if cfg.training.max_steps is not None:
        return cfg.training.max_steps
    if n_train is None:
        if not transfer_wanted(cfg):
            return None
        n_train = len(load_data(cfg.data).train)
    return planned_steps(cfg, n_train, planned_transfer_texts(cfg, n_train))


def without_teacher(cfg: RunConfig, steps: int | None = None) -> RunConfig:
    """A copy of `cfg` that learns from the labels alone: alpha 0, no intermediate losses, no transfer
    set (its texts have no labels) and no extra teachers, making `cfg`'s optimizer steps (`steps`, e.g.
    the distilled run's report's, else `baseline_steps`). The sweep's alpha = 0 reference is this too."""
    out = copy.deepcopy(cfg)
    out.training.max_steps = steps if steps is not None else baseline_steps(cfg)
    out.distill.alpha = 0.0
    out.distill.hidden_weight = out.distill.attention_weight = 0.0
    out.transfer = TransferConfig()
    out.extra_teachers = []
    return out


def baseline_config(cfg: RunConfig, steps: int | None = None) -> RunConfig:
    """`cfg` learning from the labels alone (`without_teacher`, making `steps` or `cfg`'s planned
    optimizer steps) and a name that says so; all else equal."""
    out = without_teacher(cfg, steps)
    if not out.name.endswith(BASELINE_SUFFIX):
        out.name = f"{out.name}{BASELINE_SUFFIX}"
    return out


def distilled_steps(run_dir: Path) -> int | None:
    """The optimizer steps a finished distilled run planned and made (its report's), or None."""
    total = ((read_report(Path(run_dir)) or {}).get("training") or {}).get("total_steps")
    return int(total) if isinstance(total, int) and total > 0 else None


def _comparable(cfg: RunConfig) -> dict[str, Any]:
    """The config as a dict without what a baseline may differ in: name, what only the teacher's
    signals use (alpha, temperature, intermediate losses, transfer set, extra teachers), the steps it
    makes to match them (`training.max_steps`), and the bookkeeping of a guided run (its group, role,
    and the run it waited for)."""
    d = to_dict(cfg)
    d["training"].pop("max_steps", None)
    for key in ("name", "after", "group", "role", "transfer", "extra_teachers"):
        d.pop(key, None)
    d["distill"] = {k: v for k, v in d["distill"].items() if k not in TEACHER_ONLY}
    return d


def _config(run_dir: Path) -> RunConfig | None:
    try:
        return load_config(run_dir / "config.yaml")
    except WorkbenchError:
        return None


def find_baseline(run_dir: Path, root: Path | None = None, *, states: tuple[str, ...] = ("finished",)) -> Path | None:
    """The baseline run of distillation run `run_dir`, or None.

    A distill run in `root` (default: the folder `run_dir` is in) whose status is one of `states`,
    with alpha 0 and otherwise the same config apart from what `_comparable` sets aside (name, the
    teacher's other signals, a guided run's bookkeeping). Among several, one
    whose status.json has the same `group` as this run's and `role: baseline` comes first (the guided
    first run launches its baseline so), then the newest. A run trained with alpha 0 has no baseline.
    """
    run_dir = Path(run_dir).resolve()
    root = Path(root).resolve() if root else run_dir.parent
    cfg = _config(run_dir)
    if cfg is None or cfg.distill.alpha == 0 or not root.is_dir():
        return None
    want = _comparable(cfg)
    group = read_status(run_dir).get("group")
    found: list[tuple[bool, str, Path]] = []
    for d in root.iterdir():
        if d == run_dir or not d.is_dir() or d.name.startswith("."):
            continue
        status = read_status(d)
        if status.get("kind") != "distill" or status.get("state") not in states:
            continue
        other = _config(d)
        if other is None or other.distill.alpha != 0 or _comparable(other) != want:
            continue
        same_group = group is not None and status.get("group") == group and status.get("role") == "baseline"
        found.append((same_group, d.name, d))
    if not found:
        return None
    return max(found, key=lambda f: (f[0], f[1]))[2]  # run folder names start with a timestamp: newest last


def find_distilled(run_dir: Path, root: Path | None = None) -> Path | None:
    """The distilled run that no-teacher run `run_dir` is the baseline of, or None.

    The pair trains the same student architecture next to the same teacher, so one timing serves
    both (the UI shows the distilled run's on the baseline too). Pages ask this for every baseline
    they list, so it only opens configs of likely twins, known from status.json alone: the same guided
    group's distilled run, or a run whose name plus BASELINE_SUFFIX is this one's (Compare names the
    baseline it launches so); then their configs must match as `find_baseline` asks. The newest wins."""
    run_dir = Path(run_dir).resolve()
    root = Path(root).resolve() if root else run_dir.parent
    mine = read_status(run_dir)
    name, group = str(mine.get("name") or ""), mine.get("group")
    if mine.get("kind") != "distill" or not root.is_dir():
        return None
    twins = []
    for d in sorted(root.iterdir(), reverse=True):  # run folder names start with a timestamp: newest first
        if d == run_dir or not d.is_dir() or d.name.startswith("."):
            continue
        status = read_status(d)
        if status.get("kind") != "distill" or status.get("state") not in ("finished", "stopped"):
            continue
        same_group = group is not None and status.get("group") == group and status.get("role") == "distilled"
        if same_group or (name.endswith(BASELINE_SUFFIX) and f"{status.get('name')}{BASELINE_SUFFIX}" == name):
            twins.append(d)
    if not twins:
        return None
    cfg = _config(run_dir)
    if cfg is None or cfg.distill.alpha != 0:
        return None
    want = _comparable(cfg)
    for d in twins:
        other = _config(d)
        if other is not None and other.distill.alpha != 0 and _comparable(other) == want:
            return d
    return None

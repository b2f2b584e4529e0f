"""The command preview: the shell commands that run the current config without the UI.

Shown on the Train page so a run designed in the browser can be repeated from a terminal, on this
machine (one process) or on a GPU box (`accelerate launch` with N processes). The strings here are
what people copy, so they are built in one place and tested.
"""

from __future__ import annotations

import shlex

from workbench.runs import KINDS, slug


def cli_commands(
    kind: str, run_name: str, config_file: str = "config.yaml", num_processes: int = 2, runs_dir: str = "runs"
) -> dict[str, str]:
    """{"single": one-process command, "multi": accelerate command for `num_processes` GPUs}."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if num_processes < 1:
        raise ValueError("num_processes must be at least 1")
    run_dir = f"{runs_dir.rstrip('/')}/{slug(run_name)}"
    args = [kind, config_file, "--run-dir", run_dir]
    single = shlex.join(["python", "-m", "workbench", *args])
    multi = shlex.join(
        ["accelerate", "launch", "--multi_gpu", "--num_processes", str(num_processes), "-m", "workbench", *args]
    )
    return {"single": single, "multi": multi}

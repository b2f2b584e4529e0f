"""Train: start a teacher fine-tuning or a distillation run in the background, watch it live, browse history."""

from __future__ import annotations

import copy
from pathlib import Path

import streamlit as st

from ui.guard import ensure_navigation
from ui.guided import (
    compare_button,
    last_shown,
    open_compare,
    remember_shown,
    show_steps,
    use_teacher,
    use_teacher_button,
)
from ui.readiness import start_problem
from ui.runview import history_frame, render_run, resume_button, waiting_rows
from ui.setup_models import best_checkpoint_settings
from ui.state import OPEN_RUN_KEY, bind, get_cfg, save_cfg
from ui.wording import RUN_KINDS, STEPS, TEACHER_SOURCE_NOUNS, plain_problem
from workbench.config import TrainConfig, to_commented_yaml
from workbench.core import WorkbenchError
from workbench.models import DEFAULT_BUNDLED
from workbench.runs import (
    ACTIVE_STATES,
    RunInfo,
    best_teacher_run,
    guided_group,
    jobs,
    list_runs,
    read_report,
    read_status,
    runs_root,
    training_line,
)
from workbench.studio import cli_commands

ensure_navigation("pages/train.py")

POLL_SECONDS = 2.0
BATCH_SIZES = [4, 8, 16, 32, 64, 128]
LENGTHS = [16, 32, 48, 64, 96, 128, 256, 512]
RATES = [1e-5, 2e-5, 3e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3]  # 2e-3: the BiLSTM family default

cfg = get_cfg()
st.title("Train")
st.caption(
    "Runs train in a separate process: you can switch pages, reload or open another tab, and the run carries on. "
    "One run trains at a time; others wait in line."
)


# --------------------------------------------------------------------------- live run
@st.fragment(run_every=POLL_SECONDS)
def live_panel(run_dir: str) -> None:
    """Polls the current run every few seconds; a full rerun once it ends (which stops the polling), or
    once another run went ahead of it in the line (a waiting run shows until the engine says who trains)."""
    status = jobs.refresh(Path(run_dir))
    if status.get("state") not in ACTIVE_STATES:
        remember_shown(Path(run_dir))  # it stays the one shown once it ends, instead of a blank panel
        st.rerun()
    if status.get("state") == "queued" and (line := training_line()) and line[0].run_dir != Path(run_dir):
        st.rerun()
    render_run(Path(run_dir), status, key="live", min_redraw_s=POLL_SECONDS / 2)


# --------------------------------------------------------------------------- the guided first run
def guided_panel() -> None:
    """The guided first run's three runs as steps; its next step is the primary button."""
    group = guided_group()
    if not group:
        return
    dirs = {str(i.run_dir) for i in group.values()}
    newest = list_runs()[:1]
    active = any(i.state in ACTIVE_STATES for i in group.values())
    if not (active or st.session_state.get(OPEN_RUN_KEY) in dirs or (newest and str(newest[0].run_dir) in dirs)):
        return
    with st.container(border=True):
        st.subheader("Your first run: the whole story in three steps")
        done = show_steps(group)
        if done:
            distilled = group["distilled"]
            if st.button(
                "Compare the student with and without the teacher",
                type="primary",
                icon=":material/compare_arrows:",
                key="guided_compare",
            ):
                open_compare(distilled.id)
        elif not active:
            st.caption("This first run did not finish: open its steps in the History below to see why.")


line = training_line()  # the engine's order: the run that trains now (or next) first, then those waiting
active = [r.run_dir for r in line]
# while anything trains the steps poll too (a run's group is in its status only once its process starts)
st.fragment(guided_panel, run_every=POLL_SECONDS if active else None)()
st.header("Current run")
if line:
    remember_shown(line[0].run_dir)
    live_panel(str(line[0].run_dir))
    waiting_rows(line)
else:
    last = last_shown()
    if last is not None:  # the run this session watched or started: it does not vanish when it ends
        st.caption("Nothing is training now. This is the last run you watched:")
        with st.container(border=True):
            last_status = read_status(last)
            render_run(last, last_status, key="last")
            resume_button(last, str(last_status.get("state")), key="last")
            last_info = RunInfo(last, last_status, read_report(last))
            use_teacher_button(cfg, last_info, key="last")
            compare_button(last_info, key="last")
    else:
        st.info("Nothing is training now. Start a run below; earlier runs are in the History at the bottom.")


# --------------------------------------------------------------------------- start a run
def train_settings(tc: TrainConfig, prefix: str) -> None:
    """Widgets for the settings people change most; the rest keep their defaults (see the YAML)."""
    a, b = st.columns(2)
    tc.epochs = float(a.number_input("Epochs", 0.1, 50.0, step=1.0, key=bind(f"{prefix}_epochs", float(tc.epochs))))
    rate = tc.learning_rate if tc.learning_rate in RATES else RATES[4]
    tc.learning_rate = b.select_slider(
        "Learning rate", RATES, format_func=lambda r: f"{r:g}", key=bind(f"{prefix}_lr", rate)
    )
    bs = tc.batch_size if tc.batch_size in BATCH_SIZES else 32
    tc.batch_size = a.select_slider("Batch size", BATCH_SIZES, key=bind(f"{prefix}_bs", bs))
    ml = tc.max_length if tc.max_length in LENGTHS else 64
    tc.max_length = b.select_slider("Max length (tokens)", LENGTHS, key=bind(f"{prefix}_maxlen", ml))
    tc.log_every_steps = int(
        a.number_input("Chart point every N steps", 1, 1000, key=bind(f"{prefix}_log", int(tc.log_every_steps)))
    )
    best_checkpoint_settings(tc, prefix)


def start(kind: str) -> None:
    save_cfg()
    problem = start_problem(cfg)
    if problem:
        st.error(f"Cannot start: {problem}")
        return
    try:
        run_dir = jobs.launch(copy.deepcopy(cfg), kind, runs_root())
    except WorkbenchError as exc:
        st.error(plain_problem(exc))
        return
    st.session_state[OPEN_RUN_KEY] = str(run_dir)
    st.session_state.pop("hist_open", None)
    st.rerun()


st.divider()
st.header("Start a run")
st.markdown(
    f"Teacher: **{TEACHER_SOURCE_NOUNS.get(cfg.teacher.source, cfg.teacher.source)}** "
    f"{Path(cfg.teacher.name).name if cfg.teacher.name else (DEFAULT_BUNDLED if cfg.teacher.source == 'bundled' else '')} · "
    f"student: **{cfg.student.kind}** · data: **{cfg.data.source}** "
    + (
        f"({cfg.data.labels_per_class} labelled texts per class, the other training texts unlabelled). "
        if cfg.data.labels_per_class
        else f"({cfg.data.max_train_examples or 'all'} training examples). "
    )
    + "Change these on **Setup**."
)
untrained = cfg.teacher.source == "bundled"  # hub and local models may be fine-tuned already
best = best_teacher_run(cfg.data) if untrained else None
if best is not None:
    acc = f" (test accuracy {best['accuracy']:.0%})" if best["accuracy"] is not None else ""
    c1, c2 = st.columns([3, 1])
    c1.info(f"You already fine-tuned a teacher on this data: `{best['id']}`{acc}. Distil from it?")
    if c2.button("Use this teacher", type="primary", key="use_best_teacher", icon=":material/check:"):
        use_teacher(cfg, best["run_dir"])
        st.rerun()
col_t, col_d = st.columns(2, gap="large")
with col_t:
    st.subheader(f"1 · {STEPS['teacher']}")
    st.caption("Teaches the teacher the task first, so its soft targets mean something. Needed for a bundled model.")
    train_settings(cfg.teacher_training, "tt")
    problem = start_problem(cfg)
    if st.button(
        STEPS["teacher"],
        type="primary" if untrained else "secondary",
        icon=":material/school:",
        disabled=problem is not None,
    ):
        start("teacher")
with col_d:
    st.subheader("2 · Distil the student")
    st.markdown(
        f"Uses **T = {cfg.distill.temperature:g}** and **alpha = {cfg.distill.alpha:g}** "
        "(set them on *Temperature & alpha*)."
    )
    train_settings(cfg.training, "dt")
    cfg.allow_weak_teacher = st.checkbox(
        "Allow a weak teacher",
        key=bind("dt_weak", cfg.allow_weak_teacher),
        help="Normally a teacher no better than guessing is refused, since its soft targets would be noise. "
        "Tick this to distil anyway (useful for demos with the untrained bundled teacher).",
    )
    weak_reason = None
    if untrained and not cfg.allow_weak_teacher:
        weak_reason = (
            "The bundled teacher has not learned this task yet, so it has nothing to teach: "
            "fine-tune it first (left), then use it here. Or tick *Allow a weak teacher* to distil anyway."
        )
        st.warning(weak_reason)
    problem = start_problem(cfg)
    if st.button(
        "Distil the student",
        type="secondary" if untrained else "primary",
        icon=":material/science:",
        disabled=problem is not None or weak_reason is not None,
        help=weak_reason,
    ):
        start("distill")
save_cfg()  # the draft: a reload or another page finds these settings
if problem:
    st.error(f"Cannot start yet: {problem.rstrip('.')}.")

with st.expander("Command preview: run this configuration from a terminal"):
    kind = st.radio(
        "Run",
        ["distill", "teacher"],
        horizontal=True,
        key="cmd_kind",
        format_func=lambda k: RUN_KINDS[k].lower(),
    )
    gpus = int(st.number_input("GPUs for the multi-GPU command", 1, 64, value=2, key="cmd_gpus"))
    cmds = cli_commands(kind, cfg.name, num_processes=gpus)
    st.markdown("One process (this machine):")
    st.code(cmds["single"], language="bash")
    st.markdown(f"{gpus} GPUs with Accelerate:")
    st.code(cmds["multi"], language="bash")
    st.download_button(
        "Download config.yaml", to_commented_yaml(cfg), file_name="config.yaml", mime="text/yaml", key="cmd_yaml"
    )

# --------------------------------------------------------------------------- history
st.divider()
st.header("History")
infos = list_runs()
if not infos:
    st.caption("Finished, failed and stopped runs will be listed here.")
else:
    st.dataframe(
        history_frame(infos),
        hide_index=True,
        column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
    )
    ids = [i.id for i in infos]
    opened = Path(st.session_state.get(OPEN_RUN_KEY, "")).name
    pick = st.selectbox("Open a run", ids, index=ids.index(opened) if opened in ids else 0, key="hist_open")
    info = next(i for i in infos if i.id == pick)
    with st.container(border=True):
        if info.state in ACTIVE_STATES:
            st.info(f"`{info.id}` is live: see *Current run* above.")
        else:
            render_run(info.run_dir, info.status, key="hist")
            use_teacher_button(cfg, info, key="hist")
        resume_button(info.run_dir, info.state, key="hist")
        compare_button(info, key="hist")
        log = info.run_dir / "log.txt"
        if log.is_file():
            with st.expander("Log (last lines)"):
                st.code("\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]) or "(empty)")

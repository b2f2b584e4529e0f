"""The whole run configuration: the one description of a run that the UI, the CLI and the trainer share.

The UI builds a `RunConfig`, writes it as YAML and launches the CLI on that file, so a run
designed in the browser can be re-run from a shell or moved to another machine unchanged.
`RunConfig` only composes the sections (one module each) and holds the few run-wide settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.config.data import DataConfig
from workbench.config.distill import DistillConfig
from workbench.config.few_labels import FewLabelsConfig
from workbench.config.fields import option
from workbench.config.model import ModelConfig, StudentConfig
from workbench.config.sweep import SweepConfig
from workbench.config.training import TrainConfig
from workbench.config.transfer import TransferConfig


def _teacher_training_default() -> TrainConfig:
    """A teacher is fine-tuned from a pretrained model: a gentler rate and fewer passes than the student."""
    return TrainConfig(learning_rate=5e-5, epochs=2)


@dataclass
class RunConfig:
    name: str = option("run", "a short name for the run folder")
    seed: int = option(42, "seed for model initialisation and batch order")
    min_teacher_accuracy_margin: float = option(
        0.05, "refuse to distil from a teacher less than this far above chance on validation"
    )
    allow_weak_teacher: bool = option(False, "distil even from a teacher near chance level")
    after: str | None = option(
        None, "run folder that must finish first (queued until then; fails if that run fails); empty = start at once"
    )
    group: str | None = option(
        None, "id shared by runs that belong together, e.g. the three runs of a guided first run"
    )
    role: str | None = option(None, "this run's part in its group: teacher | distilled | baseline")
    data: DataConfig = field(default_factory=DataConfig)
    teacher: ModelConfig = field(default_factory=ModelConfig)
    extra_teachers: list[str] = option(
        [], "run or model folders of more fine-tuned teachers: the student learns from the ensemble"
    )
    student: StudentConfig = field(default_factory=StudentConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    transfer: TransferConfig = field(
        default_factory=TransferConfig, metadata={"help": "extra texts the teacher labels for the student"}
    )
    few_labels: FewLabelsConfig = field(
        default_factory=FewLabelsConfig, metadata={"help": "how `workbench teacher` learns from few labels"}
    )
    teacher_training: TrainConfig = field(
        default_factory=_teacher_training_default, metadata={"help": "settings for `workbench teacher`"}
    )
    training: TrainConfig = field(default_factory=TrainConfig, metadata={"help": "settings for `workbench distill`"})
    sweep: SweepConfig = field(default_factory=SweepConfig, metadata={"help": "settings for `workbench sweep`"})

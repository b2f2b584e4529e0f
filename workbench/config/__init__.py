"""The run configuration: one dataclass per section, loaded from YAML and validated in one place.

Everything that trains reads a `RunConfig`; nothing here loads a model or reads data. Each section
has its own module (data, model, distill, transfer, training, sweep), `run` composes them,
`yaml_io` reads and writes them, `presets` names starting points and `validation` holds the value
checks and the table of error codes they raise.
"""

from workbench.config.data import DataConfig, ExtraEvalSet
from workbench.config.few_labels import TEACHER_METHODS, FewLabelsConfig
from workbench.config.model import ModelConfig, StudentConfig
from workbench.config.presets import (
    FAMILY_DEFAULTS,
    PRESETS,
    FamilyChange,
    apply_family_defaults,
    apply_few_labels,
    family_defaults,
    preset,
)
from workbench.config.run import RunConfig
from workbench.config.training import TrainConfig
from workbench.config.transfer import TransferConfig
from workbench.config.validation import validate_values
from workbench.config.yaml_io import _coerce, dump_config, from_dict, load_config, to_commented_yaml, to_dict

__all__ = [
    "DataConfig",
    "ExtraEvalSet",
    "FAMILY_DEFAULTS",
    "FamilyChange",
    "FewLabelsConfig",
    "ModelConfig",
    "PRESETS",
    "RunConfig",
    "StudentConfig",
    "TEACHER_METHODS",
    "TrainConfig",
    "TransferConfig",
    "_coerce",
    "apply_family_defaults",
    "apply_few_labels",
    "dump_config",
    "family_defaults",
    "from_dict",
    "load_config",
    "preset",
    "to_commented_yaml",
    "to_dict",
    "validate_values",
]

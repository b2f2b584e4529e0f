"""The run configuration: one dataclass per section, loaded from YAML and validated in one place.

Everything that trains reads a `RunConfig`; nothing here loads a model or reads data.
"""

from workbench.config import schema
from workbench.config.schema import (
    PRESETS,
    DataConfig,
    ModelConfig,
    RunConfig,
    StudentConfig,
    TrainConfig,
    TransferConfig,
    _coerce,
    dump_config,
    from_dict,
    load_config,
    preset,
    to_commented_yaml,
    to_dict,
    validate_values,
)

__all__ = [
    "DataConfig",
    "ModelConfig",
    "PRESETS",
    "RunConfig",
    "StudentConfig",
    "TrainConfig",
    "TransferConfig",
    "_coerce",
    "dump_config",
    "from_dict",
    "load_config",
    "preset",
    "schema",
    "to_commented_yaml",
    "to_dict",
    "validate_values",
]

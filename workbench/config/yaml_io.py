"""Config files: nested dicts and YAML in, `RunConfig` out, and back (plain or with every setting's help as a comment).

Reading is strict on purpose: an unknown key or a value of the wrong type is a one-line
`WorkbenchError` naming the key, because a misspelt setting that is silently ignored would
train a different run than the one the user wrote. The codes these errors carry are listed
in `workbench.config.validation`, next to the value checks' codes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from workbench.config.run import RunConfig
from workbench.config.validation import validate_values
from workbench.core import WorkbenchError


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _coerce_scalar(value: Any, tp: Any) -> Any:
    """`value` as bool/int/float/str (YAML and form fields give strings like "yes" or "3"); ValueError if it isn't."""
    if tp is bool:
        if isinstance(value, str):
            if value.lower() in ("true", "yes", "1", "on"):
                return True
            if value.lower() in ("false", "no", "0", "off"):
                return False
            raise ValueError
        return bool(value)
    if tp is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        return int(float(value)) if isinstance(value, str) else int(value)
    if tp is float:
        return float(value)
    if tp is str:
        return str(value)
    return value


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Turn a YAML value into the annotated type, or say in one line why it can't be."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or value == "":
            return None
        return _coerce(value, args[0], where)
    if origin is dict:
        if not isinstance(value, dict):
            raise WorkbenchError(
                f"{where} must be a mapping, got {value!r}", code="config.not_a_mapping", field=where, value=value
            )
        key_tp, value_tp = typing.get_args(tp)
        return {_coerce(k, key_tp, where): _coerce(v, value_tp, where) for k, v in value.items()}
    if origin is list:
        (inner,) = typing.get_args(tp)
        if dataclasses.is_dataclass(inner):  # a list of sections, e.g. data.extra_eval
            if not isinstance(value, (list, tuple)):
                raise WorkbenchError(
                    f"{where} must be a list, got {value!r}", code="config.not_a_list", field=where, value=value
                )
            return [from_dict(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        if not isinstance(value, (list, tuple)):
            raise WorkbenchError(
                f"{where} must be a list, got {value!r}", code="config.not_a_list", field=where, value=value
            )
        return [_coerce(v, inner, where) for v in value]
    try:
        return _coerce_scalar(value, tp)
    except (TypeError, ValueError):
        raise WorkbenchError(
            f"{where} must be {tp.__name__}, got {value!r}",
            code="config.wrong_type",
            field=where,
            value=value,
            expected=tp.__name__,
        ) from None


def from_dict(cls: type, data: dict[str, Any] | None, where: str = "", base: Any = None) -> Any:
    """Build dataclass `cls` from nested dicts; unknown keys are errors, missing keys keep the
    defaults of `base` (a default instance), so a partial `teacher_training:` section keeps the
    teacher's own defaults rather than the student's."""
    data = data or {}
    if not isinstance(data, dict):
        raise WorkbenchError(
            f"{where or 'config'} must be a mapping, got {data!r}",
            code="config.not_a_mapping",
            field=where or "config",
            value=data,
        )
    base = base if base is not None else cls()
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise WorkbenchError(
            f"unknown setting {where + '.' if where else ''}{unknown[0]}; known: {', '.join(sorted(names))}",
            code="config.unknown_setting",
            field=f"{where + '.' if where else ''}{unknown[0]}",
            known=sorted(names),
        )
    kwargs = {}
    for f in dataclasses.fields(cls):
        default = getattr(base, f.name)
        if f.name not in data:
            kwargs[f.name] = default
            continue
        key = f"{where}.{f.name}" if where else f.name
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            kwargs[f.name] = from_dict(tp, data[f.name], key, base=default)
        else:
            kwargs[f.name] = _coerce(data[f.name], tp, key)
    return cls(**kwargs)


def load_config(path: str | Path) -> RunConfig:
    """Read a YAML config; every problem becomes a one-line `WorkbenchError`."""
    p = Path(path)
    if not p.is_file():
        raise WorkbenchError(f"config file not found: {p}", code="config.file_missing", path=str(p))
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0]
        raise WorkbenchError(
            f"{p} is not valid YAML: {detail}", code="config.bad_yaml", path=str(p), detail=detail
        ) from None
    cfg = from_dict(RunConfig, data)
    validate_values(cfg)
    return cfg


def dump_config(cfg: RunConfig, path: str | Path | None = None) -> str:
    """Plain YAML of the resolved config (what a run folder keeps)."""
    text = yaml.safe_dump(to_dict(cfg), sort_keys=False)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def to_commented_yaml(cfg: RunConfig) -> str:
    """YAML with each setting's help text as a comment: the output of `init-config`."""
    lines = [
        "# Distillation Workbench run config.",
        "# python -m workbench validate THIS.yaml  |  teacher THIS.yaml  |  distill THIS.yaml",
        "# Loss convention: total = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, labels).",
    ]

    def emit(obj: Any, indent: int) -> None:
        pad = "  " * indent
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            help_text = f.metadata.get("help", "")
            if dataclasses.is_dataclass(value):
                lines.append("")
                lines.append(f"{pad}{f.name}:" + (f"  # {help_text}" if help_text else ""))
                emit(value, indent + 1)
            else:
                plain = (
                    [to_dict(v) for v in value]
                    if isinstance(value, list) and value and dataclasses.is_dataclass(value[0])
                    else value
                )
                rendered = yaml.safe_dump({f.name: plain}, default_flow_style=True, width=10_000).strip()
                rendered = rendered[1:-1] if rendered.startswith("{") else rendered
                lines.append(f"{pad}{rendered}  # {help_text}")

    emit(cfg, 0)
    return "\n".join(lines) + "\n"

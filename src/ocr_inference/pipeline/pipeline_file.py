"""Where the pipeline file comes from: a shipped profile or a path, read as YAML, with
``OCR_PIPELINE__...`` variables laid over it. The result is validated by
``ocr_inference.pipeline.config.PipelineConfig``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel

from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline import paddlex_shape
from ocr_inference.pipeline.config import DEFAULT_FILE, PROFILES_DIR, PipelineConfig


def profiles() -> list[str]:
    """Names of the pipeline files shipped in the package."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yaml"))


def locate(value: str | Path | None) -> Path:
    """The pipeline file that ``OCR_PIPELINE_CONFIG`` names: a path, or the name of a
    shipped profile (``text-fast``); unset means the default file.

    Raises:
        ConfigurationError: a bare name that is not a shipped profile and not a file.
    """
    if value is None or str(value) == "":
        return DEFAULT_FILE
    path = Path(value)
    if path.exists() or len(path.parts) > 1 or path.suffix in (".yaml", ".yml"):
        return path
    if str(value) in profiles():
        return PROFILES_DIR / f"{value}.yaml"
    raise ConfigurationError(
        f"OCR_PIPELINE_CONFIG={value}: no such file, and not a shipped profile "
        f"({', '.join(profiles())})"
    )


def read_file(path: Path) -> dict[str, Any]:
    """The mapping in a pipeline file.

    Raises:
        ConfigurationError: the file is missing, not YAML, or not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"pipeline config {path}: cannot read it ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"pipeline config {path}: not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"pipeline config {path}: expected a mapping at the top")
    return data


ENV_PREFIX = "OCR_PIPELINE__"


def load(path: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """The pipeline file's mapping, in this service's shape (a file in PaddleX's own shape is
    read into it: ``paddlex_shape``), with ``OCR_PIPELINE__...`` variables laid over it.

    ``OCR_PIPELINE__SUBMODULES__TEXTDETECTION__LIMIT_SIDE_LEN=1600`` sets
    ``SubModules.TextDetection.limit_side_len``: segments match keys ignoring case and
    underscores, values are read as YAML (``false``, ``0.3``, ``[608, 800]``), and a
    per-class layout threshold is one more segment (``...__THRESHOLD__5=0.3``).

    Raises:
        ConfigurationError: the file cannot be read, or a variable names no key.
    """
    data, _ = paddlex_shape.normalize(read_file(path))
    for name in sorted(environ):
        if name.upper().startswith(ENV_PREFIX):
            keys = _keys(name, name[len(ENV_PREFIX) :].split("__"))
            raw = environ[name]
            _set(data, keys, yaml.safe_load(raw) if raw.strip() else None)
    return data


def ignored_keys(path: Path) -> list[str]:
    """Keys of a pipeline file in PaddleX's shape that this service accepts but does not act
    on (``paddlex_shape.normalize``)."""
    return paddlex_shape.normalize(read_file(path))[1]


def _normal(key: str) -> str:
    return key.replace("_", "").lower()


def _keys(variable: str, segments: list[str]) -> list[str | int]:
    """The file's keys (aliases where a field has one) that a variable's segments name."""
    model: type[BaseModel] = PipelineConfig
    keys: list[str | int] = []
    for position, segment in enumerate(segments):
        fields = {_normal(f.alias or n): f.alias or n for n, f in model.model_fields.items()}
        key = fields.get(_normal(segment))
        if key is None:
            where = ".".join(str(k) for k in keys) or "the pipeline file"
            raise ConfigurationError(
                f"{variable}: {where} has no key {segment!r} "
                f"(keys: {', '.join(sorted(fields.values()))})"
            )
        keys.append(key)
        annotation = model.model_fields[_field_name(model, key)].annotation
        rest = segments[position + 1 :]
        nested = next(  # a section, or an optional one (TableCellsDetection)
            (
                kind
                for kind in (annotation, *get_args(annotation))
                if isinstance(kind, type) and issubclass(kind, BaseModel)
            ),
            None,
        )
        if nested is not None:
            model = nested
            continue
        if len(rest) == 1 and key == "threshold":
            return [*keys, int(rest[0]) if rest[0].isdigit() else rest[0].lower()]
        if rest:
            raise ConfigurationError(f"{variable}: {'.'.join(map(str, keys))} has no sub-keys")
        return keys
    raise ConfigurationError(f"{variable}: names a section, not a setting")


def _field_name(model: type[BaseModel], key: str) -> str:
    return next(n for n, f in model.model_fields.items() if (f.alias or n) == key)


def _set(data: dict[Any, Any], keys: list[str | int], value: Any) -> None:
    for key in keys[:-1]:
        child = data.get(key)
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[keys[-1]] = value

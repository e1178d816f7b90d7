"""What the ``models`` and ``config show`` commands print: every model name the pipeline
understands, installed or not, and the layout model's classes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ocr_inference.errors import ModelError
from ocr_inference.pipeline import catalog, models
from ocr_inference.pipeline.config import PipelineConfig
from ocr_inference.pipeline.engine.onnx_file import metadata
from ocr_inference.pipeline.sidecar import model_info


@dataclass(frozen=True)
class ModelRow:
    stage: str
    name: str
    source: str  # "wheel <package>", or the file expected under OCR_MODEL_DIR
    installed: bool
    size: int | None  # bytes, where the file is present
    sha256: str | None  # the manifest's (wheels), else the file's, else the published one


def _shipped(spec: models.ModelSpec) -> ModelRow:
    try:
        path: Path | None = models.package_dir(spec.package) / spec.resource
    except ModelError:
        path = None
    present = path is not None and path.is_file()
    size = path.stat().st_size if path is not None and present else None
    return ModelRow(spec.stage, spec.name, f"wheel {spec.package}", present, size, spec.sha256)


def _brought(known: catalog.KnownModel, model_dir: Path) -> ModelRow:
    found = known.find(model_dir)
    if found is None:
        expected = known.expected_files(model_dir)[0]
        return ModelRow(known.stage, known.name, str(expected), False, None, known.sha256)
    size = found.stat().st_size
    return ModelRow(known.stage, known.name, str(found), True, size, models.sha256_of(found))


def inventory(model_dir: Path) -> list[ModelRow]:
    """Every model name the pipeline understands: the wheels' and those the user brings."""
    rows = [_shipped(spec) for spec in models.CATALOG]
    rows += [_brought(known, model_dir) for known in catalog.BROUGHT]
    return sorted(rows, key=lambda row: (row.stage, row.name))


def layout_classes(config: PipelineConfig, model_dir: Path) -> tuple[tuple[str, ...], str]:
    """The configured layout model's class labels (index = class id) and where they were
    read: its ``inference.yml``, the catalogue's defaults for its name, or the ONNX file's
    metadata.

    Raises:
        ModelError: a file it reads is unreadable.
    """
    choice = config.sub_modules.layout_detection
    known = choice.known
    path = choice.own_file
    if path is None and known is not None:
        path = known.find(model_dir)
        if path is None:
            return known.labels, f"defaults for {known.name} (its file is absent)"
    if path is None:
        spec = models.get("layout", choice.model_name)
        path = models.package_dir(spec.package) / spec.resource
    facts = model_info(path, known)
    if facts.labels:
        source = f"defaults for {choice.model_name}" if facts.source == "defaults" else facts.source
        return facts.labels, source
    labels = metadata(path).get("character", "") if path.is_file() else ""
    return tuple(labels.splitlines()), f"{path} metadata"

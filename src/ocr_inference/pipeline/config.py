"""The pipeline file: which stages run, with which models and parameters.

Its shape follows PaddleX's PP-StructureV3 pipeline file (``pipeline_name``, ``use_*``
switches, ``SubModules`` with ``model_name``/``model_dir``/``model_path``). Every default
lives in these models; the packaged ``configs/PP-StructureV3.yaml`` spells the same values
out for users to copy, and a test keeps the two equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ocr_inference.errors import ConfigurationError, ModelError
from ocr_inference.pipeline import catalog, models
from ocr_inference.pipeline.catalog import DEFAULT_MODEL_DIR, KnownModel

PROFILES_DIR = Path(__file__).parent / "configs"
DEFAULT_FILE = PROFILES_DIR / "PP-StructureV3.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ModelChoice(_Section):
    """Which model a stage runs: a shipped one by name, one the user brings under
    ``OCR_MODEL_DIR`` by name (``catalog``), or your own ONNX file.

    ``model_path`` is an ONNX file; ``model_dir`` a directory holding ``inference.onnx``
    (PaddleX's export name) or exactly one ``.onnx`` file. Either replaces the model found by
    name; a model of your own must have the inputs and outputs of the one it replaces.
    ``sha256``, where given, is checked against the file.
    """

    stage: ClassVar[str] = ""  # the manifest stage whose models model_name picks from
    model_name: str
    model_dir: Path | None = None
    model_path: Path | None = None
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-fA-F]{64}$", description="The model file's SHA-256, checked."
    )

    @model_validator(mode="after")
    def _known_model(self) -> ModelChoice:
        if self.model_dir is not None and self.model_path is not None:
            raise ValueError("set model_dir or model_path, not both")
        if self.model_dir is None and self.model_path is None:
            shipped, brought = models.names(self.stage), catalog.brought(self.stage)
            if self.model_name not in shipped + brought:
                raise ValueError(
                    f"model_name {self.model_name!r} is not a shipped {self.stage} model "
                    f"(shipped: {', '.join(shipped)}) nor one you may bring under "
                    f"OCR_MODEL_DIR ({', '.join(brought) or 'none'}); set model_path or "
                    "model_dir for your own"
                )
        return self

    @property
    def known(self) -> KnownModel | None:
        """The catalogue's entry for ``model_name``, when it is a model the user brings."""
        return catalog.known(self.stage, self.model_name)

    @property
    def own_file(self) -> Path | None:
        """The user's ONNX file, when they gave one (``model_dir`` resolved)."""
        if self.model_path is not None:
            return self.model_path
        if self.model_dir is None:
            return None
        exported = self.model_dir / catalog.EXPORT_NAME
        if exported.is_file():
            return exported
        found = sorted(self.model_dir.glob("*.onnx"))
        return found[0] if len(found) == 1 else exported

    def missing(self, key: str, model_dir: Path) -> str | None:
        """What to put where, when the file of a brought model or of one's own is absent."""
        own, known = self.own_file, self.known
        if own is not None:
            field = "model_path" if self.model_path is not None else "model_dir"
            return None if own.is_file() else f"  {key}.{field}: model file not found: {own}"
        if known is None or known.find(model_dir) is not None:
            return None
        return models.missing_message(key, known, model_dir)

    def resolve(self, key: str, model_dir: Path = DEFAULT_MODEL_DIR) -> models.ResolvedModel:
        """The model file, verified, for the stage configured at ``key``; brought models
        are looked up under ``model_dir`` (``OCR_MODEL_DIR``).

        Raises:
            ModelError: the file is missing, or fails its checksum.
        """
        own, known = self.own_file, self.known
        if own is None and known is not None:
            found = known.find(model_dir)
            if found is None:
                raise ModelError(
                    "A model file is missing:\n" + models.missing_message(key, known, model_dir)
                )
            return models.resolve_own(found, self.model_name, key, known, self.sha256)
        if own is None:
            resolved = models.resolve(models.get(self.stage, self.model_name))
            models.check_pinned(resolved.path, resolved.sha256, self.sha256, key)
            return resolved
        shipped = self.model_name in models.names(self.stage)
        field = "model_path" if self.model_path is not None else "model_dir"
        name = own.stem if shipped else self.model_name
        return models.resolve_own(own, name, f"{key}.{field}", known, self.sha256)


class DocOrientationConfig(ModelChoice):
    """Page orientation (0/90/180/270) before everything else."""

    stage: ClassVar[str] = "doc_orientation"
    model_name: str = models.PAGE_ORIENTATION.name


def _cdla_thresholds() -> dict[int | str, float]:
    return dict.fromkeys(range(10), 0.5)  # the ten CDLA classes


class LayoutDetectionConfig(ModelChoice):
    """PicoDet layout blocks. ``threshold`` is one score for every class, or one per class
    keyed by class id or label (classes left out use 0.5)."""

    stage: ClassVar[str] = "layout"
    model_name: str = models.LAYOUT.name
    threshold: float | dict[int | str, float] = Field(default_factory=_cdla_thresholds)
    layout_nms_iou: float = Field(0.5, ge=0, le=1)
    cross_class_iou: float = Field(
        0.8, ge=0, le=1, description="One region predicted as two classes keeps the likelier."
    )
    max_candidates: PositiveInt = 1000
    input_size: tuple[PositiveInt, PositiveInt] | None = Field(
        None, description="Width and height fed to the model; unset: the model's fixed size."
    )

    @field_validator("threshold")
    @classmethod
    def _thresholds_in_range(
        cls, value: float | dict[int | str, float]
    ) -> float | dict[int | str, float]:
        scores = value.values() if isinstance(value, dict) else [value]
        if any(not 0 <= score <= 1 for score in scores):
            raise ValueError("thresholds are probabilities between 0 and 1")
        if isinstance(value, dict):  # "5" from the environment is class 5
            return {
                int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in value.items()
            }
        return value

    def class_threshold(self, labels: list[str]) -> dict[int, float]:
        """The threshold of every class id of a model with these labels."""
        if not isinstance(self.threshold, dict):
            return dict.fromkeys(range(len(labels)), float(self.threshold))
        result = dict.fromkeys(range(len(labels)), 0.5)
        for key, score in self.threshold.items():
            if isinstance(key, str) and key in labels:
                result[labels.index(key)] = score
            elif isinstance(key, int) and 0 <= key < len(labels):
                result[key] = score
            else:
                raise ConfigurationError(
                    f"SubModules.LayoutDetection.threshold: no class {key!r} in the layout "
                    f"model (classes: {', '.join(f'{i}={n}' for i, n in enumerate(labels))})"
                )
        return result


class TextDetectionConfig(ModelChoice):
    """DB text line detection and its post-processing."""

    stage: ClassVar[str] = "text_detection"
    model_name: str = models.TEXT_DETECTION.name
    limit_side_len: PositiveInt = Field(
        1280,
        description="Longest side fed to the model (lines are still read from the full "
        "image); the detector's memory grows with its input's pixels.",
    )
    min_side_len: PositiveInt = Field(
        736, description="Small images are enlarged until their shorter side reaches this."
    )
    thresh: float = Field(0.3, ge=0, le=1, description="Pixel probability threshold.")
    box_thresh: float = Field(0.5, ge=0, le=1, description="Mean score to keep a box.")
    unclip_ratio: PositiveFloat = Field(1.6, description="How far boxes grow around text.")
    max_candidates: PositiveInt = 1000
    min_size: NonNegativeFloat = Field(3.0, description="Shortest box side kept, in pixels.")


class TextLineOrientationConfig(ModelChoice):
    """0/180 degree classification of each text line."""

    stage: ClassVar[str] = "textline_orientation"
    model_name: str = models.TEXTLINE_ORIENTATION.name
    threshold: float = Field(0.9, ge=0, le=1, description="Score to nominate a line for turning.")
    min_gain: float = Field(
        0.1,
        ge=0,
        le=1,
        description="A nominated line is turned only if reading it turned is this much more "
        "confident than reading it as it stands.",
    )
    batch_size: PositiveInt | None = Field(None, description="Unset: the pipeline's batch_size.")


class TextRecognitionConfig(ModelChoice):
    """CTC recognition; the character set comes from the model's metadata."""

    stage: ClassVar[str] = "text_recognition"
    model_name: str = models.TEXT_RECOGNITION.name
    batch_size: PositiveInt | None = Field(None, description="Unset: the pipeline's batch_size.")
    character_dict_path: Path | None = Field(
        None,
        description="Characters, one per line, for a model without a 'character' metadata list.",
    )
    score_thresh: float = Field(
        0.5, ge=0, le=1, description="Lines recognized below this confidence are dropped."
    )


class TableRecognitionConfig(ModelChoice):
    """SLANet table structure on each table block."""

    stage: ClassVar[str] = "table_structure"
    model_name: str = models.TABLE_STRUCTURE.name
    input_size: PositiveInt = Field(488, description="Side of the square the table fits in.")


class TableCellsDetectionConfig(ModelChoice):
    """RT-DETR-L table cells, whose boxes refine the structure model's (off unless set)."""

    stage: ClassVar[str] = "table_cells"
    model_name: str = "RT-DETR-L_wired_table_cell_det"
    threshold: float = Field(0.3, ge=0, le=1, description="Score to keep a detected cell.")
    min_iou: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A structure cell takes the detected box overlapping it most, if this much.",
    )


class SubModules(_Section):
    doc_orientation: DocOrientationConfig = Field(
        default_factory=DocOrientationConfig, alias="DocOrientation"
    )
    layout_detection: LayoutDetectionConfig = Field(
        default_factory=LayoutDetectionConfig, alias="LayoutDetection"
    )
    text_detection: TextDetectionConfig = Field(
        default_factory=TextDetectionConfig, alias="TextDetection"
    )
    textline_orientation: TextLineOrientationConfig = Field(
        default_factory=TextLineOrientationConfig, alias="TextLineOrientation"
    )
    text_recognition: TextRecognitionConfig = Field(
        default_factory=TextRecognitionConfig, alias="TextRecognition"
    )
    table_recognition: TableRecognitionConfig = Field(
        default_factory=TableRecognitionConfig, alias="TableRecognition"
    )
    table_cells_detection: TableCellsDetectionConfig | None = Field(
        None, alias="TableCellsDetection"
    )


_NOT_AVAILABLE = {
    "use_doc_unwarping": "document unwarping",
    "use_seal_recognition": "seal recognition",
    "use_formula_recognition": "formula recognition",
    "use_chart_recognition": "chart recognition",
}


class PipelineConfig(_Section):
    """Which stages run and how; validated once at start-up."""

    pipeline_name: str = "PP-StructureV3"
    batch_size: PositiveInt = Field(
        6, description="Text lines per line-orientation and recognition batch."
    )
    text_layer: Literal["auto", "never", "only"] = Field(
        "auto",
        description=(
            "Born-digital PDF pages: auto takes lines from a real text layer and OCRs the "
            "rest; never always OCRs; only never OCRs (pages without one come back empty)."
        ),
    )
    use_doc_preprocessor: bool = True
    use_doc_orientation_classify: bool = True
    use_doc_unwarping: bool = False
    use_textline_orientation: bool = True
    use_layout_detection: bool = True
    use_table_recognition: bool = True
    use_seal_recognition: bool = False
    use_formula_recognition: bool = False
    use_chart_recognition: bool = False
    sub_modules: SubModules = Field(default_factory=SubModules, alias="SubModules")

    @field_validator(*_NOT_AVAILABLE)
    @classmethod
    def _no_model_yet(cls, value: bool, info: ValidationInfo) -> bool:
        if value:
            what = _NOT_AVAILABLE[str(info.field_name)]
            raise ValueError(f"no {what} model is available in this version; set it to false")
        return value

    @model_validator(mode="after")
    def _tables_need_layout(self) -> PipelineConfig:
        if self.use_table_recognition and not self.use_layout_detection:
            raise ValueError(
                "use_table_recognition needs use_layout_detection (tables are found as layout "
                "blocks); switch both on, or use_table_recognition off"
            )
        return self

    @property
    def reads_text_layer(self) -> bool:
        """Whether PDF pages are opened with their text layer (``text_layer`` not never)."""
        return self.text_layer != "never"

    @property
    def orientation_on(self) -> bool:
        return self.use_doc_preprocessor and self.use_doc_orientation_classify

    @property
    def line_batch_size(self) -> int:
        return self.sub_modules.text_recognition.batch_size or self.batch_size

    @property
    def cls_batch_size(self) -> int:
        return self.sub_modules.textline_orientation.batch_size or self.batch_size

    def stages(self) -> list[tuple[str, ModelChoice]]:
        """(key, model choice) of every stage switched on, in the order they run."""
        sub = self.sub_modules
        on: list[tuple[str, ModelChoice, bool]] = [
            ("DocOrientation", sub.doc_orientation, self.orientation_on),
            ("TextDetection", sub.text_detection, True),
            ("TextLineOrientation", sub.textline_orientation, self.use_textline_orientation),
            ("TextRecognition", sub.text_recognition, True),
            ("LayoutDetection", sub.layout_detection, self.use_layout_detection),
            ("TableRecognition", sub.table_recognition, self.use_table_recognition),
        ]
        if sub.table_cells_detection is not None:
            on.append(
                ("TableCellsDetection", sub.table_cells_detection, self.use_table_recognition)
            )
        return [(f"SubModules.{name}", choice) for name, choice, enabled in on if enabled]

    def resolve_models(self, model_dir: Path) -> dict[str, models.ResolvedModel]:
        """Every switched-on stage's model file, verified, by key (``stages``).

        Raises:
            ModelError: files are missing (one message lists every one, with its file name,
                where to put it and its published SHA-256 where known), or one fails its
                checksum.
        """
        stages = self.stages()
        absent = [(c, line) for key, c in stages if (line := c.missing(key, model_dir))]
        if absent:
            brought = any(choice.own_file is None for choice, _ in absent)
            where = (
                f" (OCR_MODEL_DIR={model_dir}; no wheel ships the models you bring: export "
                "them with paddle2onnx, see docs/models.md)"
                if brought
                else ""
            )
            lines = "\n".join(line for _, line in absent)
            raise ModelError(f"{len(absent)} model file(s) missing{where}:\n{lines}")
        return {key: choice.resolve(key, model_dir) for key, choice in stages}

    def to_yaml(self) -> str:
        """The effective configuration as a pipeline file (loadable again)."""
        data = self.model_dump(mode="json", by_alias=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

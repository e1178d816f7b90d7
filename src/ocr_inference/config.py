"""Typed settings, read once from the environment (prefix ``OCR_``, plus ``REDIS_URL``).

Every default lives here and nowhere else. Nested groups are set with a double
underscore, e.g. ``OCR_TEXT__DET_LIMIT_SIDE_LEN=1600``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ocr_inference.documents.page import Limits
from ocr_inference.pipeline.engine import EngineConfig

Device = Literal["auto", "cpu", "cuda"]


class TextSettings(BaseModel):
    """Text detection, line orientation and recognition parameters (PP-OCR)."""

    det_limit_side_len: PositiveInt = Field(
        2000, description="Longest side of the page image fed to text detection."
    )
    det_min_side_len: PositiveInt = Field(
        736, description="Small images are enlarged until their shorter side reaches this."
    )
    det_thresh: float = Field(0.3, ge=0, le=1, description="Pixel probability threshold.")
    det_box_thresh: float = Field(0.5, ge=0, le=1, description="Mean box score to keep a box.")
    det_unclip_ratio: float = Field(1.6, gt=0, description="How far boxes grow around text.")
    use_doc_orientation: bool = Field(
        True, description="Detect pages turned by 90, 180 or 270 degrees and read them upright."
    )
    use_layout_detection: bool = Field(
        True, description="Find layout blocks and read them in column order."
    )
    layout_threshold: float = Field(0.5, ge=0, le=1, description="Minimum block confidence.")
    use_table_recognition: bool = Field(
        True, description="Recognize the structure of table blocks (needs layout detection)."
    )
    use_cls: bool = Field(True, description="Detect upside-down text lines and turn them.")
    cls_thresh: float = Field(0.9, ge=0, le=1)
    rec_batch_size: PositiveInt = Field(6, description="Text lines per recognition batch.")
    min_confidence: float = Field(
        0.5, ge=0, le=1, description="Recognized lines below this confidence are dropped."
    )
    doc_orientation_model_path: Path | None = Field(
        None, description="Your own page orientation model."
    )
    layout_model_path: Path | None = Field(None, description="Your own PicoDet layout model.")
    table_model_path: Path | None = Field(None, description="Your own SLANet table model.")
    det_model_path: Path | None = Field(None, description="Your own text detection ONNX model.")
    cls_model_path: Path | None = Field(None, description="Your own line orientation model.")
    rec_model_path: Path | None = Field(
        None, description="Your own recognition ONNX model (charset in its metadata)."
    )


class Settings(BaseSettings):
    """Service settings; see the README for the full table."""

    model_config = SettingsConfigDict(
        env_prefix="OCR_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    redis_url: str = Field(
        "redis://localhost:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "OCR_REDIS_URL"),
        description="Broker, result backend and blob store.",
    )
    dpi: int = Field(300, ge=72, le=600, description="Resolution PDF pages are rendered at.")
    max_upload_mb: PositiveInt = Field(100, description="Largest accepted upload, in MiB.")
    max_pixels: PositiveInt = Field(
        100_000_000, description="Largest page (width x height) rendered or decoded."
    )
    max_pages: PositiveInt = Field(500, description="Most pages in one document.")
    max_attempts: PositiveInt = Field(
        3, description="Deliveries of a task before a worker crash becomes FAILURE."
    )
    task_time_limit_s: PositiveInt = Field(3600, description="Hard time limit of one task.")
    result_ttl_s: PositiveInt = Field(86400, description="How long results and uploads live.")
    device: Device = Field("auto", description="Where models run: auto, cpu or cuda.")
    intra_op_threads: int = Field(
        0, ge=0, description="ONNX Runtime threads per model; 0 lets it choose."
    )
    worker_concurrency: PositiveInt = Field(1, description="Worker processes per worker.")
    data_dir: Path = Field(Path("./data"), description="Embedded server's AOF and dump.")
    host: str = Field("127.0.0.1", description="API bind address.")
    port: int = Field(8000, ge=1, le=65535, description="API port.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    text: TextSettings = Field(default_factory=TextSettings)

    def engine_config(self) -> EngineConfig:
        return EngineConfig(device=self.device, intra_op_threads=self.intra_op_threads)

    def limits(self) -> Limits:
        return Limits(max_pixels=self.max_pixels, max_pages=self.max_pages, dpi=self.dpi)

    @model_validator(mode="after")
    def _limits_are_consistent(self) -> Settings:
        if self.task_time_limit_s < 10:
            raise ValueError("OCR_TASK_TIME_LIMIT_S must be at least 10 seconds")
        return self

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def soft_time_limit_s(self) -> int:
        """The task is asked to stop this long before it is killed."""
        return max(self.task_time_limit_s - max(5, self.task_time_limit_s // 20), 1)

    @property
    def visibility_timeout_s(self) -> int:
        """Redis redelivers an unacknowledged task after this; it must outlast the task."""
        return self.task_time_limit_s + 300

    @property
    def blob_ttl_s(self) -> int:
        """Uploads outlive the result so later features can render pages from them."""
        return self.result_ttl_s + self.visibility_timeout_s


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read from the environment once."""
    return Settings()

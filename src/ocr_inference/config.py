"""Typed settings, read once at start-up: the service's from the environment (prefix
``OCR_``, plus ``REDIS_URL``), the pipeline's from a YAML file (``OCR_PIPELINE_CONFIG``,
the packaged PP-StructureV3 file by default) with ``OCR_PIPELINE__...`` variables over it.

The service's defaults live here, the pipeline's in ``ocr_inference.pipeline.config`` (the
packaged YAML is checked against it by a test), the document limits' and the engines' in
the ``Limits`` and ``EngineConfig`` dataclasses that the settings fill in.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    NonNegativeInt,
    PositiveInt,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from ocr_inference.documents.page import Limits
from ocr_inference.errors import ConfigurationError
from ocr_inference.exports.formats import CHUNK_CHARS
from ocr_inference.pipeline.catalog import DEFAULT_MODEL_DIR
from ocr_inference.pipeline.config import DEFAULT_FILE, PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig, EngineName, Precision, usable_cores
from ocr_inference.pipeline.engine.base import Device
from ocr_inference.pipeline.pipeline_file import ENV_PREFIX, locate
from ocr_inference.pipeline.pipeline_file import load as load_pipeline


class Settings(BaseSettings):
    """Service settings (docs/configuration.md has the table). The defaults of the document
    limits and of the engines are the ``Limits`` and ``EngineConfig`` dataclasses', which
    these settings fill in."""

    model_config = SettingsConfigDict(
        env_prefix="OCR_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    redis_url: str = Field(
        "redis://localhost:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "OCR_REDIS_URL"),
        description="Broker, result backend and blob store; or its Sentinels, "
        "sentinel://host:26379;sentinel://host2:26379 (the primary's password as in "
        "sentinel://:password@host:26379).",
    )
    sentinel_master: str = Field(
        "mymaster", min_length=1, description="Name of the primary the Sentinels monitor."
    )
    sentinel_password: SecretStr | None = Field(
        None, description="Password of the Sentinels themselves (not of the primary)."
    )
    sentinel_tls: bool = Field(False, description="TLS to the Sentinels and the primary.")
    sentinel_wait_ms: int = Field(
        1000,
        ge=0,
        description="Under Sentinel, how long a submission waits for a replica to hold its "
        "upload (WAIT 1) before it answers 503; 0: no wait.",
    )
    dpi: int = Field(Limits.dpi, ge=72, le=600, description="Resolution PDF pages are rendered at.")
    max_upload_mb: PositiveInt = Field(100, description="Largest accepted upload, in MiB.")
    max_pixels: PositiveInt = Field(
        Limits.max_pixels, description="Largest page (width x height) rendered or decoded."
    )
    max_pages: PositiveInt = Field(Limits.max_pages, description="Most pages in one document.")
    max_queued: PositiveInt = Field(
        1000, description="Documents waiting or running beyond which uploads get 503."
    )
    max_stored_mb: PositiveInt = Field(
        2048, description="Upload bytes not yet processed beyond which uploads get 503, in MiB."
    )
    max_attempts: PositiveInt = Field(
        3, description="Deliveries of a task before a worker crash becomes FAILURE."
    )
    pages_per_task: PositiveInt = Field(
        4, description="Longer documents are split into page ranges of this size, one task each."
    )
    task_time_limit_s: PositiveInt = Field(
        300, description="Hard time limit of one task (a document or one of its page ranges)."
    )
    result_ttl_s: PositiveInt = Field(86400, description="How long results and uploads live.")
    chunk_max_chars: int = Field(
        1500,
        ge=CHUNK_CHARS.low,
        le=CHUNK_CHARS.high,
        description="Characters per chunk of the chunks export, unless the request says.",
    )
    model_dir: Path = Field(
        DEFAULT_MODEL_DIR,
        description="Where the models you bring (PP-DocLayout_plus-L, PP-OCRv5_server_det, ...) "
        "are looked up by name: <dir>/<name>/inference.onnx or <dir>/<name>.onnx.",
    )
    device: Device = Field(EngineConfig.device, description="Where models run: auto, cpu or cuda.")
    engine: EngineName = Field(
        EngineConfig.engine,
        description="Inference engine: auto (OpenVINO on a CPU for the models it runs faster, "
        "ONNX Runtime on CUDA), onnxruntime or openvino (CPU only).",
    )
    engine_precision: Precision = Field(
        EngineConfig.precision,
        description="What OpenVINO computes in: f32, bf16, or auto (bf16 on CPUs with "
        "AMX-BF16, the family its accuracy was measured on; f32 elsewhere). ONNX Runtime "
        "runs f32.",
    )
    engine_threads: int = Field(
        EngineConfig.threads,
        ge=0,
        validation_alias=AliasChoices("OCR_ENGINE_THREADS", "OCR_INTRA_OP_THREADS"),
        description="Threads per model call; 0: the usable cores (CPU affinity) divided by "
        "the processes that run models (worker concurrency, or process --jobs).",
    )
    engine_cache_dir: Path | None = Field(
        EngineConfig.cache_dir,
        description="Directory for OpenVINO's compiled models, reused at the next start; "
        "processes may share it. Unset: compile at every start.",
    )
    cpu_mem_arena: bool = Field(
        EngineConfig.cpu_mem_arena,
        description="ONNX Runtime's CPU memory arena for the models it runs: faster, but a "
        "process's memory stays at its peak.",
    )
    worker_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="Scheduling niceness of worker processes, so an API on the same cores "
        "stays responsive while they use every core.",
    )
    worker_concurrency: PositiveInt | None = Field(
        None, description="Worker processes per worker; unset: one per usable core."
    )
    worker_max_tasks_per_child: int = Field(
        0,
        ge=0,
        description="Tasks after which a worker process is replaced by a new one (which "
        "loads the models again); 0: never, by count.",
    )
    worker_max_memory_mb: int = Field(
        2048,
        ge=0,
        description="Peak resident memory (MiB) of a worker process beyond which it is "
        "replaced by a new one once its task ends; 0: never, by memory.",
    )
    cuda_devices: Annotated[list[NonNegativeInt], NoDecode] = Field(
        default_factory=list,
        description="CUDA devices (comma-separated ids) that the worker processes are spread "
        "over, one device per process; unset: every process uses device 0.",
    )
    data_dir: Path = Field(Path("./data"), description="Embedded server's AOF and dump.")
    host: str = Field("127.0.0.1", description="API bind address.")
    port: int = Field(8000, ge=1, le=65535, description="API port.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="API keys, comma-separated. With any key here or in api_keys_file, "
        "every /api/ route needs an X-API-Key header holding one; with none, the API is open.",
    )
    api_keys_file: Path | None = Field(
        None, description="File of API keys, one a line; blank lines and # comments ignored."
    )
    metrics_require_key: bool = Field(
        False, description="/metrics needs a valid X-API-Key too (it is public otherwise)."
    )
    webhook_secret: SecretStr | None = Field(
        None,
        description="Key of the HMAC-SHA256 signature sent with each webhook "
        "(X-OCR-Signature); unset: webhooks are not signed.",
    )
    webhook_allow_private: bool = Field(
        False,
        description="Allow callback_url to reach private, loopback, link-local and reserved "
        "addresses (refused by default, so that clients cannot probe the internal network).",
    )
    events_max_streams: PositiveInt = Field(8, description="Event streams open per API key.")
    events_max_mb: PositiveInt = Field(64, description="Pages kept per running document, MiB.")
    events_poll_ms: PositiveInt = Field(200, description="How often a stream looks for pages.")
    events_keepalive_s: PositiveInt = Field(15, description="Seconds between keep-alives.")
    pipeline_config: str | None = Field(
        None,
        description="Pipeline YAML file, or a shipped profile's name; unset: PP-StructureV3.",
    )
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    _file_keys: list[SecretStr] = PrivateAttr(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _Environment(settings_cls))

    @property
    def pipeline_file(self) -> Path:
        return locate(self.pipeline_config)

    @cached_property
    def settings_hash(self) -> str:
        """SHA-256 (hex) of the settings that change a result or a task's semantics: the
        resolved pipeline (its file with ``OCR_PIPELINE__*`` over it), the task time limit,
        pages per task, max attempts and the result lifetime. Where and how fast models run
        (device, engine, threads, concurrency) is left out: processes that differ only there
        serve the same tasks alike. Workers publish it in their heartbeat. Computed once:
        settings are read once at start-up and not changed after."""
        covered = {
            "pipeline": self.pipeline.model_dump(mode="json", by_alias=True),
            "task_time_limit_s": self.task_time_limit_s,
            "pages_per_task": self.pages_per_task,
            "max_attempts": self.max_attempts,
            "result_ttl_s": self.result_ttl_s,
        }
        text = json.dumps(covered, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def worker_processes(self) -> int:
        """Pool processes of a worker: ``worker_concurrency``, else one per usable core."""
        return self.worker_concurrency or usable_cores()

    def engine_config(self, processes: int = 1) -> EngineConfig:
        """How models load and run in a process that is one of ``processes`` on this
        machine running models at once (their threads share the cores)."""
        return EngineConfig(
            device=self.device,
            engine=self.engine,
            precision=self.engine_precision,
            threads=self.engine_threads,
            processes=processes,
            cpu_mem_arena=self.cpu_mem_arena,
            cache_dir=self.engine_cache_dir,
        )

    def limits(self) -> Limits:
        return Limits(max_pixels=self.max_pixels, max_pages=self.max_pages, dpi=self.dpi)

    @model_validator(mode="after")
    def _limits_are_consistent(self) -> Settings:
        if self.task_time_limit_s < 10:
            raise ValueError("OCR_TASK_TIME_LIMIT_S must be at least 10 seconds")
        return self

    @field_validator("cuda_devices", mode="before")
    @classmethod
    def _split_cuda_devices(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        ids = split_keys(value)
        if not all(device.isdigit() for device in ids):
            raise ValueError(f"CUDA device ids (0, 1, ...), comma-separated, not {value!r}")
        return [int(device) for device in ids]

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_api_keys(cls, value: Any) -> Any:
        return split_keys(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _read_api_keys_file(self) -> Settings:
        """Read the keys file now, so that an unreadable one stops start-up
        (``ConfigurationError`` naming the file)."""
        if self.api_keys_file is not None:
            self._file_keys = [SecretStr(key) for key in read_keys_file(self.api_keys_file)]
        return self

    @property
    def all_api_keys(self) -> list[SecretStr]:
        """The keys of ``api_keys`` and of ``api_keys_file``; empty: the API is open."""
        return [*self.api_keys, *self._file_keys]

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def soft_time_limit_s(self) -> int:
        """The task is asked to stop this long before it is killed."""
        return max(self.task_time_limit_s - max(5, self.task_time_limit_s // 20), 1)

    @property
    def visibility_timeout_s(self) -> int:
        """Redis redelivers an unacknowledged task after this; it must outlast the task.

        It is also how long a task whose worker machine vanished waits to run again.
        """
        return self.task_time_limit_s + 60

    @property
    def blob_ttl_s(self) -> int:
        """Uploads outlive the result so later features can render pages from them."""
        return self.result_ttl_s + self.visibility_timeout_s


class _Environment(EnvSettingsSource):
    """The environment, read once by pydantic-settings: ``OCR_*`` variables set the
    service's fields, and the pipeline file (``OCR_PIPELINE_CONFIG``) is read with its
    ``OCR_PIPELINE__...`` variables laid over it (``pipeline_file.load``: keys matched
    ignoring case and underscores, values read as YAML, ``THRESHOLD__4`` for a class)."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        data.pop("pipeline", None)
        configured = self.current_state.get("pipeline_config") or data.get("pipeline_config")
        environ = {
            name.upper(): value for name, value in self.env_vars.items() if value is not None
        }
        data["pipeline"] = load_pipeline(locate(configured), environ)
        return data


def split_keys(value: str) -> list[str]:
    """Keys of a comma-separated list (``OCR_API_KEYS``), blanks dropped."""
    return [key.strip() for key in value.split(",") if key.strip()]


def parse_keys_file(text: str) -> list[str]:
    """Keys of a keys file: one a line; blank lines and lines starting with ``#`` ignored."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_keys_file(path: Path) -> list[str]:
    """The keys in ``path``.

    Raises:
        ConfigurationError: the file cannot be read as UTF-8 text; the message names it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the API keys file {path} (OCR_API_KEYS_FILE): {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigurationError(
            f"the API keys file {path} (OCR_API_KEYS_FILE) is not UTF-8 text"
        ) from None
    return parse_keys_file(text)


def load_settings(**values: Any) -> Settings:
    """Settings from this process's environment (``values`` take precedence).

    Raises:
        ConfigurationError: a value is invalid or a key unknown; the message names each.
    """
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = [
            f"  {_where(error['loc'])}: {_reason(error['msg'])}"
            for error in exc.errors(include_url=False)
        ]
        source = values.get("pipeline_config") or os.environ.get("OCR_PIPELINE_CONFIG")
        raise ConfigurationError(
            f"invalid configuration (pipeline keys come from {source or DEFAULT_FILE} and "
            f"{ENV_PREFIX}* variables):\n" + "\n".join(problems)
        ) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()


def _where(loc: tuple[int | str, ...]) -> str:
    """The variable that sets a service setting (``OCR_ENGINE``), or a pipeline key's path."""
    field = Settings.model_fields.get(str(loc[0])) if loc else None
    if field is None or loc[0] == "pipeline" or len(loc) > 1:
        return ".".join(str(part) for part in loc)
    return "REDIS_URL" if loc[0] == "redis_url" else f"OCR_{str(loc[0]).upper()}"


def _reason(message: str) -> str:
    return message.removeprefix("Value error, ")

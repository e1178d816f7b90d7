from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from ocr_inference.config import Settings, load_settings
from ocr_inference.errors import ConfigurationError


def test_defaults_match_the_documented_contract() -> None:
    settings = Settings()
    assert settings.redis_url == "redis://localhost:6379/0"
    assert (settings.dpi, settings.max_upload_mb, settings.max_pages) == (300, 100, 500)
    assert (settings.max_attempts, settings.task_time_limit_s) == (3, 300)
    assert settings.result_ttl_s == 86400
    assert settings.chunk_max_chars == 1500


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/2")
    monkeypatch.setenv("OCR_DPI", "200")
    monkeypatch.setenv("OCR_PIPELINE__SUBMODULES__TEXTDETECTION__THRESH", "0.25")
    monkeypatch.setenv("OCR_DEVICE", "cpu")
    settings = Settings()
    assert settings.redis_url == "redis://redis:6379/2"
    assert settings.dpi == 200
    assert settings.pipeline.sub_modules.text_detection.thresh == 0.25
    assert settings.device == "cpu"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OCR_DPI", "20"),
        ("OCR_DEVICE", "tpu"),
        ("OCR_MAX_PAGES", "0"),
        ("OCR_DPI", "high"),
        ("OCR_ENGINE", "tensorrt"),
        ("OCR_ENGINE_PRECISION", "fp8"),
        ("OCR_CHUNK_MAX_CHARS", "199"),
        ("OCR_CHUNK_MAX_CHARS", "100001"),
        ("OCR_CHUNK_MAX_CHARS", "many"),
    ],
)
def test_bad_values_fail_at_start_up_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("OCR_").lower()):
        Settings()


def test_engine_settings_reach_the_engine_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OCR_ENGINE", "openvino")
    monkeypatch.setenv("OCR_ENGINE_PRECISION", "bf16")
    monkeypatch.setenv("OCR_ENGINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("OCR_INTRA_OP_THREADS", "3")  # the earlier name still counts
    engine = Settings().engine_config(processes=2)
    assert (engine.engine, engine.precision, engine.cache_dir) == ("openvino", "bf16", tmp_path)
    assert (engine.threads, engine.processes, engine.intra_op_threads) == (3, 2, 3)


def test_engine_defaults_share_the_usable_cores_among_worker_processes() -> None:
    settings = Settings()
    cores = len(os.sched_getaffinity(0))
    assert (settings.engine, settings.engine_precision, settings.engine_threads) == (
        "auto",
        "f32",
        0,
    )
    assert settings.worker_processes == cores
    assert settings.engine_config(settings.worker_processes).intra_op_threads == 1
    assert Settings(worker_concurrency=1).engine_config(1).intra_op_threads == cores


def test_a_bad_engine_setting_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OCR_ENGINE", "tensorrt")
    with pytest.raises(ConfigurationError, match="OCR_ENGINE: Input should be 'auto'"):
        load_settings()


def test_time_limits_nest_inside_the_visibility_timeout() -> None:
    settings = Settings(task_time_limit_s=600)
    assert settings.soft_time_limit_s < settings.task_time_limit_s < settings.visibility_timeout_s
    assert settings.blob_ttl_s > settings.result_ttl_s


def test_api_keys_come_from_the_variable_and_the_file_and_are_never_printed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# ops\nfile-key-1\n\nfile-key-2\n", encoding="utf-8")
    monkeypatch.setenv("OCR_API_KEYS", "env-key-1, env-key-2")
    monkeypatch.setenv("OCR_API_KEYS_FILE", str(keys_file))
    monkeypatch.setenv("OCR_METRICS_REQUIRE_KEY", "true")
    settings = Settings()
    assert [key.get_secret_value() for key in settings.all_api_keys] == [
        "env-key-1",
        "env-key-2",
        "file-key-1",
        "file-key-2",
    ]
    assert settings.metrics_require_key
    shown = repr(settings) + str(settings) + str(settings.model_dump(mode="json"))
    assert "key-1" not in shown and "key-2" not in shown


def test_api_keys_are_off_by_default() -> None:
    settings = Settings()
    assert settings.all_api_keys == [] and settings.api_keys_file is None
    assert not settings.metrics_require_key


def test_an_unreadable_api_keys_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-keys"
    with pytest.raises(ConfigurationError, match=str(missing)):
        load_settings(api_keys_file=missing)


def test_the_settings_hash_ignores_where_and_how_fast_models_run() -> None:
    base = Settings().settings_hash
    assert len(base) == 64 and int(base, 16) >= 0
    alike = [
        Settings(device="cpu"),
        Settings(engine="openvino"),
        Settings(engine_threads=3),
        Settings(worker_concurrency=2),
        Settings(engine_precision="bf16", cpu_mem_arena=True, worker_nice=0),
        Settings(max_upload_mb=5, dpi=200, port=9000),
    ]
    assert {settings.settings_hash for settings in alike} == {base}


def test_the_settings_hash_changes_with_results_and_task_semantics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = Settings().settings_hash
    changed = [
        Settings(task_time_limit_s=301),
        Settings(pages_per_task=5),
        Settings(max_attempts=4),
        Settings(result_ttl_s=3600),
        Settings(pipeline_config="text-fast"),
    ]
    monkeypatch.setenv("OCR_PIPELINE__SUBMODULES__TEXTDETECTION__THRESH", "0.25")
    changed.append(Settings())
    hashes = [settings.settings_hash for settings in changed]
    assert base not in hashes and len(set(hashes)) == len(hashes)

"""The Docker and Compose files, checked by parsing them (no Docker engine is needed).

``merge`` follows Compose's merge rules for the keys these files use: mappings merge key
by key, other values replace, and ``!reset`` removes the key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocr_inference.config import Settings
from ocr_inference.pipeline.config import PipelineConfig

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://redis:6379/0"


class _Reset:
    """Compose's ``!reset``: the key is dropped from the files merged before."""


class _ComposeLoader(yaml.SafeLoader):
    pass


_ComposeLoader.add_constructor("!reset", lambda loader, node: _Reset())


def load(name: str) -> dict[str, Any]:
    data = yaml.load((ROOT / name).read_text(encoding="utf-8"), Loader=_ComposeLoader)
    assert isinstance(data, dict)
    return data


def merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if isinstance(value, _Reset):
                merged.pop(key, None)
            else:
                merged[key] = merge(base.get(key), value)
        return merged
    return override


def interpolate(value: str) -> str:
    """``${NAME:-default}`` as Compose reads it with NAME unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def seconds(duration: str | int) -> float:
    """A Compose duration (``330s``, ``5m30s``, ``1h``) in seconds."""
    if isinstance(duration, int):
        return duration
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load("docker-compose.yml")


@pytest.fixture(scope="module")
def cpu_compose(compose: dict[str, Any]) -> dict[str, Any]:
    merged = merge(compose, load("docker-compose.cpu.yml"))
    assert isinstance(merged, dict)
    return merged


def test_services_are_present(compose: dict[str, Any]) -> None:
    assert {"redis", "api", "worker"} <= set(compose["services"])
    assert compose["services"]["flower"]["profiles"] == ["monitoring"]


def test_redis_keeps_an_append_only_file_on_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    volume, target = redis["volumes"][0].split(":")
    assert target == "/data" and volume in compose["volumes"]
    assert redis["healthcheck"]["test"][1:] in (["valkey-cli", "ping"], ["redis-cli", "ping"])


@pytest.mark.parametrize("name", ["api", "worker"])
def test_api_and_worker_reach_redis_by_redis_url(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert interpolate(service["environment"]["REDIS_URL"]) == REDIS_URL
    assert service["env_file"] == [{"path": ".env", "required": False}]
    assert service["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert service["command"] == ["ocr-inference", name if name == "worker" else "serve"]
    assert "test" in service["healthcheck"]


def test_flower_reads_the_same_redis(compose: dict[str, Any]) -> None:
    flower = compose["services"]["flower"]
    assert interpolate(flower["environment"]["CELERY_BROKER_URL"]) == REDIS_URL
    assert flower["image"].startswith("mher/flower")


def test_api_listens_on_all_interfaces_and_checks_health(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    assert api["environment"]["OCR_HOST"] == "0.0.0.0"
    assert "8000:8000" in api["ports"]
    assert "/health" in " ".join(api["healthcheck"]["test"])


def test_worker_reserves_a_gpu(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert worker["build"]["dockerfile"] == "Dockerfile.gpu"
    assert worker["environment"]["OCR_DEVICE"] == "cuda"
    (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert device["count"] in (1, "all")
    assert device["capabilities"] == ["gpu"]


def test_the_cpu_override_drops_the_gpu(cpu_compose: dict[str, Any]) -> None:
    worker = cpu_compose["services"]["worker"]
    assert "deploy" not in worker
    assert worker["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert worker["environment"]["OCR_DEVICE"] == "cpu"
    assert interpolate(worker["environment"]["REDIS_URL"]) == REDIS_URL
    assert worker["depends_on"] == {"redis": {"condition": "service_healthy"}}


def test_a_stopping_worker_has_time_to_finish_its_task(compose: dict[str, Any]) -> None:
    default = Settings.model_fields["task_time_limit_s"].default
    configured = int(env_example().get("OCR_TASK_TIME_LIMIT_S") or default)
    grace = seconds(compose["services"]["worker"]["stop_grace_period"])
    assert grace > max(default, configured)


@pytest.mark.parametrize(("name", "extra"), [("Dockerfile", "cpu"), ("Dockerfile.gpu", "gpu")])
def test_dockerfiles_install_through_make(name: str, extra: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert f"make install EXTRA={extra}" in text
    assert re.search(r"pip[^\n]*install[^\n]*opencv-python", text) is None
    assert re.search(r"^USER (?!root)\S+", text, re.MULTILINE)
    assert "HEALTHCHECK" in text
    if extra == "gpu":
        assert re.search(r"^ARG CUDA_IMAGE=nvidia/cuda:\S*cudnn-runtime", text, re.MULTILINE)


def test_the_lock_keeps_the_gui_opencv_out() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "\"opencv-python; sys_platform == 'never'\"" in pyproject


def test_both_images_get_openvino_from_the_lock() -> None:
    """OpenVINO is a main dependency, so `make install` of either extra installs it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.startswith("openvino") for d in pyproject["project"]["dependencies"])
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    assert "openvino" in {package["name"] for package in lock["package"]}


def test_the_build_context_leaves_out_local_state() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignored = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert {".git", ".venv", ".tools", ".env"} <= set(ignored)
    for needed in ("Makefile", "pyproject.toml", "uv.lock", "README.md", "src"):
        assert needed not in ignored


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def test_env_example_holds_only_real_settings() -> None:
    values = env_example()
    assert values["REDIS_URL"] == REDIS_URL
    for name in values:
        if name == "REDIS_URL":
            continue
        assert name.startswith("OCR_"), name
        field, _, nested = name.removeprefix("OCR_").lower().partition("__")
        assert field in Settings.model_fields, name
        if nested:
            assert field == "pipeline" and nested.split("__")[0] in PipelineConfig.model_fields


def test_env_example_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env_example().items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.redis_url == REDIS_URL
    assert settings.task_time_limit_s == int(env_example()["OCR_TASK_TIME_LIMIT_S"])


def test_the_sentinel_override_runs_a_replica_and_three_sentinels_that_all_parts_use(
    compose: dict[str, Any],
) -> None:
    from ocr_inference.tasks.connection import parse_sentinels

    merged = merge(compose, load("docker-compose.sentinel.yml"))
    services = merged["services"]
    sentinels = [name for name in services if name.startswith("sentinel-")]
    assert len(sentinels) == 3
    for name in sentinels:
        script = services[name]["command"][-1]
        assert "sentinel monitor mymaster redis 6379 2" in script  # quorum 2 of 3
        assert services[name]["depends_on"] == {"redis": {"condition": "service_healthy"}}
    replica = services["redis-replica"]["command"]
    assert replica[replica.index("--replicaof") + 1 :][:2] == ["redis", "6379"]
    assert replica[replica.index("--appendonly") + 1] == "yes"
    assert services["redis-replica"]["volumes"][0].split(":")[0] in merged["volumes"]
    for name in ("api", "worker"):
        environment = services[name]["environment"]
        hosts = parse_sentinels(interpolate(environment["REDIS_URL"])).hosts
        assert {host for host, _ in hosts} == set(sentinels)
        assert environment["OCR_SENTINEL_MASTER"] == "mymaster"
        assert all(
            services[name]["depends_on"][s]["condition"] == "service_healthy" for s in sentinels
        )
        assert Settings(**environment).sentinel_master == "mymaster"

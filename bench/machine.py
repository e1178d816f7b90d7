"""What a benchmark ran on: CPU and its inference flags, cores, RAM, OS, library versions.

``machine_record`` returns a flat mapping of strings (plus ``cpu_flags``, a list) that
the scripts print, write to their JSON and render with ``machine_line`` in the docs.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# /proc/cpuinfo flags that decide which kernels ONNX Runtime and OpenVINO can use
INFERENCE_FLAGS = (
    "avx2",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
    "avx_vnni",
)
GIB_KIB = 1024**2


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask), as a pool should size itself."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_info() -> tuple[str, list[str]]:
    """CPU model name and the inference flags present, from the first processor."""
    model, flags = platform.processor() or platform.machine(), set[str]()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return model, []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            model = value.strip()
        elif key.strip() == "flags":
            flags = set(value.split())
            break
    return model, [flag for flag in INFERENCE_FLAGS if flag in flags]


def cores_and_model() -> str:
    """Such as "a 2-core Intel Xeon Processor", for the sentence a figure is measured in."""
    return f"a {usable_cores()}-core {cpu_info()[0]}"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / GIB_KIB:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _system() -> str:
    try:
        name = platform.freedesktop_os_release().get("PRETTY_NAME", platform.platform())
    except OSError:
        name = platform.platform()
    return f"{name}, {platform.machine()}, kernel {platform.release()}"


def distribution_version(*names: str) -> str:
    """Version of the first installed distribution of ``names`` (``1.2 (name)`` when
    several are possible), or ``not installed``."""
    for name in names:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        return f"{version} ({name})" if len(names) > 1 else version
    return "not installed"


def debian_versions(packages: Sequence[str]) -> dict[str, str]:
    """Installed versions of Debian packages, for those ``dpkg-query`` knows."""
    if shutil.which("dpkg-query") is None:
        return {}
    completed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    pairs = (line.split(" ", 1) for line in completed.stdout.splitlines() if " " in line)
    return {name: version for name, version in pairs if version}


def tesseract_version(executable: str | None, packages: Sequence[str]) -> str:
    """``tesseract 5.3.0 (tesseract-ocr 5.3.0-2, ...)``, or ``not installed``."""
    if executable is None:
        return "not installed"
    completed = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=False
    )
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    version = lines[0].strip() if lines else "unknown"
    listed = ", ".join(f"{name} {v}" for name, v in debian_versions(packages).items())
    return version + (f" ({listed})" if listed else "")


def machine_record(tesseract: str | None, tesseract_packages: Sequence[str]) -> dict[str, Any]:
    """CPU, its inference flags, usable cores, RAM, OS and the versions that matter."""
    cpu, flags = cpu_info()
    usable, online = usable_cores(), os.cpu_count()
    cores = str(usable) if online in (None, usable) else f"{usable} usable of {online}"
    return {
        "cpu": cpu,
        "cpu_flags": flags,
        "cores": cores,
        "usable_cores": usable,
        "ram": _memory(),
        "os": _system(),
        "python": platform.python_version(),
        "onnxruntime": distribution_version("onnxruntime", "onnxruntime-gpu"),
        "openvino": distribution_version("openvino"),
        "tesseract": tesseract_version(tesseract, tesseract_packages),
        "rapidocr": distribution_version("rapidocr"),
    }


def machine_line(machine: Mapping[str, Any]) -> str:
    """The record as one sentence for the docs."""
    flags = ", ".join(machine.get("cpu_flags") or []) or "none of " + "/".join(INFERENCE_FLAGS)
    tesseract = str(machine.get("tesseract", "-"))
    if not tesseract.startswith("tesseract"):
        tesseract = f"Tesseract {tesseract}"
    return (
        f"{machine['cpu']} (inference flags: {flags}), {machine['cores']} cores, "
        f"{machine['ram']} RAM, {machine['os']}; Python {machine['python']}, "
        f"ONNX Runtime {machine['onnxruntime']}, OpenVINO {machine.get('openvino', '-')}, "
        f"{tesseract}, RapidOCR {machine.get('rapidocr', '-')}."
    )

"""ocr-inference-dev (dev/, package ocr_dev) stays out of the product: only the dev
dependency group pulls it in, the wheel and the images hold src/ocr_inference alone, and
the product never imports it."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"ocr-inference-dev", "rapidfuzz", "apted"}


def toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def names(requirements: list[str]) -> set[str]:
    return {
        requirement.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip()
        for requirement in requirements
    }


def test_only_the_dev_group_requires_it() -> None:
    project = toml(ROOT / "pyproject.toml")
    assert not DEV_ONLY & names(project["project"]["dependencies"])
    for extra in project["project"]["optional-dependencies"].values():
        assert not DEV_ONLY & names(extra)
    assert "ocr-inference-dev" in names(project["dependency-groups"]["dev"])
    assert project["tool"]["uv"]["sources"]["ocr-inference-dev"] == {
        "path": "dev",
        "editable": True,
    }
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/ocr_inference"
    ]


def test_the_lock_installs_it_with_the_dev_group_only() -> None:
    lock = toml(ROOT / "uv.lock")
    (product,) = (p for p in lock["package"] if p["name"] == "ocr-inference")
    installed = {d["name"] for d in product["dependencies"]}
    for extra in product["optional-dependencies"].values():
        installed |= {d["name"] for d in extra}
    assert not DEV_ONLY & installed
    assert "ocr-inference-dev" in {d["name"] for d in product["dev-dependencies"]["dev"]}


def test_the_images_do_not_need_it() -> None:
    for dockerfile in ROOT.glob("Dockerfile*"):
        copies = [line for line in dockerfile.read_text().splitlines() if line.startswith("COPY")]
        copied = {token.strip("./") for line in copies for token in line.split()[1:]}
        assert copies and "dev" not in copied, dockerfile.name
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "dev" in ignored


def test_the_product_never_imports_it() -> None:
    for path in (ROOT / "src" / "ocr_inference").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            assert not any(m.split(".")[0] == "ocr_dev" for m in modules), path

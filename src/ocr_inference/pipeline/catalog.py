"""Models the user brings: the PaddleX/PaddleOCR models the PP-StructureV3 pipeline is
specified with, which no wheel here ships. They are ONNX exports (``paddle2onnx`` of the
published inference models, or a published ONNX export of them) put under
``OCR_MODEL_DIR``, each found by its model name.

Each entry names its family (which decoder reads it), the input names that family feeds,
and the defaults used where no ``inference.yml`` sits beside the file: class labels and
preprocessing, taken from the models' published ``inference.yml`` and PaddleX's source.
No published SHA-256 of an ONNX export of these models is known to this project, so
``sha256`` is None for all of them; pin your own file's with ``sha256:`` in the pipeline file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL_DIR = Path("models")
EXPORT_NAME = "inference.onnx"  # what paddle2onnx writes into a model's directory
SIDECAR_NAME = "inference.yml"  # what PaddleX publishes beside every inference model

# PP-DocLayout_plus-L's 20 classes, in the order of its inference.yml label_list
LAYOUT_PLUS_LABELS = (
    "paragraph_title", "image", "text", "number", "abstract", "content", "figure_title",
    "formula", "table", "reference", "doc_title", "footnote", "header", "algorithm", "footer",
    "seal", "chart", "formula_number", "aside_text", "reference_content",
)  # fmt: skip
# PP-DocLayout-L/-M/-S's 23 classes
LAYOUT_23_LABELS = (
    "paragraph_title", "image", "text", "number", "abstract", "content", "figure_title",
    "formula", "table", "table_title", "reference", "doc_title", "footnote", "header",
    "algorithm", "footer", "seal", "chart_title", "chart", "formula_number", "header_image",
    "footer_image", "aside_text",
)  # fmt: skip

DETECTION_INPUTS = ("image", "im_shape", "scale_factor")  # PaddleDetection exports
_IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
_UNIT = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))


@dataclass(frozen=True)
class KnownModel:
    """A model the pipeline can read when its file is present.

    Attributes:
        family: ``pp_doclayout`` (PaddleDetection export with a [N, 6] output), ``db``
            (text detection), ``ctc`` (recognition), ``slanext`` (table structure),
            ``lcnet_cls`` (page or line orientation classifier), ``table_cells`` (RT-DETR-L
            cell boxes, a PaddleDetection export like PP-DocLayout's).
        inputs: the input names the family feeds, checked at start-up; () when any name.
        labels: class labels where ``inference.yml`` gives none.
        input_size: (width, height) fed to the model where the file does not fix it.
        mean, std: per-channel normalization of pixels scaled to [0, 1] (RGB order).
    """

    stage: str
    name: str
    family: str
    inputs: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    input_size: tuple[int, int] | None = None
    mean: tuple[float, float, float] = _IMAGENET[0]
    std: tuple[float, float, float] = _IMAGENET[1]
    sha256: str | None = None  # the published export's, where one is known

    def expected_files(self, model_dir: Path) -> tuple[Path, Path]:
        """Where the file is looked for: ``<dir>/<name>/inference.onnx`` (PaddleX's layout,
        its ``inference.yml`` beside it), else ``<dir>/<name>.onnx``."""
        return model_dir / self.name / EXPORT_NAME, model_dir / f"{self.name}.onnx"

    def find(self, model_dir: Path) -> Path | None:
        """The model file under ``model_dir``, or None when it is absent."""
        return next((path for path in self.expected_files(model_dir) if path.is_file()), None)


def _layout(name: str, labels: tuple[str, ...], side: int, unit: bool) -> KnownModel:
    mean, std = _UNIT if unit else _IMAGENET
    return KnownModel(
        "layout", name, "pp_doclayout", DETECTION_INPUTS, labels, (side, side), mean, std
    )


def _cells(name: str) -> KnownModel:
    """An RT-DETR-L table cell detector: a PaddleDetection export of one class."""
    return KnownModel(
        "table_cells", name, "table_cells", DETECTION_INPUTS, ("cell",), (640, 640), *_UNIT
    )


BROUGHT: tuple[KnownModel, ...] = (
    # RT-DETR-L exports normalize by 1/255 only; PicoDet ones (-M, -S) with ImageNet stats
    _layout("PP-DocLayout_plus-L", LAYOUT_PLUS_LABELS, 800, unit=True),
    _layout("PP-DocLayout-L", LAYOUT_23_LABELS, 640, unit=True),
    _layout("PP-DocLayout-M", LAYOUT_23_LABELS, 640, unit=False),
    _layout("PP-DocLayout-S", LAYOUT_23_LABELS, 480, unit=False),
    KnownModel("text_detection", "PP-OCRv5_server_det", "db", ("x",)),
    KnownModel("text_detection", "PP-OCRv5_mobile_det", "db", ("x",)),
    KnownModel("text_detection", "PP-OCRv4_server_det", "db", ("x",)),
    KnownModel("text_detection", "PP-OCRv4_mobile_det", "db", ("x",)),
    KnownModel("text_recognition", "en_PP-OCRv4_mobile_rec", "ctc", ("x",)),
    KnownModel("text_recognition", "PP-OCRv4_mobile_rec", "ctc", ("x",)),
    KnownModel("text_recognition", "PP-OCRv4_server_rec", "ctc", ("x",)),
    KnownModel("text_recognition", "PP-OCRv5_server_rec", "ctc", ("x",)),
    KnownModel("text_recognition", "PP-OCRv5_mobile_rec", "ctc", ("x",)),
    KnownModel("text_recognition", "PP-OCRv4_server_rec_doc", "ctc", ("x",)),
    # SLANet's head (structure tokens + 8 box coordinates per cell) with other weights
    KnownModel("table_structure", "SLANeXt_wired", "slanext", ("x",), input_size=(512, 512)),
    KnownModel("table_structure", "SLANeXt_wireless", "slanext", ("x",), input_size=(512, 512)),
    _cells("RT-DETR-L_wired_table_cell_det"),
    _cells("RT-DETR-L_wireless_table_cell_det"),
    KnownModel("doc_orientation", "PP-LCNet_x1_0_doc_ori", "lcnet_cls", ("x",)),
    KnownModel("textline_orientation", "PP-LCNet_x1_0_textline_ori", "lcnet_cls", ("x",)),
    KnownModel("textline_orientation", "PP-LCNet_x0_25_textline_ori", "lcnet_cls", ("x",)),
)


def brought(stage: str) -> list[str]:
    """Names of the models of a stage that the user may bring."""
    return [model.name for model in BROUGHT if model.stage == stage]


def known(stage: str, name: str) -> KnownModel | None:
    return next((m for m in BROUGHT if m.stage == stage and m.name == name), None)

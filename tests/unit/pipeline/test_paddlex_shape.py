"""A pipeline file in PaddleX's own PP-StructureV3.yaml shape (SubPipelines, SubModules with
module_name, PaddleX-only keys) read into this service's shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ocr_inference.config import load_settings
from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline import PipelineConfig
from ocr_inference.pipeline.paddlex_shape import normalize
from ocr_inference.pipeline.pipeline_file import ignored_keys, load

# PaddleX's layout of the file, with its keys and its current model names; the stages this
# service lacks switched off (as published they are on, which is refused below)
PADDLEX = """\
pipeline_name: PP-StructureV3
batch_size: 8
use_doc_preprocessor: True
use_seal_recognition: False
use_table_recognition: True
use_formula_recognition: False
use_chart_recognition: False
use_region_detection: True

SubModules:
  LayoutDetection:
    module_name: layout_detection
    model_name: PP-DocLayout_plus-L
    model_dir: null
    batch_size: 8
    threshold: {0: 0.3, 2: 0.4, 7: 0.3, 15: 0.45}
    layout_nms: True
    layout_unclip_ratio: [1.0, 1.0]
    layout_merge_bboxes_mode: {0: large, 2: union}
  ChartRecognition:
    module_name: chart_recognition
    model_name: PP-Chart2Table
  RegionDetection:
    module_name: layout_detection
    model_name: PP-DocBlockLayout
    layout_merge_bboxes_mode: small

SubPipelines:
  DocPreprocessor:
    pipeline_name: doc_preprocessor
    batch_size: 8
    use_doc_orientation_classify: True
    use_doc_unwarping: False
    SubModules:
      DocOrientationClassify:
        module_name: doc_text_orientation
        model_name: PP-LCNet_x1_0_doc_ori
        model_dir: null
        batch_size: 8
      DocUnwarping:
        module_name: image_unwarping
        model_name: UVDoc
  GeneralOCR:
    pipeline_name: OCR
    batch_size: 8
    text_type: general
    use_doc_preprocessor: False
    use_textline_orientation: True
    SubModules:
      TextDetection:
        module_name: text_detection
        model_name: PP-OCRv5_server_det
        limit_side_len: 736
        limit_type: min
        max_side_limit: 4000
        thresh: 0.3
        box_thresh: 0.6
        unclip_ratio: 1.5
      TextLineOrientation:
        module_name: textline_orientation
        model_name: PP-LCNet_x1_0_textline_ori
        batch_size: 8
      TextRecognition:
        module_name: text_recognition
        model_name: PP-OCRv5_server_rec
        batch_size: 8
        score_thresh: 0.0
  TableRecognition:
    pipeline_name: table_recognition_v2
    use_layout_detection: False
    use_doc_preprocessor: False
    use_ocr_model: False
    SubModules:
      TableClassification: {module_name: table_classification, model_name: PP-LCNet_x1_0_table_cls}
      WiredTableStructureRecognition:
        module_name: table_structure_recognition
        model_name: SLANeXt_wired
      WirelessTableStructureRecognition:
        module_name: table_structure_recognition
        model_name: SLANet_plus
      WiredTableCellsDetection:
        module_name: table_cells_detection
        model_name: RT-DETR-L_wired_table_cell_det
      WirelessTableCellsDetection:
        module_name: table_cells_detection
        model_name: RT-DETR-L_wireless_table_cell_det
    SubPipelines:
      GeneralOCR:
        pipeline_name: OCR
        SubModules:
          TextDetection: {module_name: text_detection, model_name: PP-OCRv5_server_det}
  SealRecognition:
    pipeline_name: seal_recognition
    SubPipelines:
      SealOCR: {pipeline_name: OCR}
  FormulaRecognition:
    pipeline_name: formula_recognition
    SubModules:
      FormulaRecognition: {module_name: formula_recognition, model_name: PP-FormulaNet_plus-L}
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "PP-StructureV3.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _config(data: dict[str, Any]) -> PipelineConfig:
    return PipelineConfig.model_validate(normalize(data)[0])


def test_the_paddlex_shape_loads_into_ours(tmp_path: Path) -> None:
    config = PipelineConfig.model_validate(load(_file(tmp_path, PADDLEX), {}))
    sub = config.sub_modules
    assert sub.layout_detection.model_name == "PP-DocLayout_plus-L"
    assert sub.layout_detection.threshold == {0: 0.3, 2: 0.4, 7: 0.3, 15: 0.45}
    assert sub.doc_orientation.model_name == "PP-LCNet_x1_0_doc_ori"
    assert config.use_doc_orientation_classify and not config.use_doc_unwarping
    detection = sub.text_detection
    assert detection.model_name == "PP-OCRv5_server_det"
    assert (detection.min_side_len, detection.limit_side_len) == (736, 4000)  # limit_type min
    assert (detection.box_thresh, detection.unclip_ratio) == (0.6, 1.5)
    assert sub.textline_orientation.model_name == "PP-LCNet_x1_0_textline_ori"
    assert sub.textline_orientation.batch_size == 8
    assert sub.text_recognition.model_name == "PP-OCRv5_server_rec"
    assert sub.text_recognition.score_thresh == 0.0
    assert sub.table_recognition.model_name == "SLANeXt_wired"
    assert config.batch_size == 8


def test_keys_not_acted_on_are_listed(tmp_path: Path) -> None:
    ignored = ignored_keys(_file(tmp_path, PADDLEX))
    for key in (
        "use_region_detection",
        "SubModules.LayoutDetection.batch_size",
        "SubModules.LayoutDetection.layout_nms",
        "SubModules.LayoutDetection.layout_unclip_ratio",
        "SubModules.LayoutDetection.layout_merge_bboxes_mode",
        "SubModules.ChartRecognition",
        "SubModules.RegionDetection",
        "SubPipelines.DocPreprocessor.SubModules.DocUnwarping",
        "SubPipelines.GeneralOCR.text_type",
        "SubPipelines.TableRecognition.use_ocr_model",
        "SubPipelines.TableRecognition.SubModules.WirelessTableStructureRecognition",
        "SubPipelines.TableRecognition.SubModules.WiredTableCellsDetection",
        "SubPipelines.TableRecognition.SubPipelines",
        "SubPipelines.SealRecognition",
        "SubPipelines.FormulaRecognition",
    ):
        assert key in ignored
    assert not any("TextDetection.limit_type" in key for key in ignored)  # acted on


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("use_seal_recognition: False", "no seal recognition model"),
        ("use_formula_recognition: False", "no formula recognition model"),
        ("use_chart_recognition: False", "no chart recognition model"),
        ("use_doc_unwarping: False", "no document unwarping model"),
    ],
)
def test_stages_this_service_lacks_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, message: str
) -> None:
    path = _file(tmp_path, PADDLEX.replace(change, change.replace("False", "True")))
    monkeypatch.setenv("OCR_PIPELINE_CONFIG", str(path))
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


def test_unknown_keys_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for where, text in [
        ("LayoutDetection", PADDLEX.replace("layout_nms: True", "layout_nms: True\n    novel: 1")),
        (
            "SubPipelines",
            PADDLEX.replace("text_type: general", "text_type: general\n    novel: 1"),
        ),
        (
            "TextDetection",
            PADDLEX.replace("box_thresh: 0.6", "box_thresh: 0.6\n        novel: 1"),
        ),
    ]:
        monkeypatch.setenv("OCR_PIPELINE_CONFIG", str(_file(tmp_path, text)))
        with pytest.raises(ConfigurationError, match=rf"{where}.*novel"):
            load_settings()


def test_a_module_name_of_another_kind_is_refused() -> None:
    data = yaml.safe_load(PADDLEX)
    data["SubModules"]["LayoutDetection"]["module_name"] = "text_detection"
    with pytest.raises(ConfigurationError, match="'text_detection' is not a layout_detection"):
        _config(data)


def test_our_own_shape_is_unchanged() -> None:
    data = yaml.safe_load(PipelineConfig().to_yaml())
    assert normalize(data) == (data, [])

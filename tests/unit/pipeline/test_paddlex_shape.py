"""A pipeline file in PaddleX's own PP-StructureV3.yaml shape (SubPipelines, SubModules with
module_name, PaddleX-only keys) read into this service's shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ocr_dev.pipeline_files import PADDLEX
from ocr_inference.config import load_settings
from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline import PipelineConfig
from ocr_inference.pipeline.paddlex_shape import normalize
from ocr_inference.pipeline.pipeline_file import ignored_keys, load


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
    assert sub.table_cells_detection is not None
    assert sub.table_cells_detection.model_name == "RT-DETR-L_wired_table_cell_det"
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
        "SubPipelines.TableRecognition.SubModules.WirelessTableCellsDetection",
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

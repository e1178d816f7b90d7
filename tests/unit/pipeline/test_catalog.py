"""Models the user brings under OCR_MODEL_DIR: found by name, every missing one named in one
message, and their checksums checked where the pipeline file pins them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_dev.standins import ctc_recognition, doclayout, recognition_sidecar
from ocr_inference.errors import ModelError
from ocr_inference.pipeline import PipelineConfig, models
from ocr_inference.pipeline.catalog import BROUGHT, known

SPECIFIED = {  # the specification's models, by stage
    "layout": "PP-DocLayout_plus-L",
    "text_detection": "PP-OCRv5_server_det",
    "text_recognition": "en_PP-OCRv4_mobile_rec",
    "table_structure": "SLANeXt_wired",
}


def _specified(**extra: object) -> PipelineConfig:
    return PipelineConfig.model_validate(
        {
            "SubModules": {
                "LayoutDetection": {"model_name": SPECIFIED["layout"], **extra},
                "TextDetection": {"model_name": SPECIFIED["text_detection"]},
                "TextRecognition": {"model_name": SPECIFIED["text_recognition"]},
                "TableRecognition": {"model_name": SPECIFIED["table_structure"]},
            }
        }
    )


def test_the_specified_models_are_known_with_their_families() -> None:
    for stage, name in SPECIFIED.items():
        entry = known(stage, name)
        assert entry is not None and entry.name == name
    assert len({(m.stage, m.name) for m in BROUGHT}) == len(BROUGHT)
    layout = known("layout", "PP-DocLayout_plus-L")
    assert layout is not None and len(layout.labels) == 20 and layout.input_size == (800, 800)


def test_every_missing_model_is_named_in_one_message(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as raised:
        _specified().resolve_models(tmp_path)
    message = raised.value.message
    assert message.startswith(f"4 model file(s) missing (OCR_MODEL_DIR={tmp_path};")
    for stage_key, name in [
        ("LayoutDetection", "PP-DocLayout_plus-L"),
        ("TextDetection", "PP-OCRv5_server_det"),
        ("TextRecognition", "en_PP-OCRv4_mobile_rec"),
        ("TableRecognition", "SLANeXt_wired"),
    ]:
        line = next(line for line in message.splitlines() if f"SubModules.{stage_key}:" in line)
        assert f"{tmp_path}/{name}/inference.onnx" in line  # where, and the file name
        assert f"{tmp_path}/{name}.onnx" in line
        assert "published SHA-256: not known" in line


def test_a_model_is_found_in_its_folder_or_as_a_single_file(tmp_path: Path) -> None:
    doclayout(tmp_path / "PP-DocLayout_plus-L" / "inference.onnx", [(2, 0.9, 0, 0, 9, 9)])
    ctc_recognition(tmp_path / "en_PP-OCRv4_mobile_rec.onnx", classes=4)
    config = PipelineConfig.model_validate(
        {
            "use_table_recognition": False,
            "SubModules": {
                "LayoutDetection": {"model_name": "PP-DocLayout_plus-L"},
                "TextRecognition": {"model_name": "en_PP-OCRv4_mobile_rec"},
            },
        }
    )
    resolved = config.resolve_models(tmp_path)
    layout = resolved["SubModules.LayoutDetection"]
    assert layout.family == "pp_doclayout" and layout.inputs == (
        "image",
        "im_shape",
        "scale_factor",
    )
    assert layout.sha256 == models.sha256_of(layout.path)
    assert layout.facts.labels[0] == "paragraph_title"  # defaults: no inference.yml beside it
    assert resolved["SubModules.TextRecognition"].path == tmp_path / "en_PP-OCRv4_mobile_rec.onnx"


def test_the_dictionary_comes_from_the_inference_yml_beside_the_model(tmp_path: Path) -> None:
    folder = tmp_path / "en_PP-OCRv4_mobile_rec"
    ctc_recognition(folder / "inference.onnx", classes=5)
    recognition_sidecar(folder / "inference.yml", ["x", "y", "z"])
    config = PipelineConfig.model_validate(
        {"SubModules": {"TextRecognition": {"model_name": "en_PP-OCRv4_mobile_rec"}}}
    )
    resolved = config.sub_modules.text_recognition.resolve("SubModules.TextRecognition", tmp_path)
    assert resolved.facts.characters == ("x", "y", "z")


def test_a_pinned_checksum_is_checked(tmp_path: Path) -> None:
    path = doclayout(tmp_path / "PP-DocLayout_plus-L.onnx", [(2, 0.9, 0, 0, 9, 9)])
    actual = models.sha256_of(path)
    choice = _specified(sha256=actual).sub_modules.layout_detection
    assert choice.resolve("SubModules.LayoutDetection", tmp_path).sha256 == actual
    wrong = _specified(sha256="0" * 64).sub_modules.layout_detection
    with pytest.raises(ModelError, match="checksum mismatch") as raised:
        wrong.resolve("SubModules.LayoutDetection", tmp_path)
    assert actual in raised.value.message and "0" * 64 in raised.value.message


def test_a_pinned_checksum_of_a_shipped_model_is_checked_too() -> None:
    config = PipelineConfig.model_validate({"SubModules": {"TextDetection": {"sha256": "f" * 64}}})
    with pytest.raises(ModelError, match=r"SubModules\.TextDetection\.sha256: checksum mismatch"):
        config.sub_modules.text_detection.resolve("SubModules.TextDetection")


def test_a_checksum_must_be_sha256_hex() -> None:
    with pytest.raises(ValueError, match="sha256"):
        _specified(sha256="abc")


def test_unknown_names_are_refused_naming_both_lists() -> None:
    with pytest.raises(ValueError, match="nor one you may bring under OCR_MODEL_DIR"):
        PipelineConfig.model_validate({"SubModules": {"LayoutDetection": {"model_name": "x"}}})


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
def test_the_specified_text_models_run_through_the_shipped_decoders(
    tmp_path: Path, engine: str
) -> None:
    """PP-OCRv5_server_det and en_PP-OCRv4_mobile_rec stand-ins (input x; a DB probability
    map; CTC probabilities over blank, the inference.yml dictionary and space)."""
    import numpy as np

    from ocr_dev.factories import PAGE_LINES, text_image  # rows at y = 60 and 156
    from ocr_dev.standins import db_detection
    from ocr_inference.documents import Page
    from ocr_inference.pipeline import Pipeline
    from ocr_inference.pipeline.engine import EngineConfig

    db_detection(tmp_path / "PP-OCRv5_server_det" / "inference.onnx")
    folder = tmp_path / "en_PP-OCRv4_mobile_rec"
    ctc_recognition(folder / "inference.onnx", classes=5)
    recognition_sidecar(folder / "inference.yml", ["x", "y", "z"])
    config = PipelineConfig.model_validate(
        {
            "use_doc_orientation_classify": False,
            "use_textline_orientation": False,
            "use_layout_detection": False,
            "use_table_recognition": False,
            "SubModules": {
                "TextDetection": {"model_name": "PP-OCRv5_server_det"},
                "TextRecognition": {"model_name": "en_PP-OCRv4_mobile_rec"},
            },
        }
    )
    pipeline = Pipeline(config, EngineConfig(device="cpu", engine=engine), model_dir=tmp_path)  # type: ignore[arg-type]
    result = pipeline.run([Page(1, np.asarray(text_image(PAGE_LINES[0])), None)])
    assert len(result.detections) == len(PAGE_LINES[0])  # one per line
    for detection, line_top in zip(result.detections, (60, 156), strict=True):
        assert set(detection.text) == {"x"}  # the inference.yml dictionary's first character
        assert detection.confidence > 0.9
        ys = [y for _, y in detection.box]
        assert min(ys) <= line_top + 10 and max(ys) >= line_top + 35  # the line's row
    assert [(m.name, m.engine) for m in result.meta.models] == [
        ("PP-OCRv5_server_det", engine),
        ("en_PP-OCRv4_mobile_rec", engine),
    ]


def test_a_missing_file_of_ones_own_is_in_the_same_message(tmp_path: Path) -> None:
    own = PipelineConfig.model_validate(
        {
            "SubModules": {
                "LayoutDetection": {"model_name": "PP-DocLayout_plus-L"},
                "TextRecognition": {"model_path": str(tmp_path / "mine.onnx")},
            }
        }
    )
    with pytest.raises(ModelError) as raised:
        own.resolve_models(tmp_path)
    lines = raised.value.message.splitlines()
    assert lines[0].startswith("2 model file(s) missing")
    assert (
        f"  SubModules.TextRecognition.model_path: model file not found: {tmp_path}/mine.onnx"
        in lines
    )


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
def test_the_pp_lcnet_orientation_models_are_fed_at_their_input_sizes(
    tmp_path: Path, engine: str
) -> None:
    """PaddleX's PP-LCNet page (224x224, 0/90/180/270) and line (80x160, 0/180) orientation
    stand-ins: fixed input sizes, so a tensor of any other size would stop the engine."""
    import numpy as np

    from ocr_dev.factories import PAGE_LINES, text_image
    from ocr_dev.standins import classifier
    from ocr_inference.documents import Page
    from ocr_inference.pipeline import Pipeline
    from ocr_inference.pipeline.engine import EngineConfig

    classifier(tmp_path / "PP-LCNet_x1_0_doc_ori.onnx", (224, 224), [0.9, 0.05, 0.03, 0.02])
    classifier(tmp_path / "PP-LCNet_x1_0_textline_ori.onnx", (80, 160), [0.97, 0.03])
    config = PipelineConfig.model_validate(
        {
            "use_layout_detection": False,
            "use_table_recognition": False,
            "SubModules": {
                "DocOrientation": {"model_name": "PP-LCNet_x1_0_doc_ori"},
                "TextLineOrientation": {"model_name": "PP-LCNet_x1_0_textline_ori"},
            },
        }
    )
    pipeline = Pipeline(config, EngineConfig(device="cpu", engine=engine), model_dir=tmp_path)  # type: ignore[arg-type]
    result = pipeline.run([Page(1, np.asarray(text_image(PAGE_LINES[0])), None)])
    assert [d.text for d in result.detections] == PAGE_LINES[0]  # upright, not turned
    assert result.pages[0].rotation == 0
    used = {m.name: m.engine for m in result.meta.models}
    assert used["PP-LCNet_x1_0_doc_ori"] == used["PP-LCNet_x1_0_textline_ori"] == engine

"""The pipeline file: packaged defaults, overrides from a file and the environment, and
start-up errors that name the key at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ocr_inference.config import load_settings
from ocr_inference.errors import ConfigurationError, ModelError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.config import (
    DEFAULT_FILE,
    LayoutDetectionConfig,
    PipelineConfig,
    TextDetectionConfig,
)
from ocr_inference.pipeline.pipeline_file import load, locate, profiles, read_file

CDLA = ["text", "title", "figure", "figure_caption", "table", "table_caption"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_packaged_file_spells_out_exactly_the_defaults() -> None:
    assert PipelineConfig.model_validate(read_file(DEFAULT_FILE)) == PipelineConfig()


def test_the_packaged_file_has_the_seed_shape() -> None:
    data = read_file(DEFAULT_FILE)
    for key in ("pipeline_name", "batch_size", "use_doc_preprocessor", "use_table_recognition"):
        assert key in data
    assert set(data["SubModules"]) >= {"LayoutDetection", "TextDetection", "TextRecognition"}
    assert data["SubModules"]["LayoutDetection"]["threshold"][0] == 0.5


def test_a_partial_file_changes_only_its_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "batch_size: 2\nSubModules:\n  TextDetection:\n    limit_side_len: 1280\n",
    )
    config = PipelineConfig.model_validate(load(path, {}))
    assert config.batch_size == 2
    assert config.sub_modules.text_detection.limit_side_len == 1280
    assert config.sub_modules.text_detection.thresh == TextDetectionConfig().thresh
    assert config.use_layout_detection


def test_environment_wins_over_the_file_key_by_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "SubModules:\n  LayoutDetection:\n    threshold: {0: 0.3, 1: 0.6}\n"
        "  TextDetection:\n    limit_side_len: 1280\n",
    )
    environ = {
        "OCR_PIPELINE__SUBMODULES__TEXTDETECTION__LIMIT_SIDE_LEN": "1600",
        "OCR_PIPELINE__SUB_MODULES__LAYOUT_DETECTION__THRESHOLD__table": "0.45",
        "OCR_PIPELINE__SUBMODULES__LAYOUTDETECTION__THRESHOLD__1": "0.7",
        "OCR_PIPELINE__SUBMODULES__LAYOUTDETECTION__INPUT_SIZE": "[608, 800]",
        "OCR_PIPELINE__USE_TEXTLINE_ORIENTATION": "false",
        "OCR_DPI": "200",  # not the pipeline's: ignored here
    }
    config = PipelineConfig.model_validate(load(path, environ))
    layout = config.sub_modules.layout_detection
    assert config.sub_modules.text_detection.limit_side_len == 1600
    assert layout.threshold == {0: 0.3, 1: 0.7, "table": 0.45}
    assert layout.input_size == (608, 800)
    assert not config.use_textline_orientation


def test_settings_read_the_file_named_by_ocr_pipeline_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "pipeline_name: mine\nuse_table_recognition: false\n")
    monkeypatch.setenv("OCR_PIPELINE_CONFIG", str(path))
    monkeypatch.setenv("OCR_PIPELINE__BATCH_SIZE", "3")
    settings = load_settings()
    assert settings.pipeline_file == path
    assert settings.pipeline.pipeline_name == "mine"
    assert not settings.pipeline.use_table_recognition
    assert settings.pipeline.batch_size == 3


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("SubModules:\n  TextDetection:\n    bogus: 1\n", "SubModules.TextDetection.bogus"),
        ("use_everything: true\n", "use_everything"),
        ("batch_size: 0\n", "batch_size"),
        ("SubModules:\n  TextDetection:\n    thresh: 1.5\n", "TextDetection.thresh"),
        ("SubModules:\n  LayoutDetection:\n    threshold: {0: 2}\n", "threshold"),
        ("use_seal_recognition: true\n", "use_seal_recognition"),
        ("use_formula_recognition: true\n", "use_formula_recognition"),
        ("use_chart_recognition: true\n", "use_chart_recognition"),
        ("use_doc_unwarping: true\n", "use_doc_unwarping"),
        ("use_layout_detection: false\n", "use_table_recognition needs use_layout_detection"),
        ("SubModules:\n  TextRecognition:\n    model_name: nope\n", "TextRecognition"),
    ],
)
def test_bad_files_fail_at_start_up_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, named: str
) -> None:
    monkeypatch.setenv("OCR_PIPELINE_CONFIG", str(write(tmp_path, text)))
    with pytest.raises(ConfigurationError, match=named) as caught:
        load_settings()
    assert str(tmp_path) in caught.value.message  # and says which file


@pytest.mark.parametrize(
    ("variable", "named"),
    [
        ("OCR_PIPELINE__SUBMODULES__TEXTDETECTON__THRESH", "no key 'TEXTDETECTON'"),
        ("OCR_PIPELINE__BATCH_SIZE__X", "batch_size has no sub-keys"),
        ("OCR_PIPELINE__SUBMODULES", "names a section"),
    ],
)
def test_unknown_environment_keys_name_the_variable(variable: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named) as caught:
        load(DEFAULT_FILE, {variable: "1"})
    assert variable in caught.value.message


@pytest.mark.parametrize(
    ("text", "problem"),
    [("a: [1, 2\n", "not valid YAML"), ("- 1\n- 2\n", "expected a mapping")],
)
def test_unreadable_files_are_named(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        read_file(write(tmp_path, text))
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_file(tmp_path / "missing.yaml")


def test_per_class_thresholds_by_id_or_label() -> None:
    layout = LayoutDetectionConfig(threshold={0: 0.3, "table": 0.4})
    assert layout.class_threshold(CDLA) == {0: 0.3, 1: 0.5, 2: 0.5, 3: 0.5, 4: 0.4, 5: 0.5}
    assert LayoutDetectionConfig(threshold=0.7).class_threshold(CDLA[:2]) == {0: 0.7, 1: 0.7}
    with pytest.raises(ConfigurationError, match="no class 'seal'"):
        LayoutDetectionConfig(threshold={"seal": 0.3}).class_threshold(CDLA)
    with pytest.raises(ConfigurationError, match="no class 12"):
        LayoutDetectionConfig(threshold={12: 0.3}).class_threshold(CDLA)


def test_stage_batch_sizes_fall_back_to_the_pipeline_batch_size() -> None:
    config = PipelineConfig.model_validate(
        {"batch_size": 4, "SubModules": {"TextRecognition": {"batch_size": 16}}}
    )
    assert (config.line_batch_size, config.cls_batch_size) == (16, 4)


def test_switched_off_stages_load_no_model() -> None:
    config = PipelineConfig(
        use_doc_preprocessor=False, use_layout_detection=False, use_table_recognition=False
    )
    assert [key for key, _ in config.stages()] == [
        "SubModules.TextDetection",
        "SubModules.TextLineOrientation",
        "SubModules.TextRecognition",
    ]


def test_shipped_models_resolve_with_their_checksums() -> None:
    for key, choice in PipelineConfig().stages():
        resolved = choice.resolve(key)
        assert resolved.name == choice.model_name
        assert resolved.sha256 == models.get(choice.stage, choice.model_name).sha256


def test_own_models_by_path_or_directory(tmp_path: Path) -> None:
    shipped = TextDetectionConfig().resolve("SubModules.TextDetection").path
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "inference.onnx").write_bytes(shipped.read_bytes())
    by_dir = TextDetectionConfig(model_name="my_det", model_dir=tmp_path / "export")
    resolved = by_dir.resolve("SubModules.TextDetection")
    assert (resolved.name, resolved.path) == ("my_det", tmp_path / "export" / "inference.onnx")
    by_path = TextDetectionConfig(model_path=tmp_path / "export" / "inference.onnx")
    assert by_path.resolve("SubModules.TextDetection").name == "inference"  # not the shipped name
    missing = TextDetectionConfig(model_path=tmp_path / "nope.onnx")
    with pytest.raises(ModelError, match=r"SubModules\.TextDetection\.model_path: .*nope\.onnx"):
        missing.resolve("SubModules.TextDetection")
    with pytest.raises(ValueError, match="not both"):
        TextDetectionConfig(model_dir=tmp_path, model_path=shipped)


def test_the_effective_config_prints_as_a_loadable_file(tmp_path: Path) -> None:
    config = PipelineConfig.model_validate(
        {"use_table_recognition": False, "SubModules": {"LayoutDetection": {"threshold": 0.4}}}
    )
    text = config.to_yaml()
    assert yaml.safe_load(text)["SubModules"]["LayoutDetection"]["threshold"] == 0.4
    assert PipelineConfig.model_validate(load(write(tmp_path, text), {})) == config


@pytest.mark.parametrize("name", profiles())
def test_every_shipped_profile_is_a_valid_pipeline_file(name: str) -> None:
    config = PipelineConfig.model_validate(load(locate(name), {}))
    for key, choice in config.stages():
        assert choice.resolve(key).path.is_file()


def test_profiles_are_chosen_by_name_or_path(tmp_path: Path) -> None:
    assert {"PP-StructureV3", "text-accurate", "text-fast", "text-mixed"} <= set(profiles())
    assert locate(None) == DEFAULT_FILE
    fast = PipelineConfig.model_validate(load(locate("text-fast"), {}))
    assert fast.sub_modules.text_recognition.model_name == "PP-OCRv6_tiny_rec"
    assert not fast.use_layout_detection
    assert locate(str(tmp_path / "mine.yaml")) == tmp_path / "mine.yaml"  # read later
    with pytest.raises(ConfigurationError, match="not a shipped profile"):
        locate("text-fastest")


def test_the_environment_can_switch_on_an_optional_section() -> None:
    data = load(
        locate(None),
        {
            "OCR_PIPELINE__SUBMODULES__TABLECELLSDETECTION__MODEL_NAME": (
                "RT-DETR-L_wireless_table_cell_det"
            ),
            "OCR_PIPELINE__SUBMODULES__TABLECELLSDETECTION__MIN_IOU": "0.6",
        },
    )
    cells = PipelineConfig.model_validate(data).sub_modules.table_cells_detection
    assert cells is not None
    assert (cells.model_name, cells.min_iou) == ("RT-DETR-L_wireless_table_cell_det", 0.6)
    stages = [key for key, _ in PipelineConfig.model_validate(data).stages()]
    assert stages[-1] == "SubModules.TableCellsDetection"

"""PaddleX's own ``PP-StructureV3.yaml`` shape, read into this service's.

PaddleX nests the OCR and table models in ``SubPipelines`` (``DocPreprocessor``,
``GeneralOCR``, ``TableRecognition``, ...), names each module's kind in ``module_name`` and
carries keys for stages this service runs differently or not at all. ``normalize`` moves
the sections this service acts on to where its own file has them, and sets aside the keys
PaddleX knows that it does not act on, returning their paths (``config show`` lists them).
An unknown key in a sub-pipeline is refused here; anything else is left where it is, for
validation to refuse as an unknown key, or a switch that asks for a stage this service lacks
(seal, formula, chart, unwarping).
"""

from __future__ import annotations

from typing import Any

from ocr_inference.errors import ConfigurationError

# sub-module key -> (our SubModules key, its module_name in PaddleX, keys set aside)
_MODULES: dict[str, tuple[str, str, frozenset[str]]] = {
    "LayoutDetection": (
        "LayoutDetection",
        "layout_detection",
        frozenset(
            {
                "batch_size",
                "layout_nms",
                "layout_unclip_ratio",
                "layout_merge_bboxes_mode",
                "layout_shape_mode",
            }
        ),
    ),
    "DocOrientationClassify": ("DocOrientation", "doc_text_orientation", frozenset({"batch_size"})),
    "TextDetection": ("TextDetection", "text_detection", frozenset({"batch_size"})),
    "TextLineOrientation": ("TextLineOrientation", "textline_orientation", frozenset()),
    "TextRecognition": ("TextRecognition", "text_recognition", frozenset()),
    "WiredTableStructureRecognition": (
        "TableRecognition",
        "table_structure_recognition",
        frozenset({"batch_size"}),
    ),
    "WiredTableCellsDetection": (
        "TableCellsDetection",
        "table_cells_detection",
        frozenset({"batch_size"}),
    ),
}
# sections PaddleX knows whose models this service does not run (their switches, where they
# have one, must be off): set aside whole
_SET_ASIDE_MODULES = frozenset(
    {
        "DocUnwarping",
        "ChartRecognition",
        "RegionDetection",
        "FormulaRecognition",
        "SealTextDetection",
        "TableClassification",
        "TableOrientationClassify",
        "WirelessTableStructureRecognition",
        "WirelessTableCellsDetection",
    }
)
_SET_ASIDE_PIPELINES = frozenset({"SealRecognition", "FormulaRecognition", "ChartRecognition"})
# top-level and sub-pipeline switches and settings this service does not act on
_SET_ASIDE_KEYS = frozenset(
    {
        "pipeline_name",
        "batch_size",
        "text_type",
        "use_general_ocr",
        "use_region_detection",
        "use_doc_preprocessor",
        "use_layout_detection",
        "use_ocr_model",
        "use_ocr_results_with_table_cells",
        "use_e2e_wired_table_rec_model",
        "use_e2e_wireless_table_rec_model",
        "use_wired_table_cells_trans_to_html",
        "use_wireless_table_cells_trans_to_html",
        "use_table_orientation_classify",
        "format_block_content",
        "markdown_ignore_labels",
    }
)
# sub-pipeline switches that set the top-level one of the same name
_RAISED = frozenset(
    {"use_doc_orientation_classify", "use_doc_unwarping", "use_textline_orientation"}
)
_TOP_SET_ASIDE = frozenset(
    {"use_general_ocr", "use_region_detection", "format_block_content", "markdown_ignore_labels"}
)


def normalize(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The file's mapping in this service's shape, and the paths of the keys set aside.

    Raises:
        ConfigurationError: a ``module_name`` names another kind of module than its section,
            or ``use_general_ocr`` is off (this service always reads text).
    """
    result = {k: v for k, v in data.items() if k != "SubPipelines"}
    if isinstance(data.get("SubModules"), dict):
        del result["SubModules"]
    ignored: list[str] = []
    if data.get("use_general_ocr") is False:
        raise ConfigurationError("use_general_ocr: false is not supported: text is always read")
    for key in sorted(_TOP_SET_ASIDE & result.keys()):
        ignored.append(key)
        del result[key]
    modules: dict[str, Any] = {}
    _modules(data.get("SubModules"), "SubModules", modules, ignored)
    pipelines = data.get("SubPipelines") or {}
    if not isinstance(pipelines, dict):
        raise ConfigurationError("SubPipelines: expected a mapping")
    for name, section in pipelines.items():
        where = f"SubPipelines.{name}"
        if name in _SET_ASIDE_PIPELINES or not isinstance(section, dict):
            ignored.append(where)
            continue
        for key, value in section.items():
            if key == "SubModules":
                _modules(value, f"{where}.SubModules", modules, ignored)
            elif key == "SubPipelines":
                ignored.append(f"{where}.SubPipelines")  # the table's own OCR: the page's is used
            elif key in _RAISED:
                result.setdefault(key, value)
            elif key in _SET_ASIDE_KEYS:
                ignored.append(f"{where}.{key}")
            else:
                raise ConfigurationError(
                    f"{where}.{key}: not a key of PaddleX's PP-StructureV3 that this service "
                    "knows (unknown keys are refused)"
                )
    if modules:
        result["SubModules"] = modules
    return result, ignored


def _modules(sections: Any, where: str, modules: dict[str, Any], ignored: list[str]) -> None:
    """Move the sub-module sections at ``where`` into ``modules`` (ours), noting set-asides."""
    if not isinstance(sections, dict):
        return  # None, or left in place for validation to refuse
    for name, section in sections.items():
        path = f"{where}.{name}"
        if name in _SET_ASIDE_MODULES:
            ignored.append(path)
            continue
        if name not in _MODULES or not isinstance(section, dict):
            modules[name] = section  # left for validation to refuse, or ours already
            continue
        ours, module_name, set_aside = _MODULES[name]
        given = section.get("module_name", module_name)
        if given != module_name:
            raise ConfigurationError(f"{path}.module_name: {given!r} is not a {module_name} module")
        kept = {}
        for key, value in section.items():
            if key in set_aside:
                ignored.append(f"{path}.{key}")
            elif key != "module_name":  # checked above
                kept[key] = value
        modules[ours] = _side_limits(kept) if ours == "TextDetection" else kept


def _side_limits(section: dict[str, Any]) -> dict[str, Any]:
    """PaddleX's ``limit_type``/``limit_side_len``/``max_side_limit`` as this service's
    ``min_side_len`` (short side enlarged to) and ``limit_side_len`` (long side cut to)."""
    kind = section.pop("limit_type", "max")
    longest = section.pop("max_side_limit", None)
    if kind == "min" and "limit_side_len" in section:
        section["min_side_len"] = section.pop("limit_side_len")
    elif kind not in ("min", "max"):
        raise ConfigurationError(f"TextDetection.limit_type: {kind!r} is not min or max")
    if longest is not None:
        section.setdefault("limit_side_len", longest)
    return section

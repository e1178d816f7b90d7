"""Pipeline files the tests load: the specification's own snippet and one in PaddleX's
published PP-StructureV3.yaml shape."""

from __future__ import annotations

# The specification's PP-StructureV3.yaml snippet, as written (its comments included).
SNIPPET = """\
pipeline_name: PP-StructureV3
batch_size: 4
use_doc_preprocessor: True
use_table_recognition: True

SubModules:
  LayoutDetection:
    model_name: PP-DocLayout_plus-L
    threshold:
      0: 0.3  # Text regions
      1: 0.5  # Titles
      2: 0.4  # Lists
      # ... additional classes
"""

# PaddleX's layout of the file, with its keys and its current model names; the stages this
# service lacks switched off (as PaddleX publishes it they are on, which is refused)
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

"""SLANeXt table structure with RT-DETR-L cell boxes refining its cells: on synthetic
arrays, and end to end through ``Pipeline`` on every engine with stand-in graphs of the
real exports' signatures under OCR_MODEL_DIR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr_dev.factories import text_image
from ocr_dev.standins import doclayout, doclayout_sidecar, slanext, table_sidecar
from ocr_inference.documents import Page
from ocr_inference.pipeline import Pipeline, PipelineConfig
from ocr_inference.pipeline.catalog import LAYOUT_PLUS_LABELS
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.table_cells import refine

PAGE = (1400, 500)
TABLE = (40.0, 40.0, 1360.0, 200.0)  # the table block on the page
PAD = 6  # the pipeline crops the block with this margin
CROP = (TABLE[0] - PAD, TABLE[1] - PAD, TABLE[2] + PAD, TABLE[3] + PAD)
CROP_W, CROP_H = CROP[2] - CROP[0], CROP[3] - CROP[1]
TOKENS = [
    "<thead>",
    "</thead>",
    "<tbody>",
    "</tbody>",
    "<tr>",
    "</tr>",
    "<td>",
    "<td",
    ">",
    "</td>",
]
# SLANet's vocabulary: sos, the tokens without <td>, then <td></td> and eos
SOS, TBODY, END_TBODY, TR, END_TR, TD, EOS = 0, 3, 4, 5, 6, 10, 11
STRUCTURE_CELLS = [(10.0, 10.0, 640.0, 160.0), (700.0, 10.0, 1320.0, 160.0)]  # crop pixels
DETECTED_CELLS = [(0.0, 0.0, 660.0, 172.0), (690.0, 0.0, 1332.0, 172.0)]


def _quad(rect: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = rect
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_refine_takes_the_best_overlapping_detected_box() -> None:
    cells = [_quad(r) for r in STRUCTURE_CELLS] + [_quad((2000, 0, 2100, 50))]
    detected = np.array(DETECTED_CELLS, dtype=np.float32)
    refined = refine(cells, detected, min_iou=0.5)
    assert np.allclose(refined[0], _quad(DETECTED_CELLS[0]))
    assert np.allclose(refined[1], _quad(DETECTED_CELLS[1]))
    assert np.allclose(refined[2], cells[2])  # overlaps nothing: kept
    assert all(
        np.allclose(a, b) for a, b in zip(refine(cells, detected[:0], 0.5), cells, strict=True)
    )


def _models(root: Path, with_cells: bool) -> None:
    sx, sy = 800 / PAGE[0], 800 / PAGE[1]
    layout = root / "PP-DocLayout_plus-L"
    table_row = (8, 0.9, TABLE[0] * sx, TABLE[1] * sy, TABLE[2] * sx, TABLE[3] * sy)
    doclayout(layout / "inference.onnx", [table_row])
    doclayout_sidecar(layout / "inference.yml", LAYOUT_PLUS_LABELS)
    side = max(CROP_W, CROP_H)  # SLANet's boxes are fractions of the padded square
    locs = [[0.0] * 8 for _ in range(8)]
    for step, (x0, y0, x1, y1) in zip((3, 4), STRUCTURE_CELLS, strict=True):
        locs[step] = [
            x0 / side,
            y0 / side,
            x1 / side,
            y0 / side,
            x1 / side,
            y1 / side,
            x0 / side,
            y1 / side,
        ]
    structure = root / "SLANeXt_wired"
    slanext(
        structure / "inference.onnx", [SOS, TBODY, TR, TD, TD, END_TR, END_TBODY, EOS], locs, 12
    )
    table_sidecar(structure / "inference.yml", TOKENS)
    if with_cells:
        cx, cy = 640 / CROP_W, 640 / CROP_H
        rows = [(0, 0.8, x0 * cx, y0 * cy, x1 * cx, y1 * cy) for x0, y0, x1, y1 in DETECTED_CELLS]
        rows.append((0, 0.1, 0, 0, 50, 50))  # below the 0.3 threshold
        doclayout(root / "RT-DETR-L_wired_table_cell_det.onnx", rows, side=640)


@pytest.mark.parametrize("engine", ["onnxruntime", "openvino"])
@pytest.mark.parametrize("with_cells", [True, False])
def test_slanext_and_cell_detection_run_end_to_end(
    tmp_path: Path, engine: str, with_cells: bool
) -> None:
    _models(tmp_path, with_cells)
    sub_modules: dict[str, object] = {
        "LayoutDetection": {"model_name": "PP-DocLayout_plus-L"},
        "TableRecognition": {"model_name": "SLANeXt_wired"},
    }
    if with_cells:
        sub_modules["TableCellsDetection"] = {"model_name": "RT-DETR-L_wired_table_cell_det"}
    config = PipelineConfig.model_validate(
        {"use_doc_orientation_classify": False, "SubModules": sub_modules}
    )
    pipeline = Pipeline(config, EngineConfig(device="cpu", engine=engine), model_dir=tmp_path)  # type: ignore[arg-type]
    page = Page(1, np.asarray(text_image(["Amount"], size=PAGE)), None)
    result = pipeline.run([page])

    assert [block.label for block in result.layout] == ["table"]
    (table,) = result.tables
    assert table.html == "<table><tbody><tr><td>Amount</td><td></td></tr></tbody></table>"
    expected = DETECTED_CELLS if with_cells else STRUCTURE_CELLS
    for cell, rect in zip(table.cells, expected, strict=True):
        xs, ys = [p[0] for p in cell.box], [p[1] for p in cell.box]
        on_page = (rect[0] + CROP[0], rect[1] + CROP[1], rect[2] + CROP[0], rect[3] + CROP[1])
        assert (min(xs), min(ys), max(xs), max(ys)) == pytest.approx(on_page, abs=2)
    assert [(c.row, c.col) for c in table.cells] == [(0, 0), (0, 1)]
    names = [model.name for model in result.meta.models]
    assert ("RT-DETR-L_wired_table_cell_det" in names) is with_cells
    assert "SLANeXt_wired" in names

"""Text layers read from PDFs written by the tests (known drawing coordinates) and from real
born-digital PDFs in ../shared/eval."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_dev.evaluation import page_scores
from ocr_dev.factories import PdfPage, multipage, pdf_document, text_image
from ocr_inference.documents import Limits, Page, open_document
from ocr_inference.documents.text_layer import Quad, TextLayer

DPI = 150
SCALE = DPI / 72
FONT = 24
TEXTS = [(72.0, 500.0, "Invoice number 4711"), (72.0, 450.0, "Total amount 1234.56 EUR")]


def read(data: bytes, dpi: int = DPI) -> Page:
    """The first page, with its text layer."""
    return next(open_document(data, Limits(dpi=dpi), text_layer=True).pages)


def layer_of(page: Page) -> TextLayer:
    assert page.text_layer is not None
    return page.text_layer


def rect(quad: Quad) -> tuple[int, int, int, int]:
    xs, ys = [x for x, _ in quad], [y for _, y in quad]
    return min(xs), min(ys), max(xs), max(ys)


def assert_boxes_hold_the_ink(page: Page) -> None:
    """Every dark pixel of the rendered page lies in a line box; every word box has ink."""
    layer = layer_of(page)
    dark = page.image.min(axis=2) < 100
    covered = np.zeros_like(dark)
    for line in layer.lines:
        x0, y0, x1, y1 = rect(line.quad)
        covered[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3] = True
        for word in line.words:
            wx0, wy0, wx1, wy1 = rect(word.quad)
            assert x0 <= wx0 < wx1 <= x1 and y0 <= wy0 < wy1 <= y1
            assert dark[wy0:wy1, wx0:wx1].any(), word
    assert dark.any() and not (dark & ~covered).any()


def test_text_pdf_gives_its_lines_and_words_where_they_are_drawn() -> None:
    page = read(pdf_document([PdfPage(TEXTS, font_size=FONT)]))
    layer = layer_of(page)
    assert layer.usable and layer.rotation == 0
    assert [line.text for line in layer.lines] == [text for _, _, text in TEXTS]
    assert [w.text for w in layer.lines[1].words] == ["Total", "amount", "1234.56", "EUR"]
    for line, (x, y, _) in zip(layer.lines, TEXTS, strict=True):
        x0, y0, x1, y1 = rect(line.quad)
        baseline = (792 - y) * SCALE  # PDF y points up from the bottom of the page
        assert abs(x0 - x * SCALE) <= 2
        assert y0 < baseline < y1
        assert 0.9 * FONT * SCALE <= y1 - y0 <= 1.4 * FONT * SCALE
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = line.quad  # clockwise from top-left
        assert (ax, ay) == (x0, y0) and (bx, by) == (x1, y0)
        assert (cx, cy) == (x1, y1) and (dx, dy) == (x0, y1)
    assert_boxes_hold_the_ink(page)


# where a baseline starting at PDF point (x, y) starts on the rendered page (in points),
# and which way the text then runs on it, for a 612 x 792 pt MediaBox
TURNS = {
    "rotate 90": (90, None, 90, lambda x, y: (y, x), (0, 1)),
    "rotate 180": (180, None, 180, lambda x, y: (612 - x, y), (-1, 0)),
    "rotate 270": (270, None, 270, lambda x, y: (792 - y, 612 - x), (0, -1)),
    # content drawn turned, undone by /Rotate: a landscape page that reads upright
    "rotate 90, upright": (90, (0, 1, -1, 0, 612, 0), 0, lambda x, y: (x, 612 - y), (1, 0)),
}


@pytest.mark.parametrize("case", TURNS)
def test_boxes_of_rotated_pages_land_on_the_page_as_rendered(case: str) -> None:
    rotate, matrix, rotation, start, (ux, uy) = TURNS[case]
    page = read(pdf_document([PdfPage(TEXTS, rotate=rotate, matrix=matrix)]))
    layer = layer_of(page)
    assert layer.usable and layer.rotation == rotation
    assert [line.text for line in layer.lines] == [text for _, _, text in TEXTS]
    for line, (x, y, _) in zip(layer.lines, TEXTS, strict=True):
        first, second, _, last = (np.array(p, dtype=float) for p in line.quad)
        along = (second - first) / np.linalg.norm(second - first)
        assert np.allclose(along, (ux, uy))  # the first point is where the text starts
        # the baseline's start lies on the box's starting edge, between top and bottom
        origin = np.array(start(x, y)) * SCALE
        edge = last - first
        t = float(np.dot(origin - first, edge) / np.dot(edge, edge))
        assert 0 < t < 1 and np.linalg.norm(first + t * edge - origin) <= 2
    assert_boxes_hold_the_ink(page)


def test_media_box_and_crop_box_away_from_the_origin() -> None:
    pdf = PdfPage(
        [(172.0, 900.0, "Invoice number 4711 of today")],
        media_box=(100, 200, 712, 992),
        crop_box=(150, 250, 662, 942),
    )
    page = read(pdf_document([pdf]))
    (line,) = layer_of(page).lines
    x0, y0, _, y1 = rect(line.quad)
    assert (page.width, page.height) == (round(512 * SCALE), round(692 * SCALE))
    assert abs(x0 - (172 - 150) * SCALE) <= 2 and y0 < (942 - 900) * SCALE < y1
    assert_boxes_hold_the_ink(page)


def test_text_layer_is_read_only_when_asked() -> None:
    (page,) = open_document(pdf_document([PdfPage(TEXTS)])).pages
    assert page.text_layer is None


def test_image_only_pdf_has_no_usable_text_layer() -> None:
    page = read(multipage([text_image(["Invoice number 4711"] * 4)], "PDF"))
    layer = layer_of(page)
    assert not layer.usable and layer.lines == ()
    assert layer.reason == "0 visible characters (0 hidden)"


def test_invisible_text_over_a_scan_is_not_trusted() -> None:
    scan = text_image([text for _, _, text in TEXTS], size=(612, 792))
    page = read(pdf_document([PdfPage(TEXTS * 3, render_mode=3, image=scan)]))
    layer = layer_of(page)
    assert not layer.usable and layer.lines == ()
    assert layer.reason is not None and "hidden" in layer.reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("\x01\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13", "valid text"),
        ("(cid:12)(cid:15)(cid:7) (cid:88)(cid:3)", "valid text"),
        ("#$% &*+ =-/ <>[] {}", "letters or digits"),
    ],
)
def test_garbage_text_layers_are_rejected(text: str, why: str) -> None:
    texts = [(72.0, 700.0 - 30 * row, text) for row in range(6)]
    layer = layer_of(read(pdf_document([PdfPage(texts)])))
    assert not layer.usable and layer.reason is not None and why in layer.reason


def test_a_few_characters_over_a_full_page_image_are_not_a_text_layer() -> None:
    scan = text_image(["Invoice number 4711"] * 6, size=(612, 792))
    stamp = [(72.0, 30.0, "Scanned 2024-01-01, page 1 of 3")]
    layer = layer_of(read(pdf_document([PdfPage(stamp, font_size=10, image=scan)])))
    assert not layer.usable and layer.reason is not None and "mostly images" in layer.reason
    # the same text on a page without the image is all there is to read
    assert layer_of(read(pdf_document([PdfPage(stamp, font_size=10)]))).usable


def test_real_born_digital_page_matches_its_ground_truth(eval_dir: Path) -> None:
    pdf = sorted((eval_dir / "docbank").glob("*.pdf"))[0]
    truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    page = read(pdf.read_bytes(), dpi=200)  # the ground truth's boxes are at 200 dpi
    layer = layer_of(page)
    assert layer.usable and (page.width, page.height) == (truth["width"], truth["height"])
    predicted = [(line.text, [list(p) for p in line.quad]) for line in layer.lines]
    expected = [(line["text"], line["box"]) for line in truth["lines"]]
    assert page_scores(expected, predicted, "docbank")["bow_f1"] >= 0.95
    # words are where the ground truth has them: same text, boxes overlapping
    boxes: dict[str, list[tuple[float, ...]]] = {}
    for line in truth["lines"]:
        for word in line["words"]:
            (x0, y0), _, (x1, y1), _ = word["box"]
            boxes.setdefault(word["text"], []).append((x0, y0, x1, y1))
    words = [word for line in layer.lines for word in line.words]
    placed = sum(
        any(_iou(rect(word.quad), box) >= 0.5 for box in boxes.get(word.text, [])) for word in words
    )
    assert placed >= 0.9 * len(words), (placed, len(words))


def test_real_rotated_page_has_its_cells_where_the_ground_truth_has_them(
    eval_dir: Path,
) -> None:
    folder = eval_dir / "icdar2013_tables"
    truth = json.loads((folder / "eu-015_t1_r1_p1.json").read_text(encoding="utf-8"))
    assert truth["pdf_rotate"] == 90
    page = read((folder / truth["pdf"]).read_bytes(), dpi=truth["dpi"])
    layer = layer_of(page)
    assert layer.usable and layer.rotation == 0
    rendered = np.asarray(Image.open(folder / truth["image"]).convert("L"))
    assert rendered.shape == (page.height, page.width)
    cells = [c for c in truth["cells"] if c["text"] and "\n" not in c["text"]]
    for cell in cells:
        (x0, y0), _, (x1, y1), _ = cell["box"]
        found = [
            line
            for line in layer.lines
            if line.text == cell["text"]
            and x0 - 4 <= sum(x for x, _ in line.quad) / 4 <= x1 + 4
            and y0 - 4 <= sum(y for _, y in line.quad) / 4 <= y1 + 4
        ]
        assert found, cell
    assert len(cells) >= 20


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(
        0.0, min(a[3], b[3]) - max(a[1], b[1])
    )
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0

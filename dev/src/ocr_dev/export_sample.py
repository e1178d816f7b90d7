"""A two-page result (``sample_result``) whose boxes are where ``text_image`` draws words."""

from __future__ import annotations

import numpy as np
from PIL import ImageFont

from ocr_dev.factories import PAGE_LINES, text_image
from ocr_inference.schemas import (
    Block,
    Detection,
    DocumentResult,
    ModelInfo,
    PageInfo,
    ResultMeta,
    Table,
    Word,
)

FONT_SIZE = 48
PAGES = [PAGE_LINES[1], PAGE_LINES[2]]


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[list[int]]:
    x0, y0, x1, y1 = round(x0), round(y0), round(x1), round(y1)
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _line(text: str, row: int, page_number: int) -> Detection:
    font = ImageFont.load_default(size=FONT_SIZE)
    top, bottom = 60 + row * FONT_SIZE * 2, 60 + row * FONT_SIZE * 2 + FONT_SIZE
    words, tokens = [], text.split(" ")
    for i, token in enumerate(tokens):
        prefix = " ".join(tokens[:i]) + (" " if i else "")
        x0, x1 = 60 + font.getlength(prefix), 60 + font.getlength(prefix + token)
        words.append(Word(text=token, box=_rect(x0, top, x1, bottom), confidence=0.97))
    box = _rect(60, top, 60 + font.getlength(text), bottom)
    return Detection(
        text=text, box=box, confidence=0.98, page_number=page_number, block=0, words=words
    )


def page_images() -> list[np.ndarray]:
    return [np.asarray(text_image(lines, font_size=FONT_SIZE)) for lines in PAGES]


def sample_result() -> DocumentResult:
    detections: list[Detection] = []
    layout: list[Block] = []
    pages: list[PageInfo] = []
    for number, lines in enumerate(PAGES, start=1):
        page_lines = [_line(text, row, number) for row, text in enumerate(lines)]
        for line in page_lines:
            line.block = len(layout)
        detections += page_lines
        layout.append(
            Block(
                page_number=number,
                label="text",
                box=_rect(50, 50, 1300, 300),
                confidence=0.9,
                order=0,
                text="\n".join(lines),
            )
        )
        pages.append(PageInfo(page_number=number, width=1400, height=500, dpi=None))
    table = Table(
        page_number=2, block=1, box=_rect(50, 50, 1300, 300), html="<table></table>", cells=[]
    )
    meta = ResultMeta(
        pipeline="test", models=[ModelInfo(name="m", sha256="0" * 64)], seconds=1.0, device="cpu"
    )
    return DocumentResult(
        detections=detections, pages=pages, meta=meta, layout=layout, tables=[table]
    )

"""Table structure with SLANet-plus (or SLANeXt, which has its head): HTML structure tokens
and one box per cell, then the cells are filled with the text lines recognized inside them."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from ocr_inference.pipeline.batching import imagenet_bgr
from ocr_inference.pipeline.engine import Model
from ocr_inference.pipeline.geometry import Image, Quad, bounds, row_order
from ocr_inference.pipeline.reading_order import Rect, containing

_CELL_STARTS = ("<td></td>", "<td")
_SPAN = re.compile(r'(rowspan|colspan)="(\d+)"')


@dataclass
class TableStructure:
    tokens: list[str] = field(default_factory=list)
    cells: list[Quad] = field(default_factory=list)  # in the table image's pixels
    seconds: float = 0.0


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    row_span: int
    col_span: int


def to_tensor(image: Image, side: int) -> tuple[npt.NDArray[np.float32], float]:
    """Longest side to ``side``, ImageNet normalization (BGR), zero padding to a square."""
    height, width = image.shape[:2]
    ratio = side / max(height, width)
    size = (max(1, int(width * ratio)), max(1, int(height * ratio)))
    resized = cv2.resize(image, size)
    padded = np.zeros((side, side, 3), dtype=np.float32)
    padded[: size[1], : size[0]] = imagenet_bgr(resized)
    return np.ascontiguousarray(padded.transpose(2, 0, 1)[np.newaxis]), ratio


def vocabulary(metadata: Mapping[str, str], given: Sequence[str] = ()) -> list[str]:
    """Structure tokens: ``given`` (an ``inference.yml``'s ``character_dict``), else the
    model's ``character`` metadata."""
    tokens = list(given) or metadata["character"].splitlines()
    # the model predicts an empty cell as one token
    tokens = [t for t in tokens if t != "<td>"] + (
        ["<td></td>"] if "<td></td>" not in tokens else []
    )
    return ["sos", *tokens, "eos"]


def decode(
    probs: npt.NDArray[np.float32], locs: npt.NDArray[np.float32], vocab: list[str], scale: float
) -> tuple[list[str], list[Quad]]:
    """Structure tokens up to the end token, and a quad for each cell-start token."""
    tokens: list[str] = []
    cells: list[Quad] = []
    for step, index in enumerate(probs.argmax(axis=1)):
        token = vocab[int(index)]
        if token == "eos" and step > 0:
            break
        if token in ("sos", "eos"):
            continue
        tokens.append(token)
        if token in _CELL_STARTS:
            cells.append((locs[step].reshape(4, 2) * scale).astype(np.float32))
    return tokens, cells


def grid(tokens: Sequence[str]) -> list[GridCell]:
    """Row, column and spans of each cell, in token order, skipping slots that row spans
    from rows above already occupy."""
    cells: list[GridCell] = []
    occupied: set[tuple[int, int]] = set()
    row, col = -1, 0
    for position, token in enumerate(tokens):
        if token == "<tr>":
            row, col = row + 1, 0
            continue
        if token not in _CELL_STARTS:
            continue
        spans = {"rowspan": 1, "colspan": 1}
        if token == "<td":
            for attribute in tokens[position + 1 :]:
                if attribute == ">":
                    break
                for name, value in _SPAN.findall(attribute):
                    spans[name] = max(1, int(value))
        row = max(row, 0)
        while (row, col) in occupied:
            col += 1
        cell = GridCell(row, col, spans["rowspan"], spans["colspan"])
        occupied.update(
            (r, c) for r in range(row, row + cell.row_span) for c in range(col, col + cell.col_span)
        )
        cells.append(cell)
        col += cell.col_span
    return cells


def fill(cells: Sequence[Quad], lines: Sequence[tuple[Quad, str]]) -> list[str]:
    """Text of each cell: the lines whose centre lies in it, in reading order."""
    rects: list[Rect] = [bounds(quad) for quad in cells]
    members: list[list[int]] = [[] for _ in cells]
    for index, (quad, _) in enumerate(lines):
        centre = (float(quad[:, 0].mean()), float(quad[:, 1].mean()))
        owner = containing(centre, rects, margin=4.0)
        if owner is None and rects:
            owner = min(range(len(rects)), key=lambda i: _distance(centre, rects[i]))
        if owner is not None:
            members[owner].append(index)
    texts = []
    for group in members:
        order = row_order([lines[i][0] for i in group])
        texts.append(" ".join(lines[group[k]][1] for k in order))
    return texts


def _distance(point: tuple[float, float], rect: Rect) -> float:
    dx = max(rect[0] - point[0], 0.0, point[0] - rect[2])
    dy = max(rect[1] - point[1], 0.0, point[1] - rect[3])
    return float(np.hypot(dx, dy))


def to_html(tokens: Sequence[str], texts: Sequence[str]) -> str:
    """``<table>`` HTML with each cell's text escaped into it."""
    parts: list[str] = ["<table>"]
    cell = 0
    for token in tokens:
        if token == "<td></td>":
            parts.append(f"<td>{html.escape(texts[cell]) if cell < len(texts) else ''}</td>")
            cell += 1
        elif token == "</td>":
            parts.append(f"{html.escape(texts[cell]) if cell < len(texts) else ''}</td>")
            cell += 1
        else:
            parts.append(token)
    parts.append("</table>")
    return "".join(parts)


class TableRecognizer:
    """Predicts the structure of a table image (cropped to the table)."""

    def __init__(self, model: Model, side: int, tokens: Sequence[str] = ()) -> None:
        self._model = model
        self._vocab = vocabulary(model.metadata, tokens)
        self._side = side

    def __call__(self, image: Image) -> TableStructure:
        start = time.perf_counter()
        tensor, ratio = to_tensor(image, self._side)
        locs, probs = self._model(tensor)
        tokens, cells = decode(probs[0], locs[0], self._vocab, self._side / ratio)
        self._model.release()
        return TableStructure(tokens, cells, time.perf_counter() - start)

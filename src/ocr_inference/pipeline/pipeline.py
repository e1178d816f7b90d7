"""The OCR pipeline: pages in, a DocumentResult out. Reads top to bottom in ``run_page``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ocr_inference.documents import Page
from ocr_inference.documents.text_layer import Quad as LayerQuad
from ocr_inference.documents.text_layer import TextLayer
from ocr_inference.errors import ConfigurationError
from ocr_inference.pipeline import models
from ocr_inference.pipeline.assembly import ResultBuilder
from ocr_inference.pipeline.config import ModelChoice, PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig, Engines, Loader, Model
from ocr_inference.pipeline.geometry import Image, Quad, to_submitted, turn_upright
from ocr_inference.pipeline.layout import LayoutDetector
from ocr_inference.pipeline.lines import LineReader, ReadLine, Timings
from ocr_inference.pipeline.page_orientation import PageOrientation
from ocr_inference.pipeline.reading_order import arrange
from ocr_inference.pipeline.tables import GridCell, TableRecognizer, fill, grid, to_html
from ocr_inference.pipeline.text_detection import TextDetector
from ocr_inference.pipeline.text_orientation import TextlineOrientation
from ocr_inference.pipeline.text_recognition import TextRecognizer
from ocr_inference.schemas import (
    Block,
    Detection,
    DocumentResult,
    ModelInfo,
    PageInfo,
    ResultMeta,
    Table,
    TableCell,
    Word,
)

ProgressCallback = Callable[[int, int], None]
Source = Literal["text_layer", "ocr"]


class Pipeline:
    """Page orientation, text lines, layout and tables over document pages.

    Built once per process (model loading is the expensive part); ``run`` keeps no state
    between calls, so one instance serves any number of documents. ``loader`` runs the
    models: the engines ``engine`` configures, or a fake one in tests of the plumbing.
    """

    def __init__(
        self,
        config: PipelineConfig,
        engine: EngineConfig | None = None,
        loader: Loader | None = None,
    ) -> None:
        self.config = config
        self.engine = engine or EngineConfig()
        self._loader = loader or Engines(self.engine)
        self.device = self._loader.device
        stages = config.sub_modules
        self.models: list[ModelInfo] = []  # in stage order, for the result's meta
        self._page_orientation = (
            PageOrientation(self._model(stages.doc_orientation, "DocOrientation"))
            if config.orientation_on
            else None
        )
        detector = TextDetector(
            self._model(stages.text_detection, "TextDetection"), stages.text_detection
        )
        orientation = (
            TextlineOrientation(
                self._model(stages.textline_orientation, "TextLineOrientation"),
                stages.textline_orientation.threshold,
                config.cls_batch_size,
            )
            if config.use_textline_orientation
            else None
        )
        recognition = stages.text_recognition
        resolved = recognition.resolve("SubModules.TextRecognition")
        self._lines = LineReader(
            detector,
            TextRecognizer(
                self._model(recognition, "TextRecognition", resolved),
                config.line_batch_size,
                recognition.character_dict_path or resolved.charset,
            ),
            orientation,
            recognition.score_thresh,
            stages.textline_orientation.min_gain,
        )
        self._layout = (
            LayoutDetector(
                self._model(stages.layout_detection, "LayoutDetection"),
                stages.layout_detection,
            )
            if config.use_layout_detection
            else None
        )
        self._tables = (
            TableRecognizer(
                self._model(stages.table_recognition, "TableRecognition"),
                stages.table_recognition.input_size,
            )
            if config.use_table_recognition
            else None
        )

    def _model(
        self, choice: ModelChoice, stage: str, resolved: models.ResolvedModel | None = None
    ) -> Model:
        """Resolve and verify a stage's model, load it on its engine and record both."""
        found = resolved or choice.resolve(f"SubModules.{stage}")
        model = self._loader.load(choice.stage, found.name, found.path, found.cpu_engine)
        self.models.append(
            ModelInfo(
                name=found.name,
                sha256=found.sha256,
                engine=model.engine,
                precision=model.precision,
            )
        )
        return model

    def run(
        self,
        pages: Iterable[Page],
        page_count: int | None = None,
        on_page: ProgressCallback | None = None,
    ) -> DocumentResult:
        """OCR every page; ``on_page(done, total)`` is called after each one."""
        start = time.perf_counter()
        builder = ResultBuilder()
        timings = Timings()
        for done, page in enumerate(pages, start=1):
            outcome = self.run_page(page, timings)
            info = PageInfo(
                page_number=page.number,
                width=page.width,
                height=page.height,
                dpi=page.dpi,
                rotation=outcome.rotation,
                source=outcome.source,
            )
            builder.add(info, outcome.detections, outcome.blocks, outcome.tables)
            if on_page is not None:
                on_page(done, page_count or done)
        meta = ResultMeta(
            pipeline=self.config.pipeline_name,
            models=self.models,
            seconds=round(time.perf_counter() - start, 3),
            device=self.device,
            threads=self.engine.intra_op_threads,
            stage_seconds=timings.rounded(),
        )
        return builder.build(meta)

    def run_page(self, page: Page, timings: Timings | None = None) -> PageOutcome:
        """Text lines and layout blocks of one page in reading order, boxes in the page's
        pixel coordinates as submitted; ``Detection.block`` indexes the page's blocks.

        The lines come from the page's text layer instead of OCR when ``text_layer`` in the
        pipeline file says so (``_text_layer``). ``timings`` adds up each stage's seconds."""
        timings = Timings() if timings is None else timings
        layer = self._text_layer(page)
        rotation = 0
        if layer is not None:
            rotation = layer.rotation
        elif self._page_orientation is not None:
            turned = self._page_orientation(page.image)
            timings["page_orientation"] += turned.seconds
            rotation = turned.rotation
        image = turn_upright(page.image, rotation)
        lines = self._lines(image, timings) if layer is None else _layer_lines(layer, page)
        regions = []
        if self._layout is not None:
            found = self._layout(image)
            timings["layout"] += found.seconds
            regions = found.blocks
        height, width = image.shape[:2]

        def submitted(quad: Quad) -> list[list[int]]:
            return _to_points(to_submitted(quad, rotation, width, height))

        order, owners = arrange(regions, [line.quad for line in lines])
        block_rank: dict[int | None, int] = {r: rank for rank, r in enumerate(order.blocks)}
        detections = [
            Detection(
                text=lines[i][1],
                box=submitted(lines[i][0]),
                confidence=round(lines[i][2], 4),
                page_number=page.number,
                block=block_rank.get(owners[i]),
                words=[
                    Word(text=text, box=submitted(quad), confidence=round(confidence, 4))
                    for text, quad, confidence in lines[i].words
                ],
            )
            for i in order.lines
        ]
        blocks = [
            Block(
                page_number=page.number,
                label=regions[region].label,
                box=submitted(_rect_quad(regions[region].box)),
                confidence=round(regions[region].confidence, 4),
                order=rank,
                text="\n".join(d.text for d in detections if d.block == rank),
            )
            for rank, region in enumerate(order.blocks)
        ]
        tables = []
        if self._tables is not None:
            for rank, region in enumerate(order.blocks):
                if regions[region].label == "table":
                    members = [
                        (lines[i][0], lines[i][1]) for i, o in enumerate(owners) if o == region
                    ]
                    table = self._read_table(image, regions[region].box, members, timings)
                    tables.append(
                        Table(
                            page_number=page.number,
                            block=rank,
                            box=blocks[rank].box,
                            html=table.html,
                            cells=[
                                TableCell(
                                    row=cell.row,
                                    col=cell.col,
                                    row_span=cell.row_span,
                                    col_span=cell.col_span,
                                    box=submitted(quad),
                                    text=text,
                                )
                                for cell, quad, text in table.cells
                            ],
                        )
                    )
        source: Source = "ocr" if layer is None else "text_layer"
        return PageOutcome(detections, blocks, rotation, tables, source)

    def _text_layer(self, page: Page) -> TextLayer | None:
        """The text layer to read ``page`` from, or None to OCR it: a usable layer unless
        ``text_layer`` is ``never``; with ``only``, an empty one where there is none."""
        mode = self.config.text_layer
        if mode == "never":
            return None
        if page.text_layer is not None and page.text_layer.usable:
            return page.text_layer
        return TextLayer(reason="no usable text layer") if mode == "only" else None

    def run_table(self, image: Image) -> ReadTable:
        """Structure and text of an image that is one table (a crop), as-is orientation."""
        if self._tables is None:
            raise ConfigurationError("Table recognition is switched off in this pipeline.")
        timings = Timings()
        lines = [(line.quad, line.text) for line in self._lines(image, timings)]
        height, width = image.shape[:2]
        return self._read_table(image, (0.0, 0.0, float(width), float(height)), lines, timings)

    def _read_table(
        self,
        image: Image,
        rect: tuple[float, float, float, float],
        lines: list[tuple[Quad, str]],
        timings: Timings,
    ) -> ReadTable:
        """Structure of the table in ``rect`` with its cells filled from ``lines``; cell
        quads in the page image's pixels."""
        assert self._tables is not None
        height, width = image.shape[:2]
        x0, y0 = max(0, int(rect[0]) - _TABLE_PAD), max(0, int(rect[1]) - _TABLE_PAD)
        x1, y1 = min(width, int(rect[2]) + _TABLE_PAD), min(height, int(rect[3]) + _TABLE_PAD)
        structure = self._tables(np.ascontiguousarray(image[y0:y1, x0:x1]))
        timings["tables"] += structure.seconds
        offset = np.array([x0, y0], dtype=np.float32)
        quads = [quad + offset for quad in structure.cells]
        texts = fill(quads, lines)
        layout = grid(structure.tokens)
        return ReadTable(
            to_html(structure.tokens, texts), list(zip(layout, quads, texts, strict=False))
        )


@dataclass
class PageOutcome:
    detections: list[Detection]
    blocks: list[Block]
    rotation: int
    tables: list[Table] = field(default_factory=list)
    source: Source = "ocr"


@dataclass
class ReadTable:
    html: str
    cells: list[tuple[GridCell, Quad, str]]


_TABLE_PAD = 6  # pixels of margin around a table block, so border cells are whole


def _layer_lines(layer: TextLayer, page: Page) -> list[ReadLine]:
    """A text layer's lines, with the boxes of their words where the layer draws them, as
    read lines of the page turned upright by its rotation."""
    turn = (360 - layer.rotation) % 360  # from the page as rendered to the upright page

    def upright(quad: LayerQuad) -> Quad:
        return to_submitted(np.array(quad, dtype=np.float32), turn, page.width, page.height)

    return [
        ReadLine(
            upright(line.quad),
            line.text,
            1.0,
            [(word.text, upright(word.quad), 1.0) for word in line.words],
        )
        for line in layer.lines
    ]


def _rect_quad(rect: tuple[float, float, float, float]) -> Quad:
    x0, y0, x1, y1 = rect
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def _to_points(quad: Quad) -> list[list[int]]:
    return [[int(x), int(y)] for x, y in np.rint(quad).astype(np.int64)]

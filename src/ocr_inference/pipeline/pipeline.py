"""The OCR pipeline: pages in, a DocumentResult out. Reads top to bottom in ``run_page``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ocr_inference.documents import Page
from ocr_inference.documents.text_layer import TextLayer
from ocr_inference.errors import ConfigurationError, ModelError
from ocr_inference.pipeline.assembly import ResultBuilder, page_result
from ocr_inference.pipeline.catalog import DEFAULT_MODEL_DIR, DETECTION_INPUTS
from ocr_inference.pipeline.config import ModelChoice, PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig, Engines, Loader, Model
from ocr_inference.pipeline.geometry import Image, Quad, turn_upright
from ocr_inference.pipeline.layout import LayoutBlock, LayoutDetector
from ocr_inference.pipeline.layout_doclayout import DocLayoutDetector
from ocr_inference.pipeline.lines import LineReader, Timings
from ocr_inference.pipeline.page_orientation import PageOrientation
from ocr_inference.pipeline.page_records import ReadPage, ReadTable, layer_lines
from ocr_inference.pipeline.reading_order import arrange
from ocr_inference.pipeline.roles import role
from ocr_inference.pipeline.table_cells import TableCellsDetector, refine
from ocr_inference.pipeline.tables import TableRecognizer, fill, grid, to_html
from ocr_inference.pipeline.text_detection import Normalization, TextDetector
from ocr_inference.pipeline.text_orientation import TextlineOrientation
from ocr_inference.pipeline.text_recognition import TextRecognizer
from ocr_inference.schemas import (
    Block,
    Detection,
    DocumentResult,
    ModelInfo,
    PageInfo,
    PageResult,
    ResultMeta,
    Table,
)

ProgressCallback = Callable[[int, int], None]
PageCallback = Callable[[PageResult], None]
Layout = LayoutDetector | DocLayoutDetector
Source = Literal["text_layer", "ocr"]


class Pipeline:
    """The pipeline file's stages, loaded once and run over the pages of any number of
    documents.

    Built once per process: the constructor resolves and verifies each switched-on stage's
    model (the ``models`` of a result's meta; brought ones under ``model_dir``, which is
    ``OCR_MODEL_DIR``) and loads it with ``loader``: the engines
    ``engine`` configures, or a fake one in tests of the plumbing. ``run`` reads a
    document's pages into one DocumentResult and keeps no state between calls.

    Each page (``run_page``) is read from its own text layer when the pipeline file's
    ``text_layer`` allows it and the layer can be trusted; otherwise by OCR: page
    orientation (when switched on) turns it upright, then text detection, line orientation
    (when switched on) and recognition read its lines and words. Either way layout
    detection (when switched on) finds its blocks, lines and blocks are put in reading
    order, table recognition (when switched on) reads the table blocks (their cell boxes
    refined by a cell detector, where one is configured), and every box is mapped back onto
    the page as submitted. ``run_table`` reads an image that is one table.
    """

    def __init__(
        self,
        config: PipelineConfig,
        engine: EngineConfig | None = None,
        loader: Loader | None = None,
        model_dir: Path = DEFAULT_MODEL_DIR,
    ) -> None:
        self.config = config
        self.engine = engine or EngineConfig()
        self._loader = loader or Engines(self.engine)
        self.device = self._loader.device
        self._resolved = config.resolve_models(model_dir)  # every missing file named at once
        stages = config.sub_modules
        self.models: list[ModelInfo] = []  # in stage order, for the result's meta
        self._page_orientation = (
            PageOrientation(self._model(stages.doc_orientation, "DocOrientation"))
            if config.orientation_on
            else None
        )
        self._lines = self._line_reader()
        self._layout = self._layout_detector() if config.use_layout_detection else None
        self._tables = self._table_recognizer() if config.use_table_recognition else None
        cells = stages.table_cells_detection
        self._cells = (
            TableCellsDetector(
                self._model(cells, "TableCellsDetection"),
                cells,
                self._resolved["SubModules.TableCellsDetection"].facts,
            )
            if config.use_table_recognition and cells is not None
            else None
        )

    def _line_reader(self) -> LineReader:
        """Text detection, line orientation and recognition; a brought PaddleOCR detector
        is fed as PaddleOCR feeds it, a recognizer's characters may come from its
        inference.yml."""
        config, stages = self.config, self.config.sub_modules
        found = self._resolved["SubModules.TextDetection"]
        norm = Normalization()
        if found.family == "db" and found.facts.mean and found.facts.std:
            norm = Normalization(found.facts.mean, found.facts.std, bgr=True)
        detector = TextDetector(
            self._model(stages.text_detection, "TextDetection"), stages.text_detection, norm
        )
        orientation = (
            TextlineOrientation(
                self._model(stages.textline_orientation, "TextLineOrientation"),
                stages.textline_orientation.threshold,
                config.cls_batch_size,
                stretch=self._resolved["SubModules.TextLineOrientation"].family == "lcnet_cls",
            )
            if config.use_textline_orientation
            else None
        )
        recognition = stages.text_recognition
        resolved = self._resolved["SubModules.TextRecognition"]
        characters = recognition.character_dict_path or resolved.charset
        return LineReader(
            detector,
            TextRecognizer(
                self._model(recognition, "TextRecognition"),
                config.line_batch_size,
                characters or list(resolved.facts.characters) or None,
                bgr=resolved.family == "ctc",
            ),
            orientation,
            recognition.score_thresh,
            stages.textline_orientation.min_gain,
        )

    def _layout_detector(self) -> Layout:
        """The layout stage's decoder: PP-DocLayout's for a model with its inputs."""
        choice = self.config.sub_modules.layout_detection
        model = self._model(choice, "LayoutDetection")
        resolved = self._resolved["SubModules.LayoutDetection"]
        if resolved.family == "pp_doclayout" or set(model.inputs) == set(DETECTION_INPUTS):
            return DocLayoutDetector(model, choice, resolved.facts)
        return LayoutDetector(model, choice)

    def _table_recognizer(self) -> TableRecognizer:
        """SLANet-plus, or a brought SLANeXt: its tokens and side from its inference.yml."""
        choice = self.config.sub_modules.table_recognition
        model = self._model(choice, "TableRecognition")
        facts = self._resolved["SubModules.TableRecognition"].facts
        side = choice.input_size
        if "input_size" not in choice.model_fields_set and facts.input_size is not None:
            side = facts.input_size[0]
        return TableRecognizer(model, side, facts.characters)

    def _model(self, choice: ModelChoice, stage: str) -> Model:
        """Load a stage's verified model on its engine and record it.

        Raises:
            ModelError: a brought model's inputs are not the ones its family takes.
        """
        key = f"SubModules.{stage}"
        found = self._resolved[key]
        model = self._loader.load(choice.stage, found.name, found.path, found.cpu_engine)
        if found.inputs and set(model.inputs) != set(found.inputs):
            raise ModelError(
                f"{key}: {found.path} has inputs {sorted(model.inputs)}, but a "
                f"{found.family} model such as {found.name} takes {list(found.inputs)}"
            )
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
        on_result: PageCallback | None = None,
    ) -> DocumentResult:
        """OCR every page; after each one, ``on_result(part)`` is called with its own part
        of the result, then ``on_page(done, total)``."""
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
            if on_result is not None:
                on_result(page_result(info, outcome.detections, outcome.blocks, outcome.tables))
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
        rotation = self._rotation(page, timings) if layer is None else layer.rotation
        image = turn_upright(page.image, rotation)
        lines = self._lines(image, timings) if layer is None else layer_lines(layer, page)
        regions = self._regions(image, timings)
        order, owners = arrange(regions, [line.quad for line in lines])
        height, width = image.shape[:2]
        read = ReadPage(page.number, lines, regions, order, owners, rotation, width, height)
        detections = read.detections()
        blocks = read.blocks(detections)
        tables = self._page_tables(image, read, blocks, timings)
        source: Source = "ocr" if layer is None else "text_layer"
        return PageOutcome(detections, blocks, rotation, tables, source)

    def _rotation(self, page: Page, timings: Timings) -> int:
        """How far ``page`` is turned clockwise, by page orientation (0 when it is off)."""
        if self._page_orientation is None:
            return 0
        turned = self._page_orientation(page.image)
        timings["page_orientation"] += turned.seconds
        return turned.rotation

    def _regions(self, image: Image, timings: Timings) -> list[LayoutBlock]:
        """The layout blocks of an upright page image (none when layout detection is off)."""
        if self._layout is None:
            return []
        found = self._layout(image)
        timings["layout"] += found.seconds
        return found.blocks

    def _page_tables(
        self, image: Image, read: ReadPage, blocks: list[Block], timings: Timings
    ) -> list[Table]:
        """The tables of the page's ``table`` blocks, cells filled from the lines in them."""
        if self._tables is None:
            return []
        tables = []
        for rank, region in enumerate(read.order.blocks):
            if role(read.regions[region].label) == "table":
                box, members = read.regions[region].box, read.members(region)
                table = self._read_table(image, box, members, timings)
                tables.append(read.table(table, blocks[rank]))
        return tables

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
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        structure = self._tables(crop)
        timings["tables"] += structure.seconds
        cells = structure.cells
        if self._cells is not None:  # detected cell boxes refine the structure model's
            detected = self._cells(crop)
            timings["tables"] += detected.seconds
            cells = refine(cells, detected.boxes, self._cells.min_iou)
        offset = np.array([x0, y0], dtype=np.float32)
        quads = [quad + offset for quad in cells]
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


_TABLE_PAD = 6  # pixels of margin around a table block, so border cells are whole

"""Pydantic models of the public contract. Fields are only ever added, never renamed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

Point = Annotated[list[int], Field(min_length=2, max_length=2)]
Box = Annotated[
    list[Point],
    Field(
        min_length=4,
        max_length=4,
        description="Four [x, y] pixel points, clockwise from top-left, in page coordinates.",
    ),
]

TaskState = Literal["PENDING", "STARTED", "SUCCESS", "FAILURE"]


class Word(BaseModel):
    """One word of a text line: its text, box and confidence."""

    text: str
    box: Box
    confidence: float = Field(ge=0, le=1)


class Detection(BaseModel):
    text: str
    box: Box
    confidence: float = Field(ge=0, le=1)
    page_number: int = Field(ge=1, description="1-based page index in the submitted file.")
    block: int | None = Field(
        None, description="Index into `layout` of the block holding this line, if any."
    )
    words: list[Word] = Field(
        default_factory=list,
        description="The line's words, left to right as read; their texts joined by spaces "
        "give `text`.",
    )


class Block(BaseModel):
    """A layout region: text, title, figure, figure_caption, table, table_caption, header,
    footer, reference or equation."""

    page_number: int = Field(ge=1)
    label: str
    box: Box
    confidence: float = Field(ge=0, le=1)
    order: int = Field(ge=0, description="Reading order on its page; headers and footers last.")
    text: str = Field(description="The block's text lines in reading order, one per line.")


class TableCell(BaseModel):
    row: int = Field(ge=0)
    col: int = Field(ge=0)
    row_span: int = Field(ge=1)
    col_span: int = Field(ge=1)
    box: Box
    text: str


class Table(BaseModel):
    page_number: int = Field(ge=1)
    block: int = Field(ge=0, description="Index into `layout` of the table's block.")
    box: Box
    html: str = Field(description="`<table>` HTML with row and column spans; text escaped.")
    cells: list[TableCell]


class PageInfo(BaseModel):
    page_number: int = Field(ge=1)
    width: int = Field(description="Width in pixels of the page image the boxes refer to.")
    height: int
    dpi: float | None = Field(description="Render resolution (PDF) or the image's own, if known.")
    rotation: int = Field(
        0, description="Degrees the submitted page was turned clockwise; it was read upright."
    )
    source: Literal["text_layer", "ocr"] = Field(
        "ocr",
        description=(
            "Where the page's text comes from: the PDF's own text layer, or OCR of its image. "
            "With text_layer: only, a page without a usable text layer is text_layer and empty."
        ),
    )


class ModelInfo(BaseModel):
    name: str
    sha256: str
    engine: str | None = Field(
        None, description="What ran it: onnxruntime or openvino (None in older results)."
    )
    precision: str | None = Field(None, description="What it computed in: f32 or bf16.")


class ResultMeta(BaseModel):
    pipeline: str
    models: list[ModelInfo]
    seconds: float = Field(description="Wall time of the pipeline on this document.")
    device: str = Field(description="Where the models ran: cpu or cuda.")
    threads: int | None = Field(None, description="Threads per model call in each process.")
    stage_seconds: dict[str, float] = Field(
        default_factory=dict,
        description="Seconds spent in each stage (page_orientation, text_detection, "
        "textline_orientation, text_recognition, layout, tables), summed over the pages and, "
        "for a document split into page ranges, over its ranges.",
    )


class DocumentResult(BaseModel):
    """What a successful task returns."""

    detections: list[Detection]
    pages: list[PageInfo]
    meta: ResultMeta
    layout: list[Block] = Field(default_factory=list, description="Blocks in reading order.")
    tables: list[Table] = Field(default_factory=list, description="Tables in reading order.")
    markdown: str = Field("", description="The document as Markdown, in reading order.")


class ChunkSource(BaseModel):
    """A layout block, or a paragraph of lines without one, that part of a chunk comes from."""

    page: int = Field(ge=1, description="1-based page number.")
    box: Box


class Chunk(BaseModel):
    """One piece of a document cut for retrieval (the ``chunks`` export)."""

    text: str = Field(
        description="The lines, one per line; blocks separated by a blank line; tables as "
        "Markdown with their caption."
    )
    headings: list[str] = Field(description="The titles above the text, outermost first.")
    pages: list[int] = Field(description="The pages the text is on, ascending.")
    boxes: list[ChunkSource] = Field(description="Each block the text comes from.")
    chars: int = Field(ge=0, description="Characters of `text`.")
    oversize: bool = Field(
        False, description="One table or one line longer than the chunk size, standing alone."
    )


class ErrorResult(BaseModel):
    """What a failed task returns."""

    error: str
    code: str


class TaskAccepted(BaseModel):
    task_id: str
    status: Literal["pending"] = "pending"
    message: str = "OCR task queued successfully."


class Progress(BaseModel):
    pages_done: int = Field(ge=0)
    pages_total: int = Field(ge=0)


class TaskStatus(BaseModel):
    task_id: str
    status: TaskState
    result: DocumentResult | ErrorResult | None = None
    pending_tasks: int = Field(ge=0, description="Documents queued or running, service-wide.")
    progress: Progress | None = Field(None, description="Pages done so far, while STARTED.")
    queue_position: int | None = Field(
        None,
        ge=0,
        description="While PENDING: documents queued before this one and not yet taken by "
        "a worker (an estimate with several workers or priorities; see docs/api.md).",
    )


class PageResult(BaseModel):
    """One page's part of a result, as a ``page`` event carries it: its block indexes
    count within its own ``layout``, as with ``?page=N``."""

    page: PageInfo
    detections: list[Detection]
    layout: list[Block] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    markdown: str = Field("", description="The page as Markdown, in reading order.")


class StreamEnd(BaseModel):
    """The ``end`` event of a result's event stream: how the task ended."""

    status: TaskState
    error: str | None = None
    code: str | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    redis: Literal["ok", "unreachable"]
    workers: int = Field(ge=0, description="Worker processes that reported in recently.")
    models_loaded: bool = Field(description="Whether any live worker has its models loaded.")


class Liveness(BaseModel):
    """``/health/live``: the API process answers."""

    status: Literal["ok"] = "ok"


class WorkerInfo(BaseModel):
    """One live worker process, as its last heartbeat describes it."""

    name: str = Field(description="Host name and process id.")
    pipeline: str | None = Field(description="The pipeline file's pipeline_name.")
    profile: str | None = Field(description="The pipeline file's name (a shipped profile's).")
    engine: str | None = Field(
        description="Engines its loaded models run on, else the configured engine."
    )
    models_loaded: bool
    last_heartbeat: datetime
    settings_hash: str | None = Field(
        description="Hash of the settings that change results or task semantics."
    )
    settings_match: bool = Field(description="Whether settings_hash is the API's.")


class Workers(BaseModel):
    """``/api/v1/workers``: the live workers and whether their settings match the API's."""

    settings_hash: str = Field(description="The API's own settings hash.")
    workers: list[WorkerInfo]
    mismatched: int = Field(ge=0, description="Workers whose settings_hash is not the API's.")


class Problem(BaseModel):
    """Body of every 4xx/5xx answer from the API."""

    detail: str
    code: str

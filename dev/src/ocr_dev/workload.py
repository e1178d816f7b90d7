"""Documents for the fault-injection runs, and the check that a result holds every page
of its document once, in order, with the right text."""

from __future__ import annotations

import random
from typing import Any

from PIL.PngImagePlugin import PngInfo

from ocr_dev.factories import PAGE_LINES, document_page, encode, multipage, text_image


def document(pages: int, first: int = 0) -> bytes:
    """A TIFF of ``pages`` pages; page ``k`` (0-based) shows ``PAGE_LINES[(first + k) % 3]``."""
    return multipage([text_image(PAGE_LINES[(first + k) % 3]) for k in range(pages)], "TIFF")


def marked_document(marker: bytes) -> bytes:
    """A one-page PNG carrying ``marker`` (``key\\0value``) as a text chunk, the way
    ``ocr_dev.faulty_worker`` is asked for a fault."""
    key, value = marker.split(b"\x00")
    info = PngInfo()
    info.add_text(key.decode(), value.decode())
    data = encode(document_page(1), "PNG", pnginfo=info)
    assert marker in data
    return data


def workload(count: int, max_pages: int, seed: int = 0) -> list[tuple[int, int]]:
    """``count`` (pages, first) pairs: documents of 1 to ``max_pages`` pages."""
    rng = random.Random(seed)
    return [(rng.randint(1, max_pages), rng.randrange(3)) for _ in range(count)]


def result_problems(body: dict[str, Any], pages: int, first: int) -> list[str]:
    """What is wrong with a task's final status; empty when it holds the whole document."""
    if body["status"] != "SUCCESS":
        return [f"{body['status']}: {body.get('result')}"]
    result = body["result"]
    problems = []
    numbers = [page["page_number"] for page in result["pages"]]
    if numbers != list(range(1, pages + 1)):
        problems.append(f"pages {numbers}, expected 1..{pages}")
    for k in range(pages):
        lines = [d["text"] for d in result["detections"] if d["page_number"] == k + 1]
        if lines != PAGE_LINES[(first + k) % 3]:
            problems.append(f"page {k + 1} reads {lines}")
    return problems

"""Parts of a document as documents of their own: the pages of each range of a split
document, copied once so that the range's task reads only them. A PDF part is a PDF of
those pages (rendered at the same DPI, its text layer intact); an image part is a
multi-page TIFF of those frames, lossless and with their DPI. A part's pages are numbered
from 1; whoever reads it gives them back their numbers in the document."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ocr_inference.documents.images import image_subsets
from ocr_inference.documents.loader import detect_type
from ocr_inference.documents.pdf import pdf_subsets
from ocr_inference.documents.sniff import DocumentType


def page_subsets(data: bytes, groups: Sequence[Sequence[int]]) -> Iterator[bytes | None]:
    """For each group of 0-based page indexes of the document ``data`` (which
    ``open_document`` has accepted), a document of those pages in that order, or None
    where they cannot be copied (such a group is read from the whole document instead,
    which reports why). Made one group at a time, as they are iterated.

    Raises:
        InputError: ``data`` cannot be opened at all.
    """
    if detect_type(data) is DocumentType.PDF:
        return pdf_subsets(data, groups)
    return image_subsets(data, groups)

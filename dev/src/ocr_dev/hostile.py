"""Hostile and broken documents, generated in code (no binaries from elsewhere).

One function per case, each returning the bytes in milliseconds. ``CASES`` says what the
service must make of each: refused with an error (a class of ``ocr_inference.errors``,
hence a stable ``code``), or read as the type its first bytes name, the rest ignored.
``open_document`` refuses every one of them from headers, before a page is rendered.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pypdf
from PIL import Image

from ocr_dev.factories import encode, multipage, png_with_header_size, raw_pdf, text_image
from ocr_inference.documents import DocumentType
from ocr_inference.errors import (
    CorruptDocument,
    EmptyFile,
    EncryptedDocument,
    InputError,
    TooManyPages,
    TooManyPixels,
    UnsupportedType,
)

_POINTS_PER_INCH = 72


def _one_page_pdf(media_box: bytes = b"0 0 200 200") -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] >>" % media_box,
        ]
    )


def _small(fmt: str) -> bytes:
    return encode(text_image(["hostile"], size=(240, 80), font_size=24), fmt)


# --- refused at upload: the API answers before anything is queued ---


def empty_file() -> bytes:
    return b""


def zip_with_pdf_after_first_kib() -> bytes:
    """A ZIP whose second entry is a PDF: no PDF header in the first KiB, so no type."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("readme.txt", "x" * 2000)
        archive.writestr("doc.pdf", _one_page_pdf())
    return buffer.getvalue()


# --- refused by the worker (FAILURE with a code), from headers where a limit is hit ---


def png_pixel_bomb() -> bytes:
    """A PNG header claiming 30000 x 30000 pixels over a 1 x 1 image."""
    return png_with_header_size(30000, 30000)


def jpeg_pixel_bomb() -> bytes:
    """A JPEG whose frame header claims 65000 x 65000 pixels."""
    data = bytearray(encode(Image.new("L", (8, 8)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    return bytes(data)


def pdf_huge_page() -> bytes:
    """One page with a 200 x 200 inch MediaBox: 60000 x 60000 pixels at 300 DPI."""
    side = 200 * _POINTS_PER_INCH
    return _one_page_pdf(b"0 0 %d %d" % (side, side))


def pdf_ten_thousand_pages() -> bytes:
    """10,000 pages in 1.6 kB: 100 intermediate nodes, each with 100 references to one page."""
    node = b"3 0 R " * 100
    leaf = b"4 0 R " * 100
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count 10000 >>" % node,
            b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count 100 >>" % leaf,
            b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def pdf_cyclic_page_tree() -> bytes:
    """The page tree lists itself among its own kids."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def pdf_header_over_text() -> bytes:
    return b"%PDF-1.7\nthis is not a pdf\n"


def pdf_truncated() -> bytes:
    data = _one_page_pdf()
    return data[: len(data) // 2]


def pdf_broken_xref_and_trailer() -> bytes:
    """Every xref offset wrong and the trailer's /Root naming an object that is not there:
    nothing for a repair to find."""
    data = re.sub(rb"\d{10} 00000 n", b"0000000001 00000 n", _one_page_pdf())
    return data.replace(b"/Root 1 0 R", b"/Root 9 0 R").replace(b"/Catalog", b"/Nothing")


def pdf_encrypted() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_zero_pages() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def png_truncated() -> bytes:
    data = _small("PNG")
    return data[: len(data) // 2]


def jpeg_truncated() -> bytes:
    data = _small("JPEG")
    return data[: len(data) // 2]


def tiff_truncated() -> bytes:
    data = _small("TIFF")
    return data[: len(data) // 2]


def webp_truncated() -> bytes:
    data = _small("WEBP")
    return data[: len(data) // 2]


def tiff_truncated_in_header() -> bytes:
    """The first IFD cut short: Pillow warns about corrupt EXIF data, then gives up."""
    return _small("TIFF")[:30]


def tiff_frame_without_dimensions() -> bytes:
    """A two-page TIFF whose second page has no ImageWidth tag: Pillow raises TypeError
    while counting the pages."""
    data = bytearray(multipage([Image.new("L", (4, 4), 255)] * 2, "TIFF"))
    first = struct.unpack("<I", data[4:8])[0]
    entries = struct.unpack("<H", data[first : first + 2])[0]
    link = first + 2 + 12 * entries
    second = struct.unpack("<I", data[link : link + 4])[0]
    for index in range(struct.unpack("<H", data[second : second + 2])[0]):
        at = second + 2 + 12 * index
        if data[at : at + 2] == struct.pack("<H", 256):  # ImageWidth becomes a private tag
            data[at : at + 2] = struct.pack("<H", 65000)
    return bytes(data)


def png_signature_over_pdf() -> bytes:
    """A PNG signature, then a PDF: read as the PNG it claims to be, which it is not."""
    return b"\x89PNG\r\n\x1a\n" + _one_page_pdf()


def jpeg_marker_over_pdf() -> bytes:
    """A JPEG start marker, then a PDF."""
    return b"\xff\xd8\xff\xe0" + _one_page_pdf()


def png_text_bomb() -> bytes:
    """A 4 x 4 PNG with a zTXt chunk that inflates to 20 MB."""
    text = b"Comment\x00\x00" + zlib.compress(bytes(20_000_000), 9)
    data = encode(Image.new("L", (4, 4), 255), "PNG")
    return data[:33] + _png_chunk(b"zTXt", text) + data[33:]


# --- read as the type their first bytes name; the rest is never parsed ---


def pdf_broken_xref() -> bytes:
    """Every xref offset wrong: pdfium rebuilds the table by scanning the objects."""
    return re.sub(rb"\d{10} 00000 n", b"0000000001 00000 n", _one_page_pdf())


def jpeg_with_pdf_appended() -> bytes:
    return _small("JPEG") + _one_page_pdf()


def zip_with_pdf_in_first_kib() -> bytes:
    """A ZIP whose first entry is a PDF stored uncompressed: the PDF header is in the
    first KiB, so it is read as the PDF it holds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("doc.pdf", _one_page_pdf())
    return buffer.getvalue()


def tiff_ifd_loop() -> bytes:
    """A TIFF whose first IFD names itself as the next one."""
    data = bytearray(encode(Image.new("L", (4, 4), 255), "TIFF"))
    ifd = struct.unpack("<I", data[4:8])[0]
    entries = struct.unpack("<H", data[ifd : ifd + 2])[0]
    end = ifd + 2 + 12 * entries
    data[end : end + 4] = struct.pack("<I", ifd)
    return bytes(data)


def png_idat_bomb() -> bytes:
    """A 1 x 1 PNG whose pixel data inflates to 20 MB: only one row is ever decoded."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(20_000_000), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


@dataclass(frozen=True)
class Hostile:
    """A case: its bytes, and either the error it is refused with or the type it is read as."""

    build: Callable[[], bytes]
    refused: type[InputError] | None = None
    read_as: DocumentType | None = None

    @property
    def name(self) -> str:
        return self.build.__name__.replace("_", "-")

    @property
    def at_upload(self) -> bool:
        """Refused by the API itself (from the bytes' presence and type)."""
        return self.refused in (EmptyFile, UnsupportedType)


CASES: tuple[Hostile, ...] = (
    Hostile(empty_file, EmptyFile),
    Hostile(zip_with_pdf_after_first_kib, UnsupportedType),
    Hostile(png_pixel_bomb, TooManyPixels),
    Hostile(jpeg_pixel_bomb, TooManyPixels),
    Hostile(pdf_huge_page, TooManyPixels),
    Hostile(pdf_ten_thousand_pages, TooManyPages),
    Hostile(pdf_cyclic_page_tree, CorruptDocument),
    Hostile(pdf_header_over_text, CorruptDocument),
    Hostile(pdf_truncated, CorruptDocument),
    Hostile(pdf_broken_xref_and_trailer, CorruptDocument),
    Hostile(pdf_encrypted, EncryptedDocument),
    Hostile(pdf_zero_pages, CorruptDocument),
    Hostile(png_truncated, CorruptDocument),
    Hostile(jpeg_truncated, CorruptDocument),
    Hostile(tiff_truncated, CorruptDocument),
    Hostile(webp_truncated, CorruptDocument),
    Hostile(tiff_truncated_in_header, CorruptDocument),
    Hostile(tiff_frame_without_dimensions, CorruptDocument),
    Hostile(png_signature_over_pdf, CorruptDocument),
    Hostile(jpeg_marker_over_pdf, CorruptDocument),
    Hostile(png_text_bomb, CorruptDocument),
    Hostile(pdf_broken_xref, read_as=DocumentType.PDF),
    Hostile(jpeg_with_pdf_appended, read_as=DocumentType.JPEG),
    Hostile(zip_with_pdf_in_first_kib, read_as=DocumentType.PDF),
    Hostile(tiff_ifd_loop, read_as=DocumentType.TIFF),
    Hostile(png_idat_bomb, read_as=DocumentType.PNG),
)

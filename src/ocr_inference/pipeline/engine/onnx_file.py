"""What an ONNX file says about itself, read without an inference engine: the
``metadata_props`` that PaddleOCR exports carry (a recognizer's characters, a layout
model's class labels), so that every engine's models offer the same metadata.

An ONNX file is a protobuf ``ModelProto``; its ``metadata_props`` (field 14) are
``StringStringEntryProto`` messages (key 1, value 2). Only the top level is walked: the
graph (field 7) is skipped over by its length, never parsed.
"""

from __future__ import annotations

import mmap
from pathlib import Path

from ocr_inference.errors import ModelError

_METADATA_PROPS = 14
_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


def _varint(data: bytes | mmap.mmap, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(data: bytes | mmap.mmap, start: int, end: int) -> list[tuple[int, int, int]]:
    """(field number, start, end) of each length-delimited field in ``data[start:end]``."""
    found = []
    pos = start
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, pos = _varint(data, pos)
        elif wire == _FIXED64:
            pos += 8
        elif wire == _FIXED32:
            pos += 4
        elif wire == _LENGTH:
            size, pos = _varint(data, pos)
            found.append((number, pos, pos + size))
            pos += size
        else:
            raise ValueError(f"unsupported wire type {wire}")
    if pos != end:
        raise ValueError("field runs past the end")
    return found


def metadata(path: Path) -> dict[str, str]:
    """The model's ``metadata_props`` as a mapping.

    Raises:
        ModelError: the file cannot be read or is not a protobuf message.
    """
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
            props: dict[str, str] = {}
            for number, start, end in _fields(m, 0, len(m)):
                if number != _METADATA_PROPS:
                    continue
                entry = {n: m[s:e].decode("utf-8") for n, s, e in _fields(m, start, end)}
                props[entry.get(1, "")] = entry.get(2, "")
            return props
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"Cannot read {path} as an ONNX model: {exc}") from exc

"""The one table of export formats, and who reads it."""

from __future__ import annotations

import subprocess
import sys
from typing import get_args

from ocr_inference.cli import ExportFormat, OutputFormat
from ocr_inference.exports.formats import FORMATS, LOCAL_FORMATS, FormatName


def test_the_table_has_every_format_name_once() -> None:
    assert list(FORMATS) == list(get_args(FormatName))
    assert all(FORMATS[name].name == name for name in FORMATS)
    assert set(LOCAL_FORMATS) <= set(FORMATS)
    assert len({f.extension for f in FORMATS.values()}) == len(FORMATS)


def test_the_command_line_offers_the_table_s_formats() -> None:
    assert [f.value for f in OutputFormat] == list(LOCAL_FORMATS)  # process --format
    assert [f.value for f in ExportFormat] == list(FORMATS)  # submit --format


def test_the_table_loads_without_numpy() -> None:
    code = (
        "import sys, ocr_inference.exports.formats;"
        "print(sorted({'numpy', 'cv2', 'PIL', 'openvino', 'onnxruntime'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

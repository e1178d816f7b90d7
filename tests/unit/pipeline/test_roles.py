"""One role per layout label, and the table of them in docs/models.md."""

from __future__ import annotations

from pathlib import Path

from ocr_inference.pipeline.catalog import LAYOUT_23_LABELS, LAYOUT_PLUS_LABELS
from ocr_inference.pipeline.roles import labels_by_role, role

DOC = Path(__file__).parents[3] / "docs" / "models.md"
CDLA = ("text", "title", "figure", "figure_caption", "table", "table_caption", "header")


def test_every_label_of_the_known_models_has_a_role() -> None:
    for label in (*CDLA, "footer", "reference", "equation", *LAYOUT_PLUS_LABELS, *LAYOUT_23_LABELS):
        assert role(label) != "other", label
    assert [role(x) for x in ("title", "paragraph_title", "doc_title")] == ["title"] * 3
    assert role("number") == "footer" and role("header_image") == "header"
    assert role("something new") == "other"


def test_the_documented_table_is_the_map() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- roles:")
    table = text[text.index("\n", start) + 1 : text.index("<!-- /roles -->")].splitlines()
    expected = ["| role | labels |", "|---|---|"] + [
        f"| {kind} | " + ", ".join(f"`{label}`" for label in labels) + " |"
        for kind, labels in labels_by_role().items()
    ]
    assert table == expected

"""One map from layout labels to the roles Markdown, reading order and tables act on.

``Block.label`` carries the layout model's own class name (CDLA's ``title``, PP-DocLayout's
``paragraph_title``, ...); everything that treats blocks by kind asks ``role(label)``.
"""

from __future__ import annotations

from typing import Literal

Role = Literal[
    "title", "text", "table", "figure", "caption", "header", "footer", "formula", "other"
]

_ROLES: dict[str, Role] = {
    # CDLA (the shipped layout_cdla)
    "text": "text",
    "title": "title",
    "figure": "figure",
    "figure_caption": "caption",
    "table": "table",
    "table_caption": "caption",
    "header": "header",
    "footer": "footer",
    "reference": "text",
    "equation": "formula",
    # PP-DocLayout_plus-L and PP-DocLayout-L/-M/-S
    "paragraph_title": "title",
    "doc_title": "title",
    "image": "figure",
    "chart": "figure",
    "seal": "figure",
    "number": "footer",  # page numbers: page furniture, like headers and footers
    "abstract": "text",
    "content": "text",
    "algorithm": "text",
    "footnote": "text",
    "aside_text": "text",
    "reference_content": "text",
    "figure_title": "caption",
    "table_title": "caption",
    "chart_title": "caption",
    "figure_table_chart_title": "caption",
    "formula": "formula",
    "formula_number": "formula",
    "header_image": "header",
    "footer_image": "footer",
}

MARGINAL: frozenset[Role] = frozenset({"header", "footer"})


def role(label: str) -> Role:
    """The role of a layout label; ``other`` for a label no model here is known to emit."""
    return _ROLES.get(label, "other")


def labels_by_role() -> dict[Role, list[str]]:
    """Every known label, grouped by role (for the documentation)."""
    grouped: dict[Role, list[str]] = {}
    for label, kind in _ROLES.items():
        grouped.setdefault(kind, []).append(label)
    return grouped

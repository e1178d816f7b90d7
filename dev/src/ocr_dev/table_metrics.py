"""TEDS, the tree-edit-distance similarity of two HTML tables (Zhong et al., PubTabNet).

``TEDS = 1 - TED(a, b) / max(|a|, |b|)`` over the trees of table, tr and td nodes. A td
node holds its spans and its text. Renaming two td nodes with the same spans costs the
normalized Levenshtein distance of their texts. Any other difference costs 1. TEDS-struct
ignores the text. ``thead`` and ``tbody`` are flattened away, because annotations differ
on whether they mark header rows at all. The tree edit distance comes from ``apted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from apted import APTED, Config
from rapidfuzz.distance import Levenshtein


@dataclass
class Node:
    tag: str
    colspan: int = 1
    rowspan: int = 1
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)


class _TableParser(HTMLParser):
    def __init__(self, with_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.with_text = with_text
        self.root: Node | None = None
        self.stack: list[Node] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and self.root is None:
            self.root = Node("table")
            self.stack = [self.root]
        elif tag in ("tr", "td", "th") and self.stack:
            values = dict(attrs)
            node = Node(
                "td" if tag == "th" else tag,
                colspan=_int(values.get("colspan")),
                rowspan=_int(values.get("rowspan")),
            )
            self.stack[-1].children.append(node)
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        wanted = "td" if tag == "th" else tag
        if wanted in ("tr", "td") and len(self.stack) > 1 and self.stack[-1].tag == wanted:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.with_text and self.stack and self.stack[-1].tag == "td":
            self.stack[-1].text += data


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def parse_table(markup: str, with_text: bool = True) -> Node:
    """The first ``<table>`` in ``markup`` as a tree (an empty table if there is none)."""
    parser = _TableParser(with_text)
    parser.feed(markup)
    root = parser.root or Node("table")
    for node in _walk(root):
        node.text = " ".join(node.text.split())
    return root


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


class _Costs(Config):  # type: ignore[misc]
    def rename(self, a: Node, b: Node) -> float:
        if (a.tag, a.colspan, a.rowspan) != (b.tag, b.colspan, b.rowspan):
            return 1.0
        if a.tag == "td" and (a.text or b.text):
            return float(Levenshtein.normalized_distance(a.text, b.text))
        return 0.0

    def children(self, node: Node) -> list[Any]:
        return node.children


def teds(predicted: str, truth: str, structure_only: bool = False) -> float:
    """Similarity in [0, 1] of two HTML tables; 1 means identical."""
    a = parse_table(predicted, with_text=not structure_only)
    b = parse_table(truth, with_text=not structure_only)
    size = max(a.size(), b.size())
    distance = APTED(a, b, _Costs()).compute_edit_distance()
    return max(0.0, 1.0 - float(distance) / size)

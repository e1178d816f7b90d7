"""A result cut into chunks for retrieval: the ``chunks`` export.

The passages (``exports.passages``: blocks, tables with their caption, paragraphs) are
packed in reading order into chunks of at most ``max_chars`` characters. Breaks fall
between passages first; a passage too long for a chunk of its own begins in what the chunk
has left and is cut between lines, after a line that ends a sentence where one fits, else
after the last line that fits. A line is never cut: every line of the text (headers and
footers aside) is in exactly one chunk. A table, or a single line, longer than
``max_chars`` stands alone, ``oversize``.

A title starts a new chunk (unless the chunk so far holds only titles), and each chunk
carries the path of titles above its text: a numbered title (``2.1``) sits under the
titles of lower numbers, an unnumbered one at the top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import TypeAdapter

from ocr_inference.exports.passages import Passage, heading_level, passages
from ocr_inference.schemas import Chunk, ChunkSource, DocumentResult

_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*$")
_PASSAGE_GAP = "\n\n"  # between passages in a chunk; lines of one passage: "\n"
_CHUNKS = TypeAdapter(list[Chunk])


def to_chunks(result: DocumentResult, max_chars: int) -> bytes:
    """The chunks of ``result`` as a JSON list."""
    return _CHUNKS.dump_json(chunks(result, max_chars), indent=2) + b"\n"


def chunks(result: DocumentResult, max_chars: int) -> list[Chunk]:
    """``result``'s text, headers and footers aside, in chunks of at most ``max_chars``
    characters (except ``oversize`` ones), in reading order."""
    packer = _Packer(max_chars)
    for passage in passages(result):
        packer.add(passage)
    packer.flush()
    return packer.chunks


@dataclass
class _Draft:
    parts: list[str] = field(default_factory=list)
    sources: list[ChunkSource] = field(default_factory=list)
    headings: list[str] | None = None  # set by its first text that is not a title
    oversize: bool = False

    @property
    def chars(self) -> int:
        return sum(map(len, self.parts)) + len(_PASSAGE_GAP) * max(len(self.parts) - 1, 0)

    def room_for(self, text: str, max_chars: int) -> bool:
        gap = len(_PASSAGE_GAP) if self.parts else 0
        return self.chars + gap + len(text) <= max_chars


class _Packer:
    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chunks: list[Chunk] = []
        self.draft = _Draft()
        self.path: list[tuple[int, str]] = []  # (level, title) of the titles above

    def add(self, passage: Passage) -> None:
        if passage.role == "title" and self.draft.headings is not None:
            self.flush()  # the chunk holds text: its section ends here
        self._place(passage)
        if passage.role == "title":
            title = " ".join(passage.lines)
            level = heading_level(title)
            self.path = [(lv, t) for lv, t in self.path if lv < level] + [(level, title)]

    def _place(self, passage: Passage) -> None:
        text = passage.text
        only_titles = bool(self.draft.parts) and self.draft.headings is None
        if self.draft.room_for(text, self.max_chars):
            self._put(text, passage)
        elif passage.atomic or (len(text) <= self.max_chars and not only_titles):
            self.flush()
            self._put(text, passage, oversize=len(text) > self.max_chars)
        else:  # cut between lines; the first run may fill what the chunk has left
            gap = len(_PASSAGE_GAP) if self.draft.parts else 0
            room = self.max_chars - self.draft.chars - gap
            for lines, oversize in split_lines(passage.lines, self.max_chars, room):
                if not self.draft.room_for("\n".join(lines), self.max_chars):
                    self.flush()
                self._put("\n".join(lines), passage, oversize=oversize)

    def _put(self, text: str, passage: Passage, oversize: bool = False) -> None:
        if oversize:
            self.flush()
        if passage.role != "title" and self.draft.headings is None:
            self.draft.headings = [title for _, title in self.path]
        self.draft.parts.append(text)
        self.draft.sources += [s for s in passage.sources if s not in self.draft.sources]
        if oversize:
            self.draft.oversize = True
            self.flush()

    def flush(self) -> None:
        draft, self.draft = self.draft, _Draft()
        if not draft.parts:
            return
        text = _PASSAGE_GAP.join(draft.parts)
        headings = draft.headings
        self.chunks.append(
            Chunk(
                text=text,
                headings=[t for _, t in self.path] if headings is None else headings,
                pages=sorted({source.page for source in draft.sources}),
                boxes=draft.sources,
                chars=len(text),
                oversize=draft.oversize,
            )
        )


def split_lines(lines: list[str], max_chars: int, room: int = 0) -> list[tuple[list[str], bool]]:
    """``lines`` cut into runs of at most ``max_chars`` characters (joined by newlines),
    each with whether it is one line longer than that; the first run holds at most
    ``room`` characters if its first line fits in them. A run ends after the last line
    that ends a sentence and fits, else after the last line that fits."""
    runs: list[tuple[list[str], bool]] = []
    start = 0
    while start < len(lines):
        limit = room if start == 0 and 0 < len(lines[0]) <= room else max_chars
        if len(lines[start]) > limit:
            runs.append((lines[start : start + 1], True))
            start += 1
            continue
        end, size = start + 1, len(lines[start])
        sentence = end if _SENTENCE_END.search(lines[start]) else None
        while end < len(lines) and size + 1 + len(lines[end]) <= limit:
            size += 1 + len(lines[end])
            end += 1
            if _SENTENCE_END.search(lines[end - 1]):
                sentence = end
        if end < len(lines) and sentence is not None:
            end = sentence
        runs.append((lines[start:end], False))
        start = end
    return runs

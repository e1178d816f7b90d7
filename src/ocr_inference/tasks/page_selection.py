"""The ``pages`` option of a submission: ``1-3,7`` to 0-based page indexes, and back."""

from __future__ import annotations

import re

_PART = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_pages(spec: str, *, max_page: int) -> tuple[int, ...]:
    """The 0-based, sorted and distinct indexes of the 1-based pages and ranges in ``spec``
    (``"1-3,7"``: pages 1, 2, 3 and 7); spaces are ignored.

    Raises:
        ValueError: the syntax is wrong, a range runs backwards, or a page is 0 or above
            ``max_page`` (no document can have it); the message says which.
    """
    parts = spec.replace(" ", "").split(",")
    if not spec.strip():
        raise ValueError("no page given")
    indexes: set[int] = set()
    for part in parts:
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not a page number or a range like 2-5")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if first < 1:
            raise ValueError("pages are numbered from 1")
        if last < first:
            raise ValueError(f"the range {part} runs backwards")
        if last > max_page:
            raise ValueError(f"page {last} is beyond the limit of {max_page} pages")
        indexes.update(range(first - 1, last))
    return tuple(sorted(indexes))


def format_pages(indexes: tuple[int, ...]) -> str:
    """The shortest spec of the 0-based ``indexes`` (sorted, distinct): ``(0, 1, 2, 6)`` is
    ``"1-3,7"``."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(str(a + 1) if a == b else f"{a + 1}-{b + 1}" for a, b in runs)

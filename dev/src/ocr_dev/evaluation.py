"""Accuracy metrics for comparing OCR output with human ground truth.

Pure functions only: text normalization, an order-robust reading order for boxed lines,
character and word error rates, and an order-free bag-of-words F1. ``page_scores``
combines them the way ``bench/accuracy.py`` scores a page. The edit distances come from
``rapidfuzz``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

Box = Sequence[Sequence[float]]
"""Four ``[x, y]`` points (any order; only their extent is used)."""

BoxedLine = tuple[str, Box]
"""A line of text with its box."""

_WHITESPACE = re.compile(r"\s+")
# a space on either side of any character that is neither a word character nor a space
_SPACED_PUNCTUATION = re.compile(r" ?([^\w\s]) ?")

_CASE_INSENSITIVE_SETS = frozenset({"sroie"})
_PUNCTUATION_SPACING_SETS = frozenset({"funsd"})


def normalize(
    text: str,
    *,
    case_insensitive: bool = False,
    punctuation_spacing: bool = False,
) -> str:
    """Normalize text before it is compared.

    Applies Unicode NFKC (which also splits ligatures such as ``ﬁ``), collapses every
    run of whitespace, line breaks included, into one space and strips both ends. Apply
    the same options to the reference and the hypothesis.

    Args:
        text: Text to normalize.
        case_insensitive: Lower-case the result (``str.casefold``).
        punctuation_spacing: Remove the spaces directly before and after each
            punctuation mark or symbol, so that ``"12 /10 /98"`` and ``"12/10/98"``
            compare equal.

    Returns:
        The normalized text.
    """
    result = unicodedata.normalize("NFKC", text)
    result = _WHITESPACE.sub(" ", result).strip()
    if punctuation_spacing:
        result = _SPACED_PUNCTUATION.sub(r"\1", result)
    if case_insensitive:
        result = result.casefold()
    return result


def _vertical_extent(box: Box) -> tuple[float, float]:
    ys = [float(point[1]) for point in box]
    return min(ys), max(ys)


def _horizontal_extent(box: Box) -> tuple[float, float]:
    xs = [float(point[0]) for point in box]
    return min(xs), max(xs)


def order_lines(lines: Sequence[BoxedLine]) -> list[str]:
    """Put boxed lines in reading order: rows top to bottom, left to right in a row.

    Boxes are sorted by vertical centre; a box joins the current row when its centre is
    within half the smaller height of it and of the box added to the row just before it,
    otherwise it starts a new row. Each row is then sorted by its boxes' left edges,
    ties broken by the rest of the box and then the text, so the order the lines come
    in never matters. Use it on both the ground truth and the predictions so that a
    different but reasonable reading order does not count as recognition errors.

    Args:
        lines: ``(text, box)`` pairs, the box as four ``[x, y]`` points.

    Returns:
        The texts in reading order.
    """
    if not lines:
        return []
    # (centre, height, left, right, text): every field takes part in the sort so that
    # the result depends only on the lines given, never on the order they come in
    entries: list[tuple[float, float, float, float, str]] = []
    for text, box in lines:
        top, bottom = _vertical_extent(box)
        left, right = _horizontal_extent(box)
        entries.append(((top + bottom) / 2, bottom - top, left, right, text))
    entries.sort()

    rows: list[list[tuple[float, float, float, float, str]]] = [[entries[0]]]
    for entry in entries[1:]:
        previous = rows[-1][-1]
        if entry[0] - previous[0] <= min(entry[1], previous[1]) / 2:
            rows[-1].append(entry)
        else:
            rows.append([entry])

    ordered: list[str] = []
    for row in rows:
        row.sort(key=lambda entry: (entry[2], entry[0], entry[1], entry[3], entry[4]))
        ordered.extend(entry[4] for entry in row)
    return ordered


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance over the reference's length.

    Args:
        reference: Ground-truth text.
        hypothesis: Recognized text.

    Returns:
        Edits (insertions, deletions, substitutions) per reference character; above
        1.0 when the hypothesis is much longer. For an empty reference: 0.0 if the
        hypothesis is empty too, else 1.0.
    """
    return _edit_rate(reference, hypothesis)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: Levenshtein distance over whitespace-separated words.

    Args:
        reference: Ground-truth text.
        hypothesis: Recognized text.

    Returns:
        Word edits per reference word. For a reference without words: 0.0 if the
        hypothesis has none either, else 1.0.
    """
    return _edit_rate(reference.split(), hypothesis.split())


def _edit_rate(reference: Sequence[str], hypothesis: Sequence[str]) -> float:
    """Levenshtein distance per reference item (characters of a string, or words)."""
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return Levenshtein.distance(reference, hypothesis) / len(reference)


def bag_of_words_f1(reference: str, hypothesis: str) -> float:
    """F1 of the multiset overlap of whitespace-separated words, regardless of order.

    Args:
        reference: Ground-truth text.
        hypothesis: Recognized text.

    Returns:
        ``2PR / (P + R)`` where the overlap counts each word as often as it occurs in
        both texts. 1.0 when neither text has words, 0.0 when only one has.
    """
    reference_bag = Counter(reference.split())
    hypothesis_bag = Counter(hypothesis.split())
    if not reference_bag and not hypothesis_bag:
        return 1.0
    overlap = sum((reference_bag & hypothesis_bag).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(hypothesis_bag.values())
    recall = overlap / sum(reference_bag.values())
    return 2 * precision * recall / (precision + recall)


def page_scores(
    gt_lines: Sequence[BoxedLine],
    predicted_lines: Sequence[BoxedLine],
    dataset: str,
) -> dict[str, float]:
    """Score one page's recognized lines against its ground truth.

    Both sides go through ``order_lines``, are joined with line breaks and normalized
    with the options the data set needs: case-insensitive for ``sroie`` (upper-case
    transcripts), punctuation spacing for ``funsd`` (spaces around punctuation in the
    ground truth), neither for any other set.

    Args:
        gt_lines: Ground-truth ``(text, box)`` pairs.
        predicted_lines: Recognized ``(text, box)`` pairs.
        dataset: Name of the data set, e.g. ``"sroie"`` (case-insensitive).

    Returns:
        ``{"cer": ..., "wer": ..., "bow_f1": ...}`` as fractions (not percentages).
    """
    name = dataset.lower()
    options = {
        "case_insensitive": name in _CASE_INSENSITIVE_SETS,
        "punctuation_spacing": name in _PUNCTUATION_SPACING_SETS,
    }
    reference = normalize("\n".join(order_lines(gt_lines)), **options)
    hypothesis = normalize("\n".join(order_lines(predicted_lines)), **options)
    return {
        "cer": cer(reference, hypothesis),
        "wer": wer(reference, hypothesis),
        "bow_f1": bag_of_words_f1(reference, hypothesis),
    }

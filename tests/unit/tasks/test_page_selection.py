from __future__ import annotations

import pytest

from ocr_inference.tasks.page_selection import format_pages, parse_pages


@pytest.mark.parametrize(
    ("spec", "indexes"),
    [
        ("1", (0,)),
        ("1-3,7", (0, 1, 2, 6)),
        (" 7 , 1 - 3 ", (0, 1, 2, 6)),
        ("3,1,3,2-3", (0, 1, 2)),
        ("5-5", (4,)),
    ],
)
def test_pages_and_ranges_become_sorted_distinct_indexes(
    spec: str, indexes: tuple[int, ...]
) -> None:
    assert parse_pages(spec, max_page=100) == indexes


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "no page"),
        ("1,,2", "not a page number"),
        ("a-b", "not a page number"),
        ("1-", "not a page number"),
        ("-3", "not a page number"),
        ("1.5", "not a page number"),
        ("0", "numbered from 1"),
        ("5-2", "backwards"),
        ("1-101", "beyond the limit of 100"),
        ("1-99999999999999", "beyond the limit"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_pages(spec, max_page=100)


@pytest.mark.parametrize(
    ("indexes", "spec"), [((), ""), ((0,), "1"), ((0, 1, 2, 6), "1-3,7"), ((1, 3, 4), "2,4-5")]
)
def test_indexes_are_written_back_as_the_shortest_spec(indexes: tuple[int, ...], spec: str) -> None:
    assert format_pages(indexes) == spec
    if indexes:
        assert parse_pages(spec, max_page=10) == indexes

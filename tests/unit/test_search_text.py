"""app.search's pure parts: what counts as a search structure, the plate forms of a query, quoting for FTS5 and LIKE."""
from __future__ import annotations

import pytest

from app import search


@pytest.mark.parametrize(("name", "expected"), [
    ("fines_fts", True), ("fines_fts_data", True), ("ticket_events_fts_idx", True), ("search_fines_plate", True),
    ("search_fine_counts", True), ("fines", False), ("ix_fines_created_at", False), ("tickets", False), (None, False),
    ("contracts_ftsx", False),
])
def test_search_structures_are_told_apart_from_the_models_tables(name: str | None, expected: bool) -> None:
    assert search.is_search_structure(name) is expected


@pytest.mark.parametrize(("q", "forms"), [
    ("1-abc-123", ["1ABC123"]), ("1 ABC 123", ["1ABC123"]), ("1.abc.123", ["1ABC123"]), ("1ABC123", []),
    ("Jan Peeters", ["JANPEETERS"]), ("%_", []), ("", []),
])
def test_a_query_is_also_compared_in_its_compact_plate_form(q: str, forms: list[str]) -> None:
    assert search._compact_forms(q)[:1] == forms


@pytest.mark.parametrize(("text", "phrase"), [('a"b', '"a""b"'), ("NEAR(x)", '"NEAR(x)"'), ("", '""'),
                                              ('"', '""""')])
def test_an_fts_phrase_takes_everything_literally(text: str, phrase: str) -> None:
    assert search._fts_phrase(text) == phrase


@pytest.mark.parametrize(("text", "pattern"), [("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("a\\b", "%a\\\\b%"),
                                               ("plain", "%plain%")])
def test_like_wildcards_in_a_query_are_escaped(text: str, pattern: str) -> None:
    assert search._like_pattern(text) == pattern


def test_a_query_is_cut_to_its_maximum_and_spaces_are_folded() -> None:
    assert search._clean("  a \t b  ") == "a b"
    assert len(search._clean("x" * 1000)) == search.MAX_QUERY

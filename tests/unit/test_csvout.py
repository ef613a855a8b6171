"""The one CSV writer: formula-like cells are neutralised, real numbers kept, our own quote undone."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app.csvout import neutralise, unneutralise, write_csv


@pytest.mark.parametrize(("value", "written"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+SUM(1)", "'+SUM(1)"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Politiezone Gent", "Politiezone Gent"),
    ("'s-Hertogenbosch", "'s-Hertogenbosch"),
    ("", ""),
])
def test_text_starting_like_a_formula_is_written_behind_a_quote(value: str, written: str) -> None:
    assert neutralise(value) == written
    assert unneutralise(neutralise(value)) == value


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_numeric_columns_keep_plain_negative_numbers_and_nothing_else() -> None:
    text = write_csv(("name", "amount"), [("-x", "-12.50"), ("a", "-1+2"), ("b", "-cmd"), ("c", None)],
                     numeric=("amount",))
    assert _read(text) == [["name", "amount"], ["'-x", "-12.50"], ["a", "'-1+2"], ["b", "'-cmd"], ["c", ""]]


def test_python_numbers_are_written_as_numbers_in_any_column() -> None:
    assert _read(write_csv(("a", "b", "c", "d"), [(-3, -1.5, Decimal("-2.25"), True)])) == [
        ["a", "b", "c", "d"], ["-3", "-1.5", "-2.25", "true"]]


def test_lines_end_in_newline_and_quotes_follow_the_csv_rules() -> None:
    assert write_csv(("a",), [('x "y", z',)]) == 'a\n"x ""y"", z"\n'

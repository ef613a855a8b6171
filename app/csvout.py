"""One CSV writer for every export, safe to open in a spreadsheet (no formula injection).

Pure: standard library only. A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return would be run as a formula by Excel or LibreOffice (``=cmd|' /C calc'!A0``), so it is
written behind a single quote, as OWASP recommends; the spreadsheet shows the text as typed.

Numbers are left alone when they are numbers: a cell given as ``int``, ``float`` or ``Decimal``, or a
text cell in a column declared numeric that reads as a plain decimal number (``-12.50``). Anything
else in a numeric column (``-1+2``, ``-cmd``) is neutralised like any text. Importers of our own
exports call :func:`unneutralise` to take the added quote off again.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal

__all__ = ["FORMULA_START", "Cell", "neutralise", "unneutralise", "write_csv"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?\Z")

Cell = str | int | float | Decimal | None


def neutralise(value: str) -> str:
    """Put a single quote before a text that a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`: ``'=x`` is read back as ``=x``; any other text is left as it is."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def _cell(value: Cell, numeric: bool) -> str | int | float | Decimal:
    if value is None:
        return ""
    if type(value) is str and not numeric:  # most cells: a text, tested once (exports of thousands of rows)
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, bool):  # a bool is an int to Python, but a word to the reader
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return value
    if numeric and _PLAIN_NUMBER.match(value):
        return value
    return neutralise(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, numeric: Collection[str] = (),
              delimiter: str = ",") -> str:
    """Write ``header`` and ``rows`` as CSV text (lines end in ``\\n``), every text cell neutralised.

    ``numeric`` names the columns whose text cells may keep a leading minus when they are plain
    decimal numbers (amounts such as ``-12.50``). Header names are written as given.
    """
    numeric_at = {i for i, name in enumerate(header) if name in numeric}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", delimiter=delimiter)
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([_cell(value, i in numeric_at) for i, value in enumerate(row)])
    return out.getvalue()

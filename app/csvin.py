"""Reading the CSV files people send (pure): header folding, the delimiter, dates as offices write them.

Shared by the contract import (``app.fleet.contracts_csv``) and the cover import
(``assistance.covers_csv``), so both read a file the same way.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

__all__ = ["DELIMITERS", "YEARS", "fold", "parse_day", "sniff_delimiter"]

#: The delimiters a spreadsheet writes: a comma, a semicolon (Belgian Excel) or a tab.
DELIMITERS = (",", ";", "\t")
#: The years a contract or cover can plausibly have; 0202 or 2205 is a typing error, not a period.
YEARS = (1900, 2199)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})")


@lru_cache(maxsize=1024)
def fold(value: str) -> str:
    """``value`` trimmed, case-folded and without accents, to compare headers and codes as people type them."""
    decomposed = unicodedata.normalize("NFKD", value.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most (a comma when it holds none of them)."""
    counts = {sep: header_line.count(sep) for sep in DELIMITERS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


@lru_cache(maxsize=8192)
def parse_day(value: str) -> date | None:
    """A date written ``2026-03-31``, ``31/03/2026``, ``31.03.2026`` or ``31-3-2026``; None if it is not one."""
    iso = _ISO_DATE.fullmatch(value)
    dmy = None if iso else _DMY_DATE.fullmatch(value)
    try:
        if iso:
            parsed = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif dmy:
            parsed = date(int(dmy.group(4)), int(dmy.group(3)), int(dmy.group(1)))
        else:
            return None
    except ValueError:
        return None
    return parsed if YEARS[0] <= parsed.year <= YEARS[1] else None

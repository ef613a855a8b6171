"""Dates and times as fine letters write them, and the folding their words are matched on.

Pure: standard library only. Numeric (``16/05/2026``, ``16.05.26``), ISO and written-out dates in
Dutch, French, German and English (``16 mei 2026``, ``1er mars 2026``, ``16. Mai 2026``), with the
digits OCR confuses (``O``, ``l``, ``I``); times of day such as ``02u11``, ``14h05``, ``15:50 Uhr``.
``fold`` lower-cases and drops diacritics without changing the length, so a span found in the
folded text is the same span in the original.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

__all__ = ["MONTHS", "DateFound", "TimeFound", "find_date", "find_time", "fold"]

MONTHS: dict[str, dict[str, int]] = {
    "nl": {"januari": 1, "jan": 1, "februari": 2, "feb": 2, "febr": 2, "maart": 3, "mrt": 3, "mar": 3,
           "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8,
           "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
           "nov": 11, "december": 12, "dec": 12},
    "fr": {"janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
           "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "octobre": 10,
           "oct": 10, "novembre": 11, "decembre": 12},
    "de": {"januar": 1, "janner": 1, "februar": 2, "marz": 3, "maerz": 3, "april": 4, "mai": 5,
           "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
           "dezember": 12, "dez": 12},
    "en": {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
           "august": 8, "september": 9, "october": 10, "november": 11, "december": 12},
}
_MONTH_NUMBER: dict[str, int] = {name: number for names in MONTHS.values() for name, number in names.items()}
_MONTH_ALT = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))

_D = r"[\dOolIQq]"  # a digit as OCR may render it (a fax's 0 may come out as a Q)
_NUMERIC = re.compile(
    rf"(?<![\dA-Za-z])(?P<d>{_D}{{1,2}})[^\S\n]?(?P<sep>[./\-])[^\S\n]?(?P<m>{_D}{{1,2}})[^\S\n]?(?P=sep)[^\S\n]?"
    rf"(?P<y>{_D}{{4}}|\d{{2}})(?![\d])"
)
#: OCR's slips in a numeric date with a four-digit year: a slash or a full stop read as a colon or a
#: semicolon, one separator read as another (``30:07:2026``, ``24:05/2026``, ``14-03:2026``).
_LOOSE = re.compile(
    rf"(?<![\dA-Za-z:.])(?P<d>{_D}{{1,2}})[^\S\n]?[./\-:;][^\S\n]?(?P<m>{_D}{{1,2}})[^\S\n]?[./\-:;,][^\S\n]?"
    rf"(?P<y>{_D}{{4}})(?![\d:])"
)
_ISO = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")
_WORDS = re.compile(
    rf"(?<![\dA-Za-z])(?P<d>{_D}{{1,2}})(?:er|e|ste|de|st|nd|rd|th)?[.\-]?[^\S\n]*(?P<month>{_MONTH_ALT})\.?,?[^\S\n]*(?P<y>{_D}{{4}})(?!\d)",
    re.IGNORECASE,
)
#: A month's name misread (``tebruari``, ``me:``): any word between a day and a year, its month
#: found by ``_misread_month``.
_WORDS_LOOSE = re.compile(
    rf"(?<![\dA-Za-z])(?P<d>{_D}{{1,2}})(?:er|e)?[.\-]?[^\S\n]*(?P<month>[a-z][a-z:;!|1]{{1,9}})\.?,?[^\S\n]*"
    rf"(?P<y>{_D}{{4}})(?!\d)"
)
#: An ``i`` as OCR reads it on a fax: a colon, a semicolon, an exclamation mark, a bar, a one.
_OCR_I = str.maketrans(":;!|1", "iiiii")
_TIME = re.compile(
    r"(?<![\d.,:/])(?P<h>[01]?\d|2[0-3])[^\S\n]?(?:[:.hHu]|uur|Uhr)[^\S\n]?(?P<m>[0-5O][\dOo])(?![\d/]|[.,]\d)"
    r"|(?<![\d.,:/])(?P<h2>[01]?\d|2[0-3])[^\S\n]?(?:h|uur|Uhr|u)(?![A-Za-z\d])"
    # "om 22 15": the colon lost, after the word that introduces a time
    r"|(?:(?<=\bom )|(?<=\bum )|(?<=\bat )|(?<=\bà )|(?<=\ba ))(?P<h3>[01]?\d|2[0-3]) (?P<m3>[0-5]\d)(?![\d.,:/])",
)
_DIGITS = str.maketrans("OolIQq", "001100")


@dataclass(frozen=True)
class DateFound:
    """A date and where it was written (``start``/``end`` index into the searched text)."""

    value: date
    start: int
    end: int


@dataclass(frozen=True)
class TimeFound:
    """A time of day and where it was written."""

    value: time
    start: int
    end: int


#: Letters without a decomposition that still fold: ``ß``, and the dotless ``ı`` OCR puts for an ``i``
#: (a case-insensitive pattern matches ``ı`` where it asks for ``i``: left unfolded, "16 meı 2026"
#: matched a month name no table holds).
_FOLD_ALSO = {"ß": "s", "ı": "i"}


def fold(text: str) -> str:
    """Lower-case ``text`` and drop diacritics, keeping its length (so spans map back)."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        if char in _FOLD_ALSO:
            out.append(_FOLD_ALSO[char])
            continue
        base = unicodedata.normalize("NFD", char)[0].lower()
        out.append(base if len(base) == 1 else char)
    return "".join(out)


def _year(raw: str) -> int:
    year = int(raw.translate(_DIGITS))
    return year + 2000 if year < 100 else year


def _make(year: int, month: int, day: int) -> date | None:
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_date(text: str, start: int = 0) -> DateFound | None:
    """Return the first date in ``text[start:]``: ``16/05/2026``, ``16.05.2026``, ``16-05-26``,
    ``2026-05-16``, ``16 mei 2026``, ``16 mai 2026``, ``16. Mai 2026``, ``1er mars 2026``."""
    folded = fold(text)
    best: DateFound | None = None
    for pattern in (_ISO, _NUMERIC, _WORDS, _LOOSE, _WORDS_LOOSE):
        for match in pattern.finditer(folded, start):
            if best is not None and match.start() >= best.start:
                break
            if pattern is _WORDS:
                # A case-insensitive match may still be spelt otherwise than the table (Unicode folding).
                month = _MONTH_NUMBER.get(match.group("month").lower(), 0)
            elif pattern is _WORDS_LOOSE:
                month = _misread_month(match.group("month"))
            else:
                month = int(match.group("m").translate(_DIGITS))
            value = _make(_year(match.group("y")), month, int(match.group("d").translate(_DIGITS)))
            if value is not None:
                best = DateFound(value, match.start(), match.end())
                break
    return best


def _misread_month(word: str) -> int:
    """The month a misread name stands for (0: none): an ``i`` read as a colon or a one (``me:``),
    or, for a name of five letters or more, one letter misread, lost or added (``tebruari``)."""
    word = word.translate(_OCR_I)
    if word in _MONTH_NUMBER:
        return _MONTH_NUMBER[word]
    if len(word) < 5:
        return 0
    close = {number for name, number in _MONTH_NUMBER.items() if len(name) >= 5 and _one_edit(word, name)}
    return close.pop() if len(close) == 1 else 0


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one letter replaced, dropped or added."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1:
        return False
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def find_time(text: str, start: int = 0) -> TimeFound | None:
    """Return the first time of day in ``text[start:]``: ``02u11``, ``02h11``, ``14:05``,
    ``14.05 uur``, ``15:50 Uhr``, ``14h``."""
    for match in _TIME.finditer(text, start):
        hour = match.group("h") or match.group("h2") or match.group("h3")
        minute = (match.group("m") or match.group("m3") or "00").translate(_DIGITS)
        end = match.end()
        tail = re.match(r"[^\S\n]*(?:uur|uhr|u|h)\b", text[end:], re.IGNORECASE)
        if tail and match.group("m"):
            end += tail.end()
        return TimeFound(time(int(hour), int(minute)), match.start(), end)
    return None

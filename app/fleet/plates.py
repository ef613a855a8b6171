"""Licence plates of the countries whose fines reach a Belgian leasing company.

Pure: standard library only. A ``Plate`` holds the country (ISO 3166 alpha-2) and the plate's
letters and digits in upper case, without separators: that is the form contracts are matched on.

Formats are data (``FORMATS``): per country, templates where ``L`` is a letter, ``D`` a digit and
``-``/space the national separator. Detection without a country tries, in order,
1. the raw notation with its separators (``AB-12-CD`` is Dutch, ``AB 1234`` is Luxembourgish,
   ``B-AB 1234`` is German),
2. the compact shape, with ties broken by the order of ``FORMATS`` (Belgian first: the product
   serves Belgian leasing companies, so ``ABC123`` is read as an old Belgian plate, not a German
   ``A-BC 123``, and ``AB1234`` as Luxembourg rather than a pre-1965 Dutch sidecode 1),
3. the compact shape after undoing common OCR confusions (``O``/``0``, ``I``/``1``, ``S``/``5``,
   ``B``/``8``, ``Z``/``2``, ``G``/``6``) in positions where a template expects the other class.

German plates are ambiguous once compacted: ``BAB1234`` may be ``B-AB 1234`` or ``BA-B 1234``.
``Plate.district`` keeps the length of the district code when the raw notation showed it; it does
not take part in equality. ``format_plate`` uses it, and falls back to the compact text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["FORMATS", "Plate", "format_plate", "normalise_plate", "plate_is_valid"]


@dataclass(frozen=True)
class Plate:
    """A licence plate: ``country`` (ISO alpha-2) and ``text`` (upper-case letters and digits)."""

    country: str
    text: str
    #: German plates only: how many leading letters are the district code, when known.
    district: int | None = field(default=None, compare=False)


#: National notations per country, in detection priority order (first wins on a tie).
FORMATS: tuple[tuple[str, str], ...] = (
    ("BE", "D-LLL-DDD"),  # since 2010
    ("BE", "LLL-DDD"),    # 1973-2010
    ("BE", "DDD-LLL"),    # 1962-1973, and some special series
    ("FR", "LL-DDD-LL"),  # SIV, since 2009
    ("NL", "DD-LLL-D"),   # sidecode 7
    ("NL", "D-LLL-DD"),   # 8
    ("NL", "LL-DDD-L"),   # 9
    ("NL", "L-DDD-LL"),   # 10
    ("NL", "LLL-DD-L"),   # 11
    ("NL", "L-DD-LLL"),   # 12
    ("NL", "D-LL-DDD"),   # 13
    ("NL", "DDD-LL-D"),   # 14
    ("NL", "LL-LL-DD"),   # 5
    ("NL", "DD-LL-LL"),   # 6
    ("NL", "DD-LL-DD"),   # 3
    ("NL", "LL-DD-LL"),   # 4
    ("NL", "DD-DD-LL"),   # 2
    ("LU", "LL DDDD"),
    ("NL", "LL-DD-DD"),   # 1 (1951-1965)
    ("LU", "DDDDDD"),
    ("LU", "DDDDD"),
    ("LU", "DDDD"),
)

#: Countries whose plates are matched by a regular expression rather than fixed templates.
_FR_FNI = re.compile(r"\d{1,4}[A-Z]{1,3}(?:\d{2}|2A|2B|97\d)")
_FR_FNI_RAW = re.compile(r"(\d{1,4})[- ]+([A-Z]{1,3})[- ]+(\d{2}|2A|2B|97\d)")
_DE = re.compile(r"(?=.{2,9}$)[A-ZÄÖÜ]{1,3}[A-Z]{1,2}[1-9]\d{0,3}[EH]?")
_DE_RAW = re.compile(r"([A-ZÄÖÜ]{1,3})[- ]+([A-Z]{1,2})[- ]*([1-9]\d{0,3}[EH]?)")

_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2", "G": "6"})
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
_SEPARATORS = re.compile(r"[\s\-.·_/]+")


def _shape(text: str) -> str:
    return "".join("D" if char.isdigit() else "L" for char in text)


def _compact(template: str) -> str:
    return template.replace("-", "").replace(" ", "")


def _raw_template(raw: str) -> str:
    """``1-abc 123`` → ``D-LLL DDD`` (runs of separators collapse to one)."""
    out: list[str] = []
    for token in re.split(r"([\s\-.·_/]+)", raw.strip()):
        if not token:
            continue
        if _SEPARATORS.fullmatch(token):
            out.append(" " if token.strip() == "" else "-")
        else:
            out.append(_shape(token))
    return "".join(out)


def _clean(raw: str) -> str:
    return "".join(char for char in raw.upper() if char.isalnum())


def _matches(country: str, text: str) -> bool:
    shape = _shape(text)
    if any(c == country and _compact(t) == shape for c, t in FORMATS):
        return True
    if country == "FR":
        return _FR_FNI.fullmatch(text) is not None
    if country == "DE":
        return _DE.fullmatch(text) is not None
    return False


def plate_is_valid(plate: Plate) -> bool:
    """Tell whether the plate's text fits one of its country's formats."""
    return _matches(plate.country, plate.text)


def _coerce(text: str, shape: str) -> str:
    """Undo OCR confusions so that ``text`` takes ``shape`` (L/D per position), when possible."""
    out = []
    # The text may be longer or shorter than the shape; the caller compares the shapes afterwards.
    for char, kind in zip(text, shape, strict=False):
        if kind == "D" and not char.isdigit():
            out.append(char.translate(_TO_DIGIT))
        elif kind == "L" and char.isdigit():
            out.append(char.translate(_TO_LETTER))
        else:
            out.append(char)
    return "".join(out)


def _groups(template: str) -> list[int]:
    return [len(group) for group in re.split(r"[- ]", template)]


def _detect(raw: str, text: str) -> Plate | None:
    upper = raw.strip().upper()
    template = _raw_template(upper)
    separated = "-" in template or " " in template
    if separated:
        found = _detect_separated(upper, template, text)
        if found is not None:
            return found
    return _detect_compact(text, separated)


def _detect_separated(upper: str, template: str, text: str) -> Plate | None:
    """Step 1: read the country from the raw notation, whose separators show the groups."""
    for country, fmt in FORMATS:
        if template == fmt or (country != "LU" and "-" not in template and template.replace(" ", "-") == fmt):
            return Plate(country, text)
    if _FR_FNI_RAW.fullmatch(upper):
        return Plate("FR", text)
    german = _DE_RAW.fullmatch(upper)
    if german and _DE.fullmatch(text):
        return Plate("DE", text, len(german.group(1)))
    # Repair OCR confusions within a format with the same groups.
    groups = _groups(template)
    return _first_repaired(text, [(country, fmt) for country, fmt in FORMATS if _groups(fmt) == groups])


def _detect_compact(text: str, separated: bool) -> Plate | None:
    """Steps 2 and 3: the compact shape, then the compact shape once OCR confusions are undone."""
    shape = _shape(text)
    for country, fmt in FORMATS:
        if _compact(fmt) == shape:
            return Plate(country, text)
    if _FR_FNI.fullmatch(text):
        return Plate("FR", text)
    german = _DE.fullmatch(text) is not None
    if german and not separated:
        return Plate("DE", text)
    repaired = _first_repaired(text, [(country, fmt) for country, fmt in FORMATS
                                      if country in ("BE", "FR", "NL") and len(_compact(fmt)) == len(text)])
    if repaired is not None:
        return repaired
    return Plate("DE", text) if german else None


def _first_repaired(text: str, formats: list[tuple[str, str]]) -> Plate | None:
    """Return the plate of the first of ``formats`` that ``text`` fits once OCR confusions are undone."""
    for country, fmt in formats:
        compact = _compact(fmt)
        fixed = _coerce(text, compact)
        if _shape(fixed) == compact:
            return Plate(country, fixed)
    return None


def normalise_plate(raw: str, country: str | None = None) -> Plate | None:
    """Read a plate as written (``1-ABC-123``, ``ab-123-c``, ``B-AB 1234``) into a ``Plate``.

    With ``country`` the plate is taken to be of that country (OCR confusions are undone when
    that makes it fit a format; ``plate_is_valid`` says whether it fits). Without, the country is
    detected from the notation; ``None`` when nothing fits or ``raw`` holds no plate at all.
    """
    text = _clean(raw)
    if not 2 <= len(text) <= 10:
        return None
    if country is None:
        return _detect(raw, text)
    country = country.upper()
    if _matches(country, text):
        german = _DE_RAW.fullmatch(raw.strip().upper()) if country == "DE" else None
        return Plate(country, text, len(german.group(1)) if german else None)
    repaired = _first_repaired(text, [(c, fmt) for c, fmt in FORMATS
                                      if c == country and len(_compact(fmt)) == len(text)])
    return repaired if repaired is not None else Plate(country, text)


def format_plate(plate: Plate) -> str:
    """Write the plate in its national notation (``1-ABC-123``, ``AB-123-CD``, ``B-AB 1234``, ...)."""
    text = plate.text
    if plate.country == "DE":
        if plate.district is None or not _DE.fullmatch(text):
            return text
        head, rest = text[: plate.district], text[plate.district:]
        digits = re.search(r"\d", rest)
        cut = digits.start() if digits else len(rest)
        return f"{head}-{rest[:cut]} {rest[cut:]}"
    if plate.country == "FR" and _FR_FNI.fullmatch(text) and _shape(text) != "LLDDDLL":
        parts = re.fullmatch(r"(\d{1,4})([A-Z]{1,3})(.+)", text)
        return " ".join(parts.groups()) if parts else text
    shape = _shape(text)
    for country, fmt in FORMATS:
        if country == plate.country and _compact(fmt) == shape:
            chars = iter(text)
            return "".join(next(chars) if slot in "LD" else slot for slot in fmt)
    return text

"""Find a fine letter's fields: labelled values, the values' parsers, and the letter head.

Pure: standard library and the project's pure modules (``app.fleet.plates``, ``fines.money``). The
words come from the rule tables in ``fines.intake.letters``; labels are matched on the folded text
(``fines.intake.dates.fold``), values are read from the original at the same place: the rest of the
label's line or, when that is empty, the next non-empty line. ``fines.intake.extraction`` puts the
fields together and checks them against each other.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Generic, TypeVar

from app.fleet.plates import Plate, normalise_plate
from fines.intake.dates import find_date, find_time, fold
from fines.intake.letters import (
    ADDRESS,
    AMOUNT_LEAD,
    CANONICAL_ISSUERS,
    COMPANY,
    GENERIC_HEAD,
    ISSUER_RULES,
    KIND_PHRASES,
    LABELS,
    LANGUAGE_WORDS,
    LOWER_WORDS,
    SALUTATION,
    TITLE_WORDS,
    WEAK_LABELS,
)
from fines.money import find_structured_reference, fix_ocr_digits, parse_amount

__all__ = ["Doc", "Found", "amount_value", "find_labelled", "head_lines", "leading_date", "leading_datetime",
           "leading_time", "letter_date_in_head", "notice_value", "plate_value", "prepare", "read_addressee",
           "read_issuer", "read_kind", "read_language", "reference_value"]

# --------------------------------------------------------------------------- reading the text

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A field's value, the label it was found through, and whether that label says little."""

    value: T
    start: int  # where the label starts
    end: int  # where the value ends
    weak: bool


@dataclass(frozen=True)
class Doc:
    """The prepared text of a letter, its folded copy (same length) and its language."""

    text: str
    folded: str
    language: str


def prepare(text: str) -> str:
    """Normalise the text: NFC, one kind of line break, plain spaces, dashes and apostrophes."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\t", " ")
    for space in ("\u00a0", "\u202f", "\u2007", "\u2009"):
        text = text.replace(space, " ")
    for dash in ("\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"):
        text = text.replace(dash, "-")
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


def _compile(label: str) -> re.Pattern[str]:
    anywhere = label.startswith("~")
    body = label.lstrip("~").replace(" ", r"[^\S\n]*")
    head = r"(?<![a-z0-9])" if anywhere else r"(?m)^[^\S\n]*(?:[-•*·>][^\S\n]*)?"
    return re.compile(head + "(?:" + body + r")(?![a-z0-9])")


_COMPILED: dict[str, re.Pattern[str]] = {}


def _pattern(label: str) -> re.Pattern[str]:
    # A cache of compiled constants: filled on first use, never changed afterwards.
    compiled = _COMPILED.get(label)
    if compiled is None:
        compiled = _COMPILED[label] = _compile(label)
    return compiled


def _labels(name: str, language: str) -> list[str]:
    table = LABELS[name]
    order = [language] + [lang for lang in ("nl", "fr", "de", "en") if lang != language] + ["any"]
    return [label for lang in order for label in table.get(lang, ())]


_SEPARATOR = re.compile(r"[^\S\n]*(?:[:;=]|\.(?!\d)|-(?=\s))?[^\S\n]*")


def _value_spans(doc: Doc, match: re.Match[str]) -> list[tuple[int, int]]:
    """Where the value of a label may be: the rest of its line, else the next non-empty line."""
    text = doc.text
    line_end = text.find("\n", match.end())
    line_end = len(text) if line_end < 0 else line_end
    separator = _SEPARATOR.match(text, match.end(), line_end)
    start = separator.end() if separator else match.end()
    if text[start:line_end].strip():
        return [(start, line_end)]
    position = line_end
    while position < len(text):
        next_end = text.find("\n", position + 1)
        next_end = len(text) if next_end < 0 else next_end
        line = text[position + 1:next_end]
        if line.strip():
            lead = len(line) - len(line.lstrip())
            return [(position + 1 + lead, next_end)]
        position = next_end
    return []


def find_labelled(doc: Doc, name: str, parse: Callable[[str], T | None], *, earliest: bool = False,
                  after: int = 0) -> Found[T] | None:
    """Find a field through its labels: by label priority, or the earliest in the text."""
    best: Found[T] | None = None
    for label in _labels(name, doc.language):
        for match in _pattern(label).finditer(doc.folded, after):
            if best is not None and earliest and match.start() >= best.start:
                break
            for start, end in _value_spans(doc, match):
                value = parse(doc.text[start:end])
                if value is not None:
                    found = Found(value, match.start(), end, label in WEAK_LABELS)
                    if not earliest:
                        return found
                    if best is None or found.start < best.start:
                        best = found
                    break
            else:
                continue
            break
    return best


# --------------------------------------------------------------------------- value parsers

def leading_date(value: str) -> date | None:
    """A date at the start of a value (after a weekday or "le"/"den": no digits before it)."""
    found = find_date(value)
    if found is None or found.start > 24 or any(char.isdigit() for char in value[: found.start]):
        return None
    return found.value


def leading_datetime(value: str) -> tuple[date, time | None] | None:
    """A date at the start of a value, and the time written shortly after it (None when none is)."""
    found = find_date(value)
    if found is None or found.start > 24 or any(char.isdigit() for char in value[: found.start]):
        return None
    clock = find_time(value, found.end)
    if clock is not None and (clock.start - found.end > 30 or any(
            char.isdigit() for char in value[found.end:clock.start])):
        clock = None
    return found.value, clock.value if clock else None


def leading_time(value: str) -> time | None:
    """A time of day at the very start of a value, not part of a date."""
    clock = find_time(value)
    if clock is None or clock.start > 4 or find_date(value[: clock.end + 6]) is not None:
        return None
    return clock.value


_NOTICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./\-_]*(?:[ ](?=\d)[\d./\-]+)*")


#: OCR reads a notice number's full stop between a letter and a digit as a colon now and then
#: ("AN:31.L2.118275/2026"); a time ("09:03") has digits on both sides and stays.
_OCR_STOP = re.compile(r"(?<=[A-Za-z]):(?=\d)|(?<=\d):(?=[A-Za-z])")


#: The French federal notice numbers start ``LI.`` (``LI.36.F3.340363/2026``): OCR reads ``L1.``, ``Li.``, ``Ll.``.
_OCR_FEDERAL_FR = re.compile(r"^L[1il|](?=\.\d{2}\.F\d\.)")


def notice_value(value: str) -> str | None:
    """A notice number: a token of at least four characters with a digit, not a date."""
    match = _NOTICE.match(_OCR_STOP.sub(".", value.strip()))
    if not match:
        return None
    token = _OCR_FEDERAL_FR.sub("LI", match.group(0).rstrip(".,-/"))
    if len(token) < 4 or not any(char.isdigit() for char in token) or find_date(token) is not None:
        return None
    return token


def plate_value(value: str) -> Plate | None:
    """The longest run of the first four tokens that reads as a plate with digits and letters."""
    tokens = value.replace(":", " ").split()[:4]
    for count in range(len(tokens), 0, -1):
        raw = " ".join(tokens[:count]).strip(".,;()")
        plate = normalise_plate(raw)
        if plate is not None and any(char.isdigit() for char in plate.text) and any(
                char.isalpha() for char in plate.text + ("X" if plate.country == "LU" else "")):
            return plate
    return None


_RANGE = re.compile(r"\d\s*(?:€|eur(?:o|os)?)?\s+(?:tot|a|à|bis|to|jusqu'a)\s+(?:€\s*)?\d", re.IGNORECASE)


def amount_value(value: str) -> tuple[int, str | None] | None:
    """An amount in cents and its currency (None when not written), not a penalty range or a date."""
    lead = AMOUNT_LEAD.match(value)
    rest = value[lead.end() if lead else 0:]
    if not rest[:1].isdigit() and rest[:1] not in "€$£" and rest[:3].upper() not in ("EUR", "CHF", "GBP"):
        return None
    if _RANGE.search(value):  # "een geldboete van 1.760 tot 88.000 euro" states a penalty range
        return None
    money = parse_amount(value)
    if money is None or (find_date(value) is not None and find_date(value).start < 3):  # type: ignore[union-attr]
        return None
    return money.cents, money.currency


def reference_value(value: str) -> str | None:
    """A structured communication, else a run of at least six digits (OCR confusions undone)."""
    structured = find_structured_reference(value)
    if structured:
        return structured
    run = re.match(r"[\d\s./+*\-OolI]+", value.strip())
    if not run:
        return None
    digits = re.sub(r"\D", "", fix_ocr_digits(run.group(0)))
    return digits if len(digits) >= 6 else None


# --------------------------------------------------------------------------- fields

def read_language(folded: str) -> str:
    """The language most of the letter's words belong to (Dutch on a tie)."""
    words = re.findall(r"[a-z]+", folded)
    scores = {lang: sum(1 for word in words if word in table) for lang, table in LANGUAGE_WORDS.items()}
    return max(scores, key=lambda lang: (scores[lang], lang == "nl"))


def read_kind(folded: str) -> tuple[str, int | None]:
    """The kind and the position of the phrase that told it (None when nothing did)."""
    for phrase in KIND_PHRASES["foreign"]:
        match = re.search(phrase, folded, re.MULTILINE)
        if match:
            return "foreign", None
    best: tuple[int, str] | None = None
    for kind, phrases in KIND_PHRASES.items():
        if kind == "foreign":
            continue
        for phrase in phrases:
            match = re.search(phrase, folded, re.MULTILINE)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), kind)
    return (best[1], best[0]) if best else ("other", None)


def head_lines(doc: Doc) -> list[tuple[str, str]]:
    """The letter head: non-empty lines (original, folded) before the title or first field."""
    # ``folded`` is ``text`` folded character by character: the same lines.
    lines = [(line.strip(), fold_line.strip())
             for line, fold_line in zip(doc.text.split("\n"), doc.folded.split("\n"), strict=True)]
    lines = [(line, folded) for line, folded in lines if line]
    title = re.compile(TITLE_WORDS + "|" + "|".join(p for kind, ps in KIND_PHRASES.items() if kind != "foreign"
                                                    for p in ps if not p.startswith("^")))
    for index, (_line, folded) in enumerate(lines[:25]):
        if index >= 2 and (title.search(folded) or (_pattern(LABELS["letter_date"]["nl"][0]).match(folded)
                           and index > 2)):
            return lines[:index]
    return lines[:12]


def _pretty_name(name: str) -> str:
    name = re.sub(r"\s+-\s+.*$", "", name).strip(" -,:;|")
    canonical = CANONICAL_ISSUERS.get(fold(name))
    if canonical:
        return canonical
    if not name.isupper():
        return name
    parts = re.split(r"([\s\-/]+)", name.lower())
    out = [part if (index and part in LOWER_WORDS) or not part.strip(" -/") else part[:1].upper() + part[1:]
           for index, part in enumerate(parts)]
    return "".join(out)


def read_issuer(head: list[tuple[str, str]]) -> tuple[str | None, int | None]:
    """The issuer and the index of its line in the head: by ``ISSUER_RULES``, else the first plain line."""
    for index, (line, folded) in enumerate(head):
        for action, rule in ISSUER_RULES:
            match = re.search(rule, folded)
            if not match:
                continue
            if action == "city":
                return _pretty_name(line[match.start("name"):match.end("name")]), index
            if action == "line":
                return _pretty_name(line[match.start("name"):match.end("name")]), index
            return action, index
    for index, (line, folded) in enumerate(head):
        if GENERIC_HEAD.match(folded) or ADDRESS.search(line) or COMPANY.search(line):
            continue
        return _pretty_name(line), index
    return None, None


def read_addressee(head: list[tuple[str, str]], issuer_line: int | None) -> tuple[str | None, float]:
    """The addressee and how sure: a company line, the line after a salutation, or the line above an address."""

    def usable(index: int) -> bool:
        line = head[index][0]
        return index != issuer_line and not GENERIC_HEAD.match(head[index][1]) and not any(
            char.isdigit() for char in line) and len(line) >= 3

    for index, (line, _folded) in enumerate(head):
        if COMPANY.search(line) and usable(index):
            return _clean_name(line), 0.95
    for index, (line, _folded) in enumerate(head[:-1]):
        if SALUTATION.match(line) and usable(index + 1):
            return _clean_name(head[index + 1][0]), 0.85
    candidates = [index - 1 for index in range(1, len(head))
                  if ADDRESS.search(head[index][0]) and not ADDRESS.search(head[index - 1][0]) and usable(index - 1)
                  and (issuer_line is None or index - 1 > issuer_line)]
    if candidates:
        return _clean_name(head[candidates[-1]][0]), 0.75
    return None, 0.0


def _clean_name(line: str) -> str:
    line = re.sub(r"^(?:aan|à|an|to|firma)\s*:\s*", "", line, flags=re.IGNORECASE)
    return re.sub(r"\s{2,}", " ", line.strip(" |_-—,;:"))


def letter_date_in_head(head: list[tuple[str, str]]) -> date | None:
    """A date standing alone at the end of a head line (a letter without a date label)."""
    for line, _folded in head:
        found = find_date(line)
        if found and not any(char.isdigit() for char in line[: found.start]) and len(line) - found.end < 3:
            return found.value
    return None

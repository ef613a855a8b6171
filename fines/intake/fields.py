"""Find a fine letter's fields: labelled values, the values' parsers, and the letter head.

Pure: standard library and the project's pure modules (``app.fleet.plates``, ``fines.money``). The
words come from the rule tables in ``fines.intake.letters``; labels are matched on the folded text
(``fines.intake.dates.fold``), values are read from the original at the same place: the rest of the
label's line or, when that is empty, the next non-empty line. ``fines.intake.extraction`` puts the
fields together and checks them against each other.

OCR's slips (a fax, a poor scan) are undone by each field's own rules, never by a letter's: a label
misread by a letter or two is still found when no label is found as written (``_find_fuzzy``); an
issuer close to a known name takes that name (``letters.KNOWN_ISSUERS``); a notice number of a
known shape is written again as the shape says (``letters.NOTICE_SHAPES``); a structured reference
is read through its check digits (``structured_reference``); a plate through its country's formats
(``plate_value``); stray full stops leave names.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Generic, TypeVar

from app.fleet.plates import Plate, normalise_plate, plate_is_valid
from fines.intake.dates import find_date, find_time, fold
from fines.intake.letters import (
    ADDRESS,
    AMOUNT_LEAD,
    CANONICAL_ISSUERS,
    COMPANY,
    COMPANY_FORMS,
    GENERIC_HEAD,
    ISSUER_RULES,
    KIND_PHRASES,
    KNOWN_ISSUERS,
    LABELS,
    LANGUAGE_WORDS,
    LOWER_WORDS,
    NOTICE_SHAPES,
    SALUTATION,
    TITLE_WORDS,
    WEAK_LABELS,
)
from fines.money import find_structured_reference, fix_ocr_digits, parse_amount, structured_reference_valid

__all__ = ["Doc", "Found", "amount_value", "find_labelled", "head_lines", "leading_date", "leading_datetime",
           "leading_time", "letter_date_in_head", "notice_value", "plate_value", "prepare", "read_addressee",
           "read_issuer", "read_kind", "read_language", "reference_value", "structured_reference"]

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
    head = r"(?<![a-z0-9])" if anywhere else r"(?m)^[^\S\n]*(?:[-•*·>_|][^\S\n]*)?"
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


def _value_spans(doc: Doc, label_end: int) -> list[tuple[int, int]]:
    """Where the value of a label ending at ``label_end`` may be: the rest of its line, else the next non-empty line."""
    text = doc.text
    line_end = text.find("\n", label_end)
    line_end = len(text) if line_end < 0 else line_end
    separator = _SEPARATOR.match(text, label_end, line_end)
    start = separator.end() if separator else label_end
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
            for start, end in _value_spans(doc, match.end()):
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
    if best is None and after == 0:
        best = _find_fuzzy(doc, name, parse)
    return best


#: A label OCR misread (``Numfnerplaat``, ``Uiterste betaaidatum``) is still found when it is at
#: least this long and this many letters off at most (per ``FUZZY_SPAN`` letters of the label).
FUZZY_MIN = 6
FUZZY_SPAN = 7
_PLAIN_LABEL = re.compile(r"[a-z][a-z '°/\-]+")
_LINE_START = re.compile(r"(?m)^[^\S\n]*(?:[-•*·>_|][^\S\n]*)?(?=\S)")


def _find_fuzzy(doc: Doc, name: str, parse: Callable[[str], T | None]) -> Found[T] | None:
    """The first line starting with a plain label of ``name`` misread by a letter or two, whose value parses.

    Only for a field no label found as written: a label at the start of a line, of at least
    ``FUZZY_MIN`` letters, one edit allowed per ``FUZZY_SPAN`` letters (a letter misread, lost or added).
    """
    labels = [label for label in _labels(name, doc.language)
              if len(label) >= FUZZY_MIN and _PLAIN_LABEL.fullmatch(label) and label not in WEAK_LABELS]
    if not labels:
        return None
    for line in _LINE_START.finditer(doc.folded):
        start = line.end()
        for label in labels:
            end = _fuzzy_prefix(doc.folded, start, label)
            if end is None:
                continue
            for value_start, value_end in _value_spans(doc, end):
                value = parse(doc.text[value_start:value_end])
                if value is not None:
                    return Found(value, start, value_end, True)
    return None


def _fuzzy_prefix(folded: str, start: int, label: str) -> int | None:
    """Where a misread ``label`` ends when the text at ``start`` begins with it, else None."""
    allowed = len(label) // FUZZY_SPAN
    if folded[start] != label[0] and folded[start + 1:start + 2] != label[1]:
        return None
    for length in (len(label), len(label) - 1, len(label) + 1):
        end = start + length
        if end > len(folded) or (end < len(folded) and folded[end].isalnum()):
            continue
        if _distance(folded[start:end], label, allowed) <= allowed:
            return end
    return None


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is sure to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


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


_SPACED_TIME = re.compile(r"[^\S\n]*(?P<h>[01]?\d|2[0-3])(?: |[^\S\n]?[:.hu][^\S\n]?(?=\d \d))(?P<m>[0-5] ?\d)"
                          r"(?![\d.,:/])[^\S\n]*(?:uur|uhr|u|h)?[^\S\n]*$", re.IGNORECASE)


def leading_time(value: str) -> time | None:
    """A time of day at the very start of a value, not part of a date (a time labelled as such may
    have lost its colon, ``Uur 09 03``, or have a space in its minutes, ``Uur 02u1 1``)."""
    spaced = _SPACED_TIME.match(value)
    if spaced:
        return time(int(spaced.group("h")), int(spaced.group("m").replace(" ", "")))
    clock = find_time(value)
    if clock is None or clock.start > 4 or find_date(value[: clock.end + 6]) is not None:
        return None
    return clock.value


_NOTICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./\-_]*(?:[ ](?=\d)[\d./\-]+)*")


#: OCR reads a notice number's full stop between a letter and a digit as a colon now and then
#: ("AN:31.L2.118275/2026"); a time ("09:03") has digits on both sides and stays.
_OCR_STOP = re.compile(r"(?<=[A-Za-z]):(?=\d)|(?<=\d):(?=[A-Za-z])")


#: The French federal notice numbers start ``LI.`` (``LI.36.F3.340363/2026``): OCR reads ``L1.``,
#: ``Li.``, ``Ll.``, ``11.``.
_OCR_FEDERAL_FR = re.compile(r"^[L1l|I][1il|I](?=\.\d{2}\.F\d\.)")
#: A slash before a year read as a semicolon or a colon (``905972;2026``, ``905972:2026``).
_OCR_YEAR_SLASH = re.compile(r"(?<=\d{3})[;:](?=(?:19|20)\d{2}(?!\d))")
_SHAPES = tuple((re.compile(pattern), template) for pattern, template in NOTICE_SHAPES)


def _known_shape(value: str) -> str | None:
    """A notice number of a known shape (``letters.NOTICE_SHAPES``) at the start of ``value``, written again."""
    for pattern, template in _SHAPES:
        match = pattern.match(value)
        if match is None:
            continue
        parts = dict(match.groupdict())
        if parts.get("c"):
            parts["c"] = re.sub(r"^[1l|]", "L", parts["c"])
        if parts.get("zone"):
            parts["zone"] = re.sub(r"\D", "", parts["zone"])
            if len(parts["zone"]) != 4:
                continue
        return template.format(**parts)
    return None


def notice_value(value: str) -> str | None:
    """A notice number: a token of at least four characters with a digit, not a date.

    A number of a known shape is written again as that shape says (OCR's spaces, colons and
    semicolons in it undone); otherwise a semicolon, or a colon before a year, is a slash misread.
    """
    value = value.strip()
    value = _known_shape(value) or _OCR_YEAR_SLASH.sub("/", value)
    match = _NOTICE.match(_OCR_STOP.sub(".", value))
    if not match:
        return None
    token = _OCR_FEDERAL_FR.sub("LI", match.group(0).rstrip(".,-/"))
    if len(token) < 4 or not any(char.isdigit() for char in token) or find_date(token) is not None:
        return None
    return token


def plate_value(value: str, home: str | None = None) -> Plate | None:
    """The longest run of the first four tokens that reads as a plate with digits and letters.

    A full stop or comma between a plate's groups is a separator misread (``B-AB.1234``). With
    ``home`` (the country of the authority that wrote the letter), a plate written without
    separators that OCR confusions (``Z``/``2``, ``S``/``5``, ``B``/``8``, ...) turn into one of
    ``home``'s formats is read as such, rather than as another country's plate taken as written.
    """
    tokens = value.replace(":", " ").split()[:4]
    for count in range(len(tokens), 0, -1):
        raw = " ".join(tokens[:count]).strip(".,;()")
        plates = [plate for variant in dict.fromkeys((raw, re.sub(r"(?<=\w)[.,](?=\w)", " ", raw)))
                  if (plate := _plate_of(variant, home)) is not None]
        # A plate read as written wins over one that needed OCR confusions undone.
        exact = [plate for plate in plates if plate.text == re.sub(r"[\W_]", "", raw).upper()]
        if plates:
            return (exact or plates)[0]
    return None


def _plate_of(raw: str, home: str | None) -> Plate | None:
    plate = normalise_plate(raw)
    if plate is None or not any(char.isdigit() for char in plate.text) or not any(
            char.isalpha() for char in plate.text + ("X" if plate.country == "LU" else "")):
        plate = None
    if home is not None and (plate is None or plate.country != home) and raw.isalnum():
        at_home = normalise_plate(raw, home)
        if at_home is not None and plate_is_valid(at_home):
            return at_home
    return plate


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
    """A structured communication, else a run of at least six digits (OCR confusions undone).

    A run between a structured communication's marks of more than twelve digits (a ``+`` of the
    marks read as a ``4``) gives the twelve that pass the check, when some do.
    """
    structured = structured_reference(value)
    if structured:
        return structured
    run = re.match(r"[^\S\n]*([+*\"'#]{0,4})[^\S\n]*([\d\s./+*\-OolI]+)", value)
    if not run:
        return None
    digits = re.sub(r"\D", "", fix_ocr_digits(run.group(2)))
    marked = run.group(1) or "+" in run.group(2) or "*" in run.group(2)
    return (_checked_window(digits) if marked else None) or (digits if len(digits) >= 6 else None)


#: A structured communication as OCR may render it: its marks (``+++``, ``***``, a ``+`` or ``*``
#: lost or read as a quote) and, between them, digits separated by anything a slash is misread as.
_MARKED = re.compile(r"(?:[+*][^\S\n]?){2,3}|[+*][\"'][^\S\n]?")
_MARKED_BODY = re.compile(r"[^\S\n]*([\dOolI|][\dOolI|\s/:;.,!\-]{10,26}[\dOolI|])")


def structured_reference(text: str) -> str | None:
    """The digits of a Belgian structured communication in ``text``, OCR's slips undone.

    A reference that passes its mod-97 check is taken as written; otherwise the digits between
    the marks, whatever separates them (``+++348:8002:84218+++``, ``+++512:4569,16592+++``), and
    of more than twelve digits the twelve that pass the check (``++4575/8337/42130+++``, whose
    first ``+`` was read as a 4). A reference that passes no check is still returned.
    """
    written = find_structured_reference(text)
    if written is not None and structured_reference_valid(written):
        return written
    unchecked: str | None = None
    for mark in _MARKED.finditer(text):
        body = _MARKED_BODY.match(text, mark.end())
        if body is None:
            continue
        digits = re.sub(r"\D", "", fix_ocr_digits(body.group(1)).translate(_OCR_DIGITS))
        found = _checked_window(digits)
        if found:
            return found
        if unchecked is None and len(digits) == 12:
            unchecked = digits
    return written or unchecked


_OCR_DIGITS = str.maketrans("OolI|", "00111")


def _checked_window(digits: str) -> str | None:
    """The twelve digits of ``digits`` that pass the structured communication's check, first the whole."""
    if not 12 <= len(digits) <= 16:
        return None
    for start in range(len(digits) - 11):
        if structured_reference_valid(digits[start:start + 12]):
            return digits[start:start + 12]
    return None


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
    name = _trim_stop(re.sub(r"\s+-\s+.*$", "", name).strip(" -,:;|"))
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
        known = _known_issuer(line, folded)
        if known is not None:
            return known, index
    for index, (line, folded) in enumerate(head):
        if GENERIC_HEAD.match(folded) or ADDRESS.search(line) or COMPANY.search(line) or sum(
                char.isalpha() for char in line) < MIN_NAME_LETTERS:
            continue
        return _pretty_name(line), index
    return None, None


#: A head line with fewer letters than this names no one (OCR's reading of a logo or a speck, ``il``).
MIN_NAME_LETTERS = 3
#: How close (``difflib`` ratio) the start of a head line must come to a known issuer's name.
ISSUER_SIMILARITY = 0.85
_KNOWN = tuple((name, fold(name), len(name.split())) for name in KNOWN_ISSUERS)


def _known_issuer(line: str, folded: str) -> str | None:
    """A known issuer (``letters.KNOWN_ISSUERS``) the line starts with, misread by a letter or two
    (``Parket yan de procureur des Konings``, ``Parquet du procureur. du Roi``), spelt as the issuer
    does, with the rest of the line (a city, say) kept."""
    words, folded_words = line.split(), folded.split()
    for name, folded_name, count in _KNOWN:
        ratios = []
        for take in (count, count - 1, count + 1):  # a word may have been split or two run together
            if 1 <= take <= len(folded_words):
                matcher = difflib.SequenceMatcher(None, " ".join(folded_words[:take]), folded_name, autojunk=False)
                if matcher.real_quick_ratio() >= ISSUER_SIMILARITY:
                    ratios.append((matcher.ratio(), -abs(take - count), take))
        ratio, _, take = max(ratios, default=(0.0, 0, 0))
        if ratio >= ISSUER_SIMILARITY:
            rest = re.sub(r"^-\s.*$", "", " ".join(words[take:]))  # " - Verkeersbemiddeling": a department
            rest = _trim_stop(rest.strip(" -,:;|."))
            return name + (" " + rest if sum(char.isalpha() for char in rest) >= 3 else "")
    return None


def _trim_stop(name: str) -> str:
    """A name without the full stop OCR put after its last word (an abbreviation's stop kept: ``S.A.``)."""
    return re.sub(r"(?<=[^\W\d_]{2})\.$", "", name) if not re.search(r"\.\w+\.$", name) else name


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


_GLUED_FORM = re.compile(r"(?<=[^\W\d_])[.,]\s*(?=(?:" + COMPANY_FORMS + r")\.?$)", re.IGNORECASE)


def _clean_name(line: str) -> str:
    """An addressee's name without a leading ``Aan:``, stray marks, or the full stop OCR put after
    it or between it and its company form (``Autolease Vlaanderen.NV``)."""
    line = re.sub(r"^(?:aan|à|an|to|firma)\s*:\s*", "", line, flags=re.IGNORECASE)
    line = _GLUED_FORM.sub(" ", re.sub(r"\s{2,}", " ", line.strip(" |_-—,;:")))
    return _trim_stop(line)


def letter_date_in_head(head: list[tuple[str, str]]) -> date | None:
    """A date standing alone at the end of a head line (a letter without a date label)."""
    for line, _folded in head:
        found = find_date(line)
        if found and not any(char.isdigit() for char in line[: found.start]) and len(line) - found.end < 3:
            return found.value
    return None

"""Read the fields of a traffic-fine letter from its text (text layer or OCR): the entry point.

Pure: standard library and the project's pure modules. ``extract_fields`` reads the letter with
``fines.intake.fields`` (labelled values and the letter head, through the rule tables of
``fines.intake.letters`` and the dates of ``fines.intake.dates``), then checks the fields against
each other and says how sure it is of each (``Extraction``).

Times: ``offence_at`` is the wall time written on the letter, made aware in Europe/Brussels. For
foreign letters (CJIB, ANTAI, German, Luxembourg) the same wall time is kept in the Brussels zone:
the Netherlands, France, Germany and Luxembourg share Belgium's time zone and summer time.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import TypeVar

from app.fleet.plates import plate_is_valid
from app.workcalendar import BRUSSELS
from fines.intake.dates import fold
from fines.intake.fields import (
    Doc,
    Found,
    amount_value,
    find_labelled,
    head_lines,
    leading_date,
    leading_datetime,
    leading_time,
    letter_date_in_head,
    notice_value,
    plate_value,
    prepare,
    read_addressee,
    read_issuer,
    read_kind,
    read_language,
    reference_value,
    structured_reference,
)
from fines.money import structured_reference_valid
from fines.reasons import Reason

__all__ = ["FIELDS", "KINDS", "REQUIRED", "REVIEW_THRESHOLD", "Extraction", "extract_fields"]

KINDS = ("immediate_collection", "driver_identification", "parking", "lez", "settlement", "payment_order",
         "foreign", "other")
#: The fields read from a letter, in the order screens and exports show them.
FIELDS = ("kind", "language", "issuer", "notice_number", "plate", "plate_country", "offence_at", "letter_date",
          "due_date", "amount_cents", "currency", "payment_reference", "addressee")
#: A field whose confidence is below this sends the fine to a person.
REVIEW_THRESHOLD = 0.7
#: Fields a fine cannot be processed without, per kind (money fields only where money is asked).
_ALWAYS = ("issuer", "notice_number", "plate", "offence_at", "letter_date", "due_date", "addressee")
REQUIRED: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "driver_identification": _ALWAYS,
    "foreign": ("issuer", "notice_number", "plate", "offence_at", "amount_cents", "currency"),
    "other": ("kind", *_ALWAYS),
    **{kind: (*_ALWAYS, "amount_cents", "currency", "payment_reference")
       for kind in ("immediate_collection", "parking", "lez", "settlement", "payment_order")},
})

T = TypeVar("T")


@dataclass(frozen=True)
class Extraction:
    """The fields read from one fine letter, how sure each is, and what looks wrong."""

    kind: str = "other"
    language: str = "nl"
    issuer: str | None = None
    notice_number: str | None = None
    plate: str | None = None
    plate_country: str | None = None
    offence_at: datetime | None = None
    letter_date: date | None = None
    due_date: date | None = None
    amount_cents: int | None = None
    currency: str | None = None
    payment_reference: str | None = None
    addressee: str | None = None
    confidence: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[Reason, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """Required fields (for this kind) the letter did not yield."""
        return tuple(name for name in REQUIRED.get(self.kind, _ALWAYS)
                     if name != "kind" and getattr(self, name) is None)

    @property
    def needs_review(self) -> bool:
        """A person must look: a required field is missing, a field is doubtful, or a check failed."""
        if self.kind == "other" or self.missing or self.problems:
            return True
        return any(value < REVIEW_THRESHOLD for name, value in self.confidence.items()
                   if getattr(self, name, None) is not None)

    def as_json(self, file: str) -> dict[str, object]:
        """The fields as JSON-ready values (ISO dates, offence time with its Brussels offset)."""
        return {
            "file": file,
            "kind": self.kind,
            "language": self.language,
            "issuer": self.issuer,
            "notice_number": self.notice_number,
            "plate": self.plate,
            "plate_country": self.plate_country,
            "offence_at": self.offence_at.isoformat() if self.offence_at else None,
            "letter_date": self.letter_date.isoformat() if self.letter_date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "amount_cents": self.amount_cents,
            "currency": self.currency,
            "payment_reference": self.payment_reference,
            "addressee": self.addressee,
        }


# --------------------------------------------------------------------------- the entry point

def extract_fields(text: str) -> Extraction:
    """Read every field of a fine letter from its text; see ``Extraction`` for the result."""
    prepared = prepare(text)
    folded = fold(prepared)
    language = read_language(folded)
    doc = Doc(prepared, folded, language)
    confidence: dict[str, float] = {"language": 0.9}
    problems: list[Reason] = []

    kind, _kind_at = read_kind(folded)
    confidence["kind"] = 0.95 if kind != "other" else 0.3

    head = head_lines(doc)
    issuer, issuer_line = read_issuer(head)
    confidence["issuer"] = 0.9 if issuer_line is not None else 0.0
    addressee, confidence["addressee"] = read_addressee(head, issuer_line)

    notice = find_labelled(doc, "notice_number", notice_value)
    confidence["notice_number"] = _score(notice)

    plate_text, plate_country = _plate(doc, kind, confidence, problems)

    letter = find_labelled(doc, "letter_date", leading_date, earliest=True)
    letter_date = letter.value if letter else letter_date_in_head(head)
    confidence["letter_date"] = _score(letter) if letter else (0.6 if letter_date else 0.0)

    offence_at, confidence["offence_at"] = _offence(doc, letter.end if letter else 0, problems)

    due = find_labelled(doc, "due_date", leading_date)
    due_date = due.value if due else None
    confidence["due_date"] = _score(due)

    amount_cents, currency = _amount(doc, confidence, problems)
    reference = _reference(doc, kind, confidence, problems)
    _check_dates(offence_at.date() if offence_at else None, letter_date, due_date, confidence, problems)

    result = Extraction(
        kind=kind, language=language, issuer=issuer, notice_number=notice.value if notice else None,
        plate=plate_text, plate_country=plate_country, offence_at=offence_at, letter_date=letter_date,
        due_date=due_date, amount_cents=amount_cents, currency=currency, payment_reference=reference,
        addressee=addressee, confidence=MappingProxyType({name: confidence.get(name, 0.0) for name in FIELDS}),
    )
    problems.extend(Reason("missing", {"field": name}) for name in result.missing)
    return Extraction(**{**{name: getattr(result, name) for name in FIELDS}, "confidence": result.confidence,
                         "problems": tuple(problems)})


def _score(found: Found[T] | None) -> float:
    if found is None:
        return 0.0
    return 0.75 if found.weak else 0.95


#: The country of the authorities whose letters are not ``foreign``: a plate they write without
#: separators is read as one of its plates when OCR confusions undone make it one.
HOME_COUNTRY = "BE"


def _plate(doc: Doc, kind: str, confidence: dict[str, float], problems: list[Reason]) -> tuple[str | None, str | None]:
    """The plate and its country; a plate that fits no format of its country is doubtful."""
    home = None if kind == "foreign" else HOME_COUNTRY
    found = find_labelled(doc, "plate", lambda value: plate_value(value, home))
    confidence["plate"] = confidence["plate_country"] = _score(found)
    if found is None:
        return None, None
    if not plate_is_valid(found.value):
        problems.append(Reason("plate_pattern", {"country": found.value.country or ""}))
        confidence["plate"] = 0.3
    return found.value.text, found.value.country


def _offence(doc: Doc, after_letter: int, problems: list[Reason]) -> tuple[datetime | None, float]:
    found = find_labelled(doc, "offence_at", leading_datetime)
    if found is None:
        found = find_labelled(doc, "offence_date_generic", leading_datetime, after=after_letter)
    if found is None:
        return None, 0.0
    day, clock = found.value
    score = _score(found)
    if clock is None:
        clock_found = find_labelled(doc, "offence_time", leading_time, after=found.start)
        clock = clock_found.value if clock_found else None
    if clock is None:
        problems.append(Reason("offence_time_missing"))
        clock, score = time(0, 0), 0.5
    return datetime.combine(day, clock, tzinfo=BRUSSELS), score


def _amount(doc: Doc, confidence: dict[str, float], problems: list[Reason]) -> tuple[int | None, str | None]:
    """The amount in cents and its currency (euro when the letter writes none); an implausible amount is doubtful."""
    found = find_labelled(doc, "amount", amount_value)
    confidence["amount_cents"] = confidence["currency"] = _score(found)
    if found is None:
        return None, None
    amount_cents, currency = found.value
    if currency is None:
        currency = "EUR"
        confidence["currency"] = 0.75
    if not 0 < amount_cents <= 10_000_000:
        problems.append(Reason("implausible_amount"))
        confidence["amount_cents"] = 0.3
    return amount_cents, currency


def _reference(doc: Doc, kind: str, confidence: dict[str, float], problems: list[Reason]) -> str | None:
    """The payment reference: a structured communication anywhere, else a labelled one; a bad check is doubtful."""
    reference = structured_reference(doc.text)
    confidence["payment_reference"] = 0.95 if reference else 0.0
    if reference is None:
        labelled = find_labelled(doc, "payment_reference", reference_value)
        reference = labelled.value if labelled else None
        confidence["payment_reference"] = _score(labelled)
    if (reference is not None and len(reference) == 12 and kind not in ("foreign",)
            and not structured_reference_valid(reference)):
        problems.append(Reason("reference_check"))
        confidence["payment_reference"] = 0.2
    return reference


def _check_dates(offence_day: date | None, letter_date: date | None, due_date: date | None,
                 confidence: dict[str, float], problems: list[Reason]) -> None:
    """Doubt the dates that contradict each other: an offence after the letter or the due date, a letter after it."""
    if offence_day and letter_date and offence_day > letter_date:
        problems.append(Reason("offence_after_letter"))
        confidence["offence_at"] = min(confidence["offence_at"], 0.4)
        confidence["letter_date"] = min(confidence["letter_date"], 0.4)
    if letter_date and due_date and letter_date > due_date:
        problems.append(Reason("due_before_letter"))
        confidence["due_date"] = min(confidence["due_date"], 0.4)
    if offence_day and due_date and offence_day > due_date and not letter_date:
        problems.append(Reason("offence_after_due"))
        confidence["due_date"] = min(confidence["due_date"], 0.4)

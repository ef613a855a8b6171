"""Read the JSON input of ``fleetdesk assistance check`` into the check's values, or say what is wrong.

Pure: standard library and the assistance values. The input is ``{"cover": {...}, "vehicle": {...},
"case": {...}}`` (keys in docs/assistance.md); unknown keys are refused so a misspelt key is not
silently read as absent. Problems raise ``CheckInputError`` with a code of ``ERROR_CODES``, the
dotted field (``case.at``) and string parameters; ``assistance.labels`` words them.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from assistance.clocks import day_of
from assistance.rules import place_of
from assistance.terms import Body, CaseFacts, Cause, CoverTerms, Exclusion, Formula, Product, VehicleFacts

__all__ = ["ERROR_CODES", "EXPECTED", "KEYS", "CheckInputError", "parse_check_input"]

#: Every code ``parse_check_input`` raises (and ``bad_json``/``unreadable`` for the CLI's file).
ERROR_CODES: tuple[str, ...] = (
    "unreadable", "bad_json", "not_an_object", "missing", "unknown_key", "bad_type", "bad_date", "bad_time",
    "naive_time", "unknown_value", "unknown_country", "bad_number", "out_of_order", "out_of_range",
)

#: The dates the check reads (the calendars and the conditions make no sense far outside them).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

#: What a ``bad_type`` error expected (its ``expected`` parameter).
EXPECTED: tuple[str, ...] = ("value", "text", "boolean", "date", "time", "list")

#: The keys of each section; those marked True must be present (their value may still be null where allowed).
KEYS: Mapping[str, Mapping[str, bool]] = {
    "cover": {"product": True, "formula": False, "upgrade": False, "start": True, "premium_paid": True,
              "signed": False, "end": False},
    "vehicle": {"plate": True, "registered": True, "max_mass_kg": False, "body": False},
    "case": {"cause": True, "at": True, "country": True, "assistance_called_at_once": True, "police_tow": True,
             "helper_arrived_at": False, "immobilised_until": False, "repairable_within_3_workdays": False,
             "exclusions": False, "trip_started": False},
}

E = TypeVar("E", bound=StrEnum)


class CheckInputError(ValueError):
    """Bad input: ``code`` (of ``ERROR_CODES``), ``field`` (dotted path or ``""``) and ``params``."""

    def __init__(self, code: str, field: str, params: Mapping[str, str] | None = None) -> None:
        self.code = code
        self.field = field
        self.params: dict[str, str] = dict(params or {})
        super().__init__(f"{code} at {field or 'input'}: {self.params}")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    if name not in data:
        raise CheckInputError("missing", name)
    if not isinstance(value, Mapping):
        raise CheckInputError("not_an_object", name)
    allowed = KEYS[name]
    for key in sorted(value):
        if key not in allowed:
            raise CheckInputError("unknown_key", f"{name}.{key}", {"key": str(key)})
    for key, required in allowed.items():
        if required and key not in value:
            raise CheckInputError("missing", f"{name}.{key}")
    return value


class _Reader:
    """Reads one section's values, naming the field in every error."""

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        self.name = name
        self.values = values

    def field(self, key: str) -> str:
        return f"{self.name}.{key}"

    def raw(self, key: str, *, nullable: bool) -> Any:
        value = self.values.get(key)
        if value is None and not nullable and key in self.values:
            raise CheckInputError("bad_type", self.field(key), {"expected": "value"})
        return value

    def text(self, key: str) -> str:
        value = self.raw(key, nullable=False)
        if not isinstance(value, str) or not value.strip():
            raise CheckInputError("bad_type", self.field(key), {"expected": "text"})
        return value.strip()

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.raw(key, nullable=True)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise CheckInputError("bad_type", self.field(key), {"expected": "boolean"})
        return value

    def optional_flag(self, key: str) -> bool | None:
        value = self.raw(key, nullable=True)
        return None if value is None else self.flag(key)

    def day(self, key: str) -> date | None:
        value = self.raw(key, nullable=True)
        if value is None:
            return None
        if not isinstance(value, str) or len(value.strip()) != 10:
            raise CheckInputError("bad_date", self.field(key), {"value": str(value)})
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise CheckInputError("bad_date", self.field(key), {"value": value}) from None
        return self.in_range(key, day, value)

    def in_range(self, key: str, day: date, value: str) -> date:
        if not EARLIEST <= day <= LATEST:
            raise CheckInputError("out_of_range", self.field(key),
                                  {"value": value, "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})
        return day

    def required_day(self, key: str) -> date:
        value = self.day(key)
        if value is None:
            raise CheckInputError("bad_type", self.field(key), {"expected": "date"})
        return value

    def moment(self, key: str) -> datetime | None:
        value = self.raw(key, nullable=True)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) and "T" in value else None
        except ValueError:
            moment = None
        if moment is None:
            raise CheckInputError("bad_time", self.field(key), {"value": str(value)})
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise CheckInputError("naive_time", self.field(key), {"value": str(value)})
        self.in_range(key, moment.date(), str(value))
        return moment.astimezone(UTC)

    def required_moment(self, key: str) -> datetime:
        value = self.moment(key)
        if value is None:
            raise CheckInputError("bad_type", self.field(key), {"expected": "time"})
        return value

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E | None:
        value = self.raw(key, nullable=default is None)
        if value is None:
            return default
        return _choice(value, kind, self.field(key))

    def country(self, key: str, *, subdivisions: bool) -> str:
        value = self.text(key).upper()
        place = place_of(value)
        if place is None or (not subdivisions and place.code != place.country):
            raise CheckInputError("unknown_country", self.field(key), {"value": value})
        return value

    def mass(self, key: str) -> int | None:
        value = self.raw(key, nullable=True)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise CheckInputError("bad_number", self.field(key), {"value": str(value)})
        return value


def _choice(value: Any, kind: type[E], field: str) -> E:
    allowed = ", ".join(member.value for member in kind)
    if not isinstance(value, str):
        raise CheckInputError("unknown_value", field, {"value": str(value), "allowed": allowed})
    try:
        return kind(value.strip().lower())
    except ValueError:
        raise CheckInputError("unknown_value", field, {"value": value, "allowed": allowed}) from None


def _required(value: E | None, reader: _Reader, key: str) -> E:
    if value is None:
        raise CheckInputError("bad_type", reader.field(key), {"expected": "value"})
    return value


def _cover(section: Mapping[str, Any]) -> CoverTerms:
    r = _Reader("cover", section)
    return CoverTerms(
        product=_required(r.choice("product", Product), r, "product"),
        formula=r.choice("formula", Formula),
        upgrade=r.flag("upgrade"),
        start=r.required_day("start"),
        premium_paid=r.day("premium_paid"),
        signed=r.day("signed"),
        end=r.day("end"),
    )


def _vehicle(section: Mapping[str, Any]) -> VehicleFacts:
    r = _Reader("vehicle", section)
    return VehicleFacts(
        plate=r.text("plate").upper(),
        registered=r.country("registered", subdivisions=False),
        max_mass_kg=r.mass("max_mass_kg"),
        body=_required(r.choice("body", Body, Body.CAR), r, "body"),
    )


def _exclusions(r: _Reader) -> frozenset[Exclusion]:
    value = r.raw("exclusions", nullable=True)
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise CheckInputError("bad_type", r.field("exclusions"), {"expected": "list"})
    return frozenset(_choice(item, Exclusion, r.field("exclusions")) for item in value)


def _case(section: Mapping[str, Any]) -> CaseFacts:
    r = _Reader("case", section)
    case = CaseFacts(
        cause=_required(r.choice("cause", Cause), r, "cause"),
        at=r.required_moment("at"),
        country=r.country("country", subdivisions=True),
        assistance_called_at_once=_strict_flag(r, "assistance_called_at_once"),
        police_tow=_strict_flag(r, "police_tow"),
        helper_arrived_at=r.moment("helper_arrived_at"),
        immobilised_until=r.moment("immobilised_until"),
        repairable_within_3_workdays=r.optional_flag("repairable_within_3_workdays"),
        exclusions=_exclusions(r),
        trip_started=r.day("trip_started"),
    )
    _check_order(case)
    return case


def _strict_flag(r: _Reader, key: str) -> bool:
    if r.raw(key, nullable=False) is None:
        raise CheckInputError("bad_type", r.field(key), {"expected": "boolean"})
    return r.flag(key)


def _check_order(case: CaseFacts) -> None:
    later: tuple[tuple[str, datetime | None], ...] = (
        ("helper_arrived_at", case.helper_arrived_at), ("immobilised_until", case.immobilised_until))
    for key, moment in later:
        if moment is not None and moment < case.at:
            raise CheckInputError("out_of_order", f"case.{key}", {"before": "case.at"})
    if case.trip_started is not None and case.trip_started > day_of(case.at):
        raise CheckInputError("out_of_order", "case.trip_started", {"before": "case.at"})


def parse_check_input(data: Mapping[str, Any]) -> tuple[CoverTerms, VehicleFacts, CaseFacts]:
    """Read ``{"cover", "vehicle", "case"}``; raise ``CheckInputError`` on the first problem found."""
    if not isinstance(data, Mapping):
        raise CheckInputError("not_an_object", "")
    for key in sorted(data):
        if key not in KEYS:
            raise CheckInputError("unknown_key", str(key), {"key": str(key)})
    cover = _cover(_section(data, "cover"))
    vehicle = _vehicle(_section(data, "vehicle"))
    case = _case(_section(data, "case"))
    return cover, vehicle, case

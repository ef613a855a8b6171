"""Query parameters, read once and checked: a bad value is a 400 that says what is wrong, never a 500.

Every view reads ``request.args`` through these helpers only (a test holds that), so a page, a
month or an id out of range never reaches the database or the date arithmetic. An empty value is
the same as a missing one (a filter form sends ``client=`` for "all clients").
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

#: Dates and months a back office deals with; outside this range there is nothing to show.
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: The largest id the database holds (PostgreSQL ``integer``); a larger one matches nothing anyway.
MAX_ID = 2**31 - 1
#: No list has more pages than this.
MAX_PAGE = 100_000
MAX_TEXT = 200
_INTEGER = re.compile(r"-?[0-9]{1,12}\Z")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Which parameters each endpoint has read so far (the hostile-parameter test fuzzes exactly those).
_READ: dict[str, set[str]] = {}


class BadParameter(BadRequest):
    """A query parameter with a value the page cannot use; ``description`` says why, translated."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.parameter = name


def names_read(endpoint: str) -> frozenset[str]:
    """The query parameters ``endpoint`` has read since the process started."""
    return frozenset(_READ.get(endpoint, ()))


def _get(name: str) -> str | None:
    _READ.setdefault(request.endpoint or "", set()).add(name)
    return request.args.get(name)


def _raw(name: str) -> str | None:
    value = _get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def text_arg(name: str, max_length: int = MAX_TEXT) -> str | None:
    """A short text (a search): no control characters, at most ``max_length`` characters."""
    value = _raw(name)
    if value is None:
        return None
    if len(value) > max_length or _CONTROL.search(value):
        raise BadParameter(name, _("“%(name)s” must be a text of at most %(max)s characters, without control "
                                   "characters.", name=name, max=max_length))
    return value


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A whole number from ``minimum`` to ``maximum``, or ``default`` when it is not given."""
    value = _raw(name)
    if value is None:
        return default
    number = int(value) if _INTEGER.match(value) else None
    if number is None or not minimum <= number <= maximum:
        raise BadParameter(name, _("“%(name)s” must be a whole number from %(min)s to %(max)s.",
                                   name=name, min=minimum, max=maximum))
    return number


def id_arg(name: str) -> int | None:
    """The id of a record (a client, an agent, a category) to filter on, or None for all."""
    return int_arg(name)


def page_arg(name: str = "page") -> int:
    """The page of a list, counted from 1."""
    return int_arg(name, 1, maximum=MAX_PAGE) or 1


def choice_arg(name: str, choices: Sequence[str], default: str | None = None) -> str | None:
    """One of ``choices``, or ``default`` when it is not given."""
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise BadParameter(name, _("“%(name)s” must be one of: %(choices)s.", name=name, choices=", ".join(choices)))
    return value


def month_arg(name: str = "month") -> date | None:
    """A month written ``YYYY-MM`` (the first day of it), or None when it is not given."""
    value = _raw(name)
    if value is None:
        return None
    match = _MONTH.match(value) if value.isascii() else None
    if match and FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise BadParameter(name, _("“%(name)s” must be a month from %(first)s-01 to %(last)s-12, written YYYY-MM.",
                               name=name, first=FIRST_YEAR, last=LAST_YEAR))


def date_arg(name: str) -> date | None:
    """A date written ``YYYY-MM-DD``, or None when it is not given."""
    value = _raw(name)
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value) if value.isascii() and _DATE.match(value) else None
    except ValueError:
        parsed = None
    if parsed is None or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise BadParameter(name, _("“%(name)s” must be a date from %(first)s-01-01 to %(last)s-12-31, written "
                                   "YYYY-MM-DD.", name=name, first=FIRST_YEAR, last=LAST_YEAR))
    return parsed


def next_arg(name: str = "next") -> str | None:
    """A local path to go to after a step (logging in); anything else, another site included, is None."""
    value = _get(name)
    if not value or len(value) > 2000 or _CONTROL.search(value) or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return None
    return value

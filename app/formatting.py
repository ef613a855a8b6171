"""How the screens write moments, days, durations, amounts and percentages, per language.

One list format and one detail format per language, always in Belgian local time; amounts and
percentages through Babel for the user's locale (Belgian Dutch and French, British English).
Templates use the filters ``when``, ``when_long``, ``day``, ``day_long``, ``month``, ``duration``,
``money``, ``percent`` and ``colon`` (a label's colon, with French spacing); Python code calls the functions.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _

from app.workcalendar import BRUSSELS

# The UI's languages and the Babel locale their numbers and dates are written in.
FORMAT_LOCALES = {"en": "en_GB", "nl": "nl_BE", "fr": "fr_BE"}
# Lists: short and sortable by eye, the same shape in every language (3/11/2026 14:35).
LIST_DATE = "d/MM/yyyy"
LIST_TIME = "HH:mm"


@lru_cache(maxsize=8)
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


def format_locale() -> Locale:
    """The Babel locale for the current request's language (``en_GB``, ``nl_BE`` or ``fr_BE``).

    Parsed once per language: a list of 50 rows formats hundreds of dates and amounts.
    """
    language = str(get_locale() or "en").split("_")[0]
    return _babel_locale(FORMAT_LOCALES.get(language, "en_GB"))


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:  # stored naive by SQLite: the database keeps UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BRUSSELS)


def when(value: datetime | None) -> str:
    """A moment in a list: ``3/11/2026 14:35`` (Belgian local time)."""
    if value is None:
        return ""
    local = _local(value)
    return format_datetime(local, f"{LIST_DATE} {LIST_TIME}", tzinfo=local.tzinfo, locale=format_locale())


def when_long(value: datetime | None) -> str:
    """A moment on a detail page: ``3 November 2026, 14:35`` / ``3 novembre 2026, 14:35`` (CLDR's long form)."""
    if value is None:
        return ""
    locale = format_locale()
    local = _local(value)
    day = format_date(local, "long", locale=locale)
    time = format_datetime(local, LIST_TIME, tzinfo=local.tzinfo, locale=locale)
    pattern = str(locale.datetime_formats.get("long", "{1} {0}"))
    return pattern.replace("'", "").replace("{1}", day).replace("{0}", time)


def time_of_day(value: datetime | None) -> str:
    """Only the local time of a moment: ``14:35``."""
    if value is None:
        return ""
    local = _local(value)
    return format_datetime(local, LIST_TIME, tzinfo=local.tzinfo, locale=format_locale())


def day(value: date | datetime | None) -> str:
    """A date in a list: ``3/11/2026``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, LIST_DATE, locale=format_locale())


def day_long(value: date | datetime | None) -> str:
    """A date in prose or on a detail page: ``3 November 2026`` / ``3 novembre 2026``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, "long", locale=format_locale())


def month(value: date | None) -> str:
    """A month as words in the user's language: ``November 2026`` / ``november 2026``."""
    if value is None:
        return ""
    return format_date(value, "LLLL yyyy", locale=format_locale())


def duration(value: timedelta | float | int | None) -> str:
    """A span of (working) time: ``0 min``, ``31 min``, ``1 h 30 min``, ``12 h`` (seconds if a number)."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    minutes = round(abs(seconds) / 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        text = _("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)
    elif hours:
        text = _("%(hours)s h", hours=hours)
    else:
        text = _("%(minutes)s min", minutes=rest)
    return f"−{text}" if seconds < 0 and minutes else text


def money(cents: int | None, currency: str | None = "EUR") -> str:
    """An amount kept in cents: ``€ 58,00`` (nl), ``58,00 €`` (fr), ``€58.00`` (en)."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, currency or "EUR", locale=format_locale())


def number(value: float | int | Decimal | None, digits: int = 0) -> str:
    """A number with the locale's separators and ``digits`` decimals."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=format_locale())


def percent(value: float | Decimal | None, digits: int = 2) -> str:
    """A percentage given as a number of percent (98.87 → ``98,87 %`` in nl and fr)."""
    if value is None:
        return ""
    text = number(value, digits)
    separator = {"fr": "\u202f", "nl": "\u00a0"}.get(format_locale().language, "")
    return f"{text}{separator}%"


def colon(label: object) -> str:
    """A label followed by a colon, French-style with a non-breaking space before it (``Client :``)."""
    return f"{label}\u00a0:" if format_locale().language == "fr" else f"{label}:"


def semicolons(items: Iterable[str]) -> str:
    """Items joined by semicolons, French-style with a non-breaking space before each (``a ; b``)."""
    return ("\u00a0; " if format_locale().language == "fr" else "; ").join(items)


def init_app(app: Flask) -> None:
    """Offer the formatting functions to templates as filters."""
    for name, function in (("when", when), ("when_long", when_long), ("time_of_day", time_of_day), ("day", day),
                           ("day_long", day_long), ("month", month), ("duration", duration), ("money", money),
                           ("number", number), ("percent", percent), ("colon", colon)):
        app.add_template_filter(function, name)

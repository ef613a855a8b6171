"""A data subject's request's deadline (GDPR art. 12(3)): one calendar month from receipt, extendable once
by two more months. Pure: dates in, dates out; the current day comes in as ``today``."""
from __future__ import annotations

import calendar
from datetime import date

KINDS = ("access", "rectification", "erasure", "restriction", "portability", "objection")
STATES = ("open", "extended", "answered", "refused")
OPEN_STATES = ("open", "extended")
ANSWER_MONTHS = 1
EXTENSION_MONTHS = 2
WARN_DAYS = 7


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(received: date, extended: bool = False) -> date:
    """The day by which the answer is owed: a month after receipt, three when the deadline was extended.

    The extension counts from receipt (one month plus two), so a 31 January request is due on 30 April
    when extended, not 28 February plus two months."""
    return add_months(received, ANSWER_MONTHS + (EXTENSION_MONTHS if extended else 0))


def urgency(due: date, today: date, state: str) -> str:
    """``late`` past the due day, ``soon`` within ``WARN_DAYS`` of it, ``ok`` before; ``done`` once answered."""
    if state not in OPEN_STATES:
        return "done"
    if today > due:
        return "late"
    if (due - today).days <= WARN_DAYS:
        return "soon"
    return "ok"

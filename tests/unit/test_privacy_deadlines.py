"""A data subject's request's deadline: a calendar month after receipt, three when extended (GDPR art. 12(3))."""
from __future__ import annotations

from datetime import date

import pytest

from app.privacy.deadlines import add_months, due_date, urgency


@pytest.mark.parametrize(("received", "extended", "due"), [
    (date(2026, 3, 15), False, date(2026, 4, 15)),
    (date(2026, 1, 31), False, date(2026, 2, 28)),   # end of month: clamped
    (date(2028, 1, 31), False, date(2028, 2, 29)),   # leap year
    (date(2026, 3, 31), False, date(2026, 4, 30)),
    (date(2026, 12, 10), False, date(2027, 1, 10)),  # over the year's end
    (date(2026, 1, 31), True, date(2026, 4, 30)),    # extended: three months from receipt, not 28/2 + 2
    (date(2026, 11, 30), True, date(2027, 2, 28)),
    (date(2026, 10, 31), True, date(2027, 1, 31)),
])
def test_due_date_is_calendar_months_from_receipt(received: date, extended: bool, due: date) -> None:
    assert due_date(received, extended) == due


def test_add_months_keeps_the_day_when_it_exists() -> None:
    assert add_months(date(2026, 2, 28), 1) == date(2026, 3, 28)
    assert add_months(date(2026, 5, 31), 13) == date(2027, 6, 30)


@pytest.mark.parametrize(("today", "state", "expected"), [
    (date(2026, 4, 1), "open", "ok"),
    (date(2026, 4, 8), "open", "soon"),      # 7 days before
    (date(2026, 4, 15), "extended", "soon"),  # the due day itself
    (date(2026, 4, 16), "open", "late"),
    (date(2026, 4, 16), "answered", "done"),
    (date(2026, 4, 16), "refused", "done"),
])
def test_urgency_warns_seven_days_ahead(today: date, state: str, expected: str) -> None:
    assert urgency(date(2026, 4, 15), today, state) == expected

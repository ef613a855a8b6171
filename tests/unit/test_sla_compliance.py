"""The desk's compliance per category and month: which incidents count, and which count as met."""
from __future__ import annotations

from datetime import date

from sla.desk.reports import compliance, months_back

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def test_months_back_ends_with_the_given_month_oldest_first() -> None:
    assert months_back(date(2026, 2, 17), 4) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1),
                                                 date(2026, 2, 1)]


def test_an_incident_is_met_when_no_decided_clock_was_missed_and_undecided_ones_do_not_count() -> None:
    months = compliance([
        (SEP, (1, True, True)),     # both met
        (SEP, (1, True, False)),    # intervention missed
        (SEP, (1, False, None)),    # reaction missed, still running: counts, not met
        (SEP, (1, None, None)),     # nothing decided yet: not counted
        (OCT, (3, True, None)),     # reaction met, intervention running: met so far
        (date(2025, 1, 1), (2, True, True)),  # outside the months asked: ignored
    ], [SEP, OCT, NOV])
    assert [m.counts for m in months] == [{1: (3, 1)}, {3: (1, 1)}, {}]
    assert months[0].pct(1) == 33.3 and months[1].pct(3) == 100.0
    assert months[2].pct(1) is None

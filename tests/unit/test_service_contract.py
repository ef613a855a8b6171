"""The service contract's dates (AV 12.4-12.6): term end, last notice day, earliest end, on a table of cases."""
from __future__ import annotations

from datetime import date

import pytest

from app.service_contract import ServiceTerms, add_months, dates_on

D = date

# start, initial term, notice, renewal, today -> term end, last day to give notice, earliest end
CASES = [
    # 12 months, notice 12: notice is due on the start day itself; given that day, the first anniversary.
    (D(2024, 1, 1), 12, 12, 12, D(2024, 1, 1), D(2025, 1, 1), D(2024, 1, 1), D(2025, 1, 1)),
    (D(2024, 1, 1), 12, 12, 12, D(2024, 1, 2), D(2025, 1, 1), D(2024, 1, 1), D(2026, 1, 1)),
    # 36 months: notice exactly on the last day still ends the initial term; a day late runs a renewal.
    (D(2023, 3, 15), 36, 12, 12, D(2024, 6, 1), D(2026, 3, 15), D(2025, 3, 15), D(2026, 3, 15)),
    (D(2023, 3, 15), 36, 12, 12, D(2025, 3, 15), D(2026, 3, 15), D(2025, 3, 15), D(2026, 3, 15)),
    (D(2023, 3, 15), 36, 12, 12, D(2025, 3, 16), D(2026, 3, 15), D(2025, 3, 15), D(2027, 3, 15)),
    # On the anniversary the renewed term is running (the old one ended that day).
    (D(2023, 3, 15), 36, 12, 12, D(2026, 3, 15), D(2027, 3, 15), D(2026, 3, 15), D(2027, 3, 15)),
    # Many renewals later, counted from the start.
    (D(2015, 6, 30), 36, 12, 12, D(2026, 11, 16), D(2027, 6, 30), D(2026, 6, 30), D(2028, 6, 30)),
    # Started on a leap day: anniversaries on 28 February, and 29 February in leap years.
    (D(2024, 2, 29), 12, 12, 12, D(2024, 3, 1), D(2025, 2, 28), D(2024, 2, 29), D(2026, 2, 28)),
    (D(2024, 2, 29), 12, 12, 12, D(2027, 6, 1), D(2028, 2, 29), D(2027, 2, 28), D(2029, 2, 28)),
    (D(2024, 2, 29), 12, 12, 12, D(2027, 2, 28), D(2028, 2, 29), D(2027, 2, 28), D(2028, 2, 29)),
    # A longer notice (18 months) on a 36-month term.
    (D(2025, 1, 1), 36, 18, 12, D(2026, 7, 1), D(2028, 1, 1), D(2026, 7, 1), D(2028, 1, 1)),
    (D(2025, 1, 1), 36, 18, 12, D(2026, 7, 2), D(2028, 1, 1), D(2026, 7, 1), D(2029, 1, 1)),
    # Renewals of 24 months.
    (D(2020, 9, 1), 12, 12, 24, D(2022, 1, 1), D(2023, 9, 1), D(2022, 9, 1), D(2023, 9, 1)),
    # Not started yet.
    (D(2027, 1, 1), 36, 12, 12, D(2026, 11, 16), D(2030, 1, 1), D(2029, 1, 1), D(2030, 1, 1)),
    # The end of a long month clamps to the end of a short one.
    (D(2025, 1, 31), 13, 12, 12, D(2025, 2, 1), D(2026, 2, 28), D(2025, 2, 28), D(2026, 2, 28)),
]


@pytest.mark.parametrize(("start", "term", "notice", "renewal", "today", "term_end", "notice_by", "earliest"), CASES)
def test_contract_dates(start: date, term: int, notice: int, renewal: int, today: date, term_end: date,
                        notice_by: date, earliest: date) -> None:
    dates = dates_on(ServiceTerms(start, term, notice, renewal), today)
    assert (dates.term_end, dates.notice_by, dates.earliest_end) == (term_end, notice_by, earliest)
    assert dates.notice_overdue == (notice_by < today)
    assert dates.term_end > today and dates.earliest_end >= dates.term_end


def test_the_earliest_end_is_the_first_anniversary_whose_notice_day_is_not_past() -> None:
    terms = ServiceTerms(D(2024, 2, 29), 36, 12, 12)
    anniversaries = [add_months(terms.start, 36 + 12 * k) for k in range(10)]
    for offset in range(0, 7 * 365, 5):
        day = D.fromordinal(D(2024, 1, 1).toordinal() + offset)
        end = dates_on(terms, day).earliest_end
        assert end in anniversaries
        index = anniversaries.index(end)
        assert add_months(terms.start, 36 + 12 * index - 12) >= day  # notice given that day is in time
        if index > 0 and anniversaries[index - 1] > day:
            assert add_months(terms.start, 36 + 12 * (index - 1) - 12) < day  # the earlier end was too late


@pytest.mark.parametrize(("terms", "problem"), [
    (ServiceTerms(D(2025, 1, 1), 36, 11, 12), "notice_too_short"),
    (ServiceTerms(D(2025, 1, 1), 0, 12, 12), "term_too_short"),
    (ServiceTerms(D(2025, 1, 1), 36, 12, 0), "renewal_too_short"),
])
def test_terms_below_the_general_terms_are_refused(terms: ServiceTerms, problem: str) -> None:
    assert terms.problems() == [problem]
    with pytest.raises(ValueError, match=problem):
        dates_on(terms, D(2026, 1, 1))


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2024, 2, 29), 48) == D(2028, 2, 29)
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)
    assert add_months(D(2025, 12, 15), 1) == D(2026, 1, 15)

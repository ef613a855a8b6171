"""The operator-client service contract's dates (general terms AV 12.4-12.6), pure.

A contract starts on ``start``, runs an initial term of ``term_months`` and then renews tacitly on
its anniversary for ``renewal_months`` at a time. Notice (at least 12 months) can only expire on an
anniversary: notice given on day D ends the contract on the first term end E with D + notice <= E.
Every term end is counted from ``start`` (never from the previous end), so a contract started on
29 February ends on 28 February in common years and on 29 February in leap years.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

#: The shortest notice the terms allow (AV 12.4: "minimaal twaalf maanden").
MIN_NOTICE_MONTHS = 12
#: The usual renewal: yearly, on the anniversary (AV 12.6).
DEFAULT_RENEWAL_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ServiceTerms:
    """A client's service contract: start, initial term, notice and renewal term (months)."""

    start: date
    term_months: int
    notice_months: int = MIN_NOTICE_MONTHS
    renewal_months: int = DEFAULT_RENEWAL_MONTHS

    def problems(self) -> list[str]:
        """Codes of what is wrong with these terms (empty when they are valid)."""
        found = []
        if self.term_months < 1:
            found.append("term_too_short")
        if self.notice_months < MIN_NOTICE_MONTHS:
            found.append("notice_too_short")
        if self.renewal_months < 1:
            found.append("renewal_too_short")
        return found


@dataclass(frozen=True)
class ContractDates:
    """What the terms mean on a given day."""

    term_end: date  # the end (anniversary) of the term running on that day
    notice_by: date  # the last day to give notice so that the contract ends on ``term_end``
    earliest_end: date  # the end date if notice is given on that day
    notice_overdue: bool  # ``notice_by`` has passed: notice given today ends a later term


def _term_end_months(terms: ServiceTerms, index: int) -> int:
    """Months from the start to the end of term ``index`` (0: the initial term)."""
    return terms.term_months + index * terms.renewal_months


def _first_term(terms: ServiceTerms, today: date) -> int:
    """The index of the term running on ``today`` (its end is after ``today``)."""
    if today < add_months(terms.start, terms.term_months):
        return 0
    # Skip the whole renewals at once, then settle the last step (clamping makes a guess off by one at most).
    months_since = (today.year - terms.start.year) * 12 + today.month - terms.start.month
    index = max(0, (months_since - terms.term_months) // terms.renewal_months - 1)
    while add_months(terms.start, _term_end_months(terms, index)) <= today:
        index += 1
    return index


def _notice_day(terms: ServiceTerms, index: int) -> date:
    return add_months(terms.start, _term_end_months(terms, index) - terms.notice_months)


def dates_on(terms: ServiceTerms, today: date) -> ContractDates:
    """The running term's end, the last day to give notice for it, and the earliest end from ``today``."""
    if terms.problems():
        raise ValueError(", ".join(terms.problems()))
    index = _first_term(terms, today)
    term_end = add_months(terms.start, _term_end_months(terms, index))
    notice_by = _notice_day(terms, index)
    end_index = index
    while _notice_day(terms, end_index) < today:
        end_index += 1
    return ContractDates(term_end=term_end, notice_by=notice_by,
                         earliest_end=add_months(terms.start, _term_end_months(terms, end_index)),
                         notice_overdue=notice_by < today)

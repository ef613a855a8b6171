"""Assistance deadlines and the provider clocks, on calendar time (24/7) in Brussels.

Pure: standard library, ``app.workcalendar`` and ``assistance.terms``/``assistance.rules``. Durations
in hours run on ``ROUND_THE_CLOCK``, the working calendar with every hour open and no holidays, so
they are elapsed time across summer-time changes; months are calendar months in Brussels (the same
wall-clock time on the same day of the month, or the month's last day). Every result is UTC.

Case deadlines (``case_deadlines``): the theft report's receipt 24 h after the case (002 1.6, 003
IV.3 b); proof of costs 3 months after the case (003 XIII.5.1 B); repayment of uncovered advances 1
month (002 2.2) or 3 months (003 XIII.6) after the advance or the request; the replacement vehicle
back by the end (24:00 Brussels) of its last day.

Provider assignments (seed 000): contact with the end customer within 2 h of accepting the
assignment (4.2), the appointment within 24 h of acceptance unless the customer proposed a later
moment (4.2), photos on arrival and after the work and the signed mandate before the invoice (4.3,
5.1). ``assignment_compliance`` judges one assignment at ``now``; ``monthly_compliance`` sums a
month per provider.
"""
from __future__ import annotations

import calendar as months
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.workcalendar import BRUSSELS, WorkCalendar, require_aware
from assistance.rules import RULES, ProductRules
from assistance.terms import Cause, Deadline, Product, Replacement

__all__ = [
    "DOCUMENTS",
    "ROUND_THE_CLOCK",
    "AssignmentCompliance",
    "AssignmentFacts",
    "ProviderMonth",
    "add_months",
    "assignment_compliance",
    "case_deadlines",
    "day_of",
    "end_of_day",
    "monthly_compliance",
    "provider_clocks",
]

#: Every hour of every day open, no holidays: the calendar of deadlines that run around the clock.
ROUND_THE_CLOCK = WorkCalendar({weekday: [(time(0), time(0))] for weekday in range(7)}, BRUSSELS, lambda year: ())

CONTACT_WITHIN = timedelta(hours=2)  # 000 4.2
APPOINTMENT_WITHIN = timedelta(hours=24)  # 000 4.2
#: The documents a provider's invoice needs (000 4.3, 5.1), in the order ``missing`` lists them.
DOCUMENTS: tuple[str, ...] = ("photo_arrival", "photo_after", "mandate")


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _after(t: datetime, hours: timedelta) -> datetime:
    return _utc(ROUND_THE_CLOCK.add_working_time(require_aware(t, "a deadline start"), hours))


def day_of(t: datetime) -> date:
    """The Brussels calendar day of an aware instant (the day the conditions count in)."""
    return require_aware(t, "a case moment").astimezone(BRUSSELS).date()


def end_of_day(d: date) -> datetime:
    """The instant a Brussels day ends (00:00 the next day), in UTC."""
    following = d + timedelta(days=1)
    return _utc(datetime(following.year, following.month, following.day, tzinfo=BRUSSELS))


def add_months(d: date, n: int) -> date:
    """The same day ``n`` calendar months later, or that month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = d.year * 12 + d.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, months.monthrange(year, month)[1]))


def _months_after(t: datetime, n: int) -> datetime:
    local = require_aware(t, "a case moment").astimezone(BRUSSELS)
    day = add_months(local.date(), n)
    wall = datetime.combine(day, local.time().replace(tzinfo=None), BRUSSELS)
    return _utc(wall)


def case_deadlines(
    cause: Cause,
    at: datetime,
    *,
    costs_advanced_at: datetime | None = None,
    replacement: Replacement | None,
    replacement_start: date | None,
    product: Product,
    rules: Mapping[Product, ProductRules] = RULES,
) -> tuple[Deadline, ...]:
    """The insured's deadlines of a case, earliest first (ties in the order the codes are listed above).

    ``costs_advanced_at`` is when the insurer advanced costs the cover does not include, or asked for
    them back; without it there is no repayment deadline. The replacement vehicle's return is due at
    the end of ``replacement.return_by`` when that is set, else of the last day counted from
    ``replacement_start`` (calendar days only: workdays need the verdict's ``return_by``).
    """
    table = rules[product].deadlines
    found: list[Deadline] = []
    if cause is Cause.THEFT and table.theft_report_hours is not None:
        found.append(Deadline("police_report_receipt", _after(at, timedelta(hours=table.theft_report_hours)),
                              table.theft_ref))
    if table.proof_months is not None:
        found.append(Deadline("proof_of_costs", _months_after(at, table.proof_months), table.proof_ref))
    if costs_advanced_at is not None and table.repay_months is not None:
        found.append(Deadline("repay_advances", _months_after(costs_advanced_at, table.repay_months),
                              table.repay_ref))
    if replacement is not None:
        last = replacement.return_by
        if last is None and replacement_start is not None and replacement.unit == "days":
            last = replacement_start + timedelta(days=replacement.max_days - 1)
        if last is not None:
            found.append(Deadline("return_replacement", end_of_day(last), replacement.ref))
    order = {code: i for i, code in enumerate(
        ("police_report_receipt", "proof_of_costs", "repay_advances", "return_replacement"))}
    return tuple(sorted(found, key=lambda d: (d.due, order[d.code])))


def provider_clocks(accepted_at: datetime, customer_proposed_at: datetime | None) -> tuple[Deadline, Deadline]:
    """The provider's contact and appointment deadlines after accepting an assignment (000 4.2).

    The appointment is due 24 h after acceptance, or at the moment the customer proposed when that
    is later.
    """
    contact = Deadline("provider_contact", _after(accepted_at, CONTACT_WITHIN), "000 4.2")
    due = _after(accepted_at, APPOINTMENT_WITHIN)
    if customer_proposed_at is not None and require_aware(customer_proposed_at, "customer_proposed_at") > due:
        due = _utc(customer_proposed_at)
    return contact, Deadline("provider_appointment", due, "000 4.2")


@dataclass(frozen=True)
class AssignmentFacts:
    """What happened to one assignment: acceptance, contact, appointment and the documents received."""

    accepted_at: datetime
    contacted_at: datetime | None = None
    appointment_at: datetime | None = None
    customer_proposed_at: datetime | None = None
    photos_arrival: bool = False
    photos_after: bool = False
    mandate_signed: bool = False


@dataclass(frozen=True)
class AssignmentCompliance:
    """One assignment judged at a moment.

    ``contact_on_time`` and ``appointment_on_time`` are ``None`` while the step has not happened and
    its deadline has not passed; ``missing`` lists the codes of ``DOCUMENTS`` not yet received.
    """

    contact_on_time: bool | None
    appointment_on_time: bool | None
    invoice_allowed: bool
    missing: tuple[str, ...]
    contact_due: datetime
    appointment_due: datetime


def _on_time(done: datetime | None, due: datetime, now: datetime) -> bool | None:
    if done is not None:
        return require_aware(done, "a step done") <= due
    return False if now > due else None


def assignment_compliance(facts: AssignmentFacts, now: datetime) -> AssignmentCompliance:
    """Judge an assignment at ``now``: contact and appointment on time, documents for the invoice."""
    require_aware(now, "now")
    contact, appointment = provider_clocks(facts.accepted_at, facts.customer_proposed_at)
    received = {"photo_arrival": facts.photos_arrival, "photo_after": facts.photos_after,
                "mandate": facts.mandate_signed}
    missing = tuple(code for code in DOCUMENTS if not received[code])
    return AssignmentCompliance(
        contact_on_time=_on_time(facts.contacted_at, contact.due, now),
        appointment_on_time=_on_time(facts.appointment_at, appointment.due, now),
        invoice_allowed=not missing,
        missing=missing,
        contact_due=contact.due,
        appointment_due=appointment.due,
    )


@dataclass(frozen=True)
class ProviderMonth:
    """A provider's month: assignments accepted in it and the share on time, in percent (None: none judged)."""

    provider: str
    month: date
    assignments: int
    contact_on_time_pct: float | None
    appointment_on_time_pct: float | None
    documents_complete_pct: float | None


def _pct(values: list[bool | None]) -> float | None:
    judged = [v for v in values if v is not None]
    return round(100.0 * sum(judged) / len(judged), 1) if judged else None


def monthly_compliance(
    assignments: Iterable[tuple[str, AssignmentFacts]], month: date, now: datetime
) -> list[ProviderMonth]:
    """Per provider (sorted by name), the assignments accepted in ``month`` (Brussels) judged at ``now``.

    Steps not yet due are left out of the percentages; documents count as complete or not.
    """
    first = month.replace(day=1)
    per: dict[str, list[AssignmentCompliance]] = defaultdict(list)
    for provider, facts in assignments:
        accepted = day_of(facts.accepted_at)
        if (accepted.year, accepted.month) == (first.year, first.month):
            per[provider].append(assignment_compliance(facts, now))
    return [
        ProviderMonth(
            provider=provider,
            month=first,
            assignments=len(judged),
            contact_on_time_pct=_pct([j.contact_on_time for j in judged]),
            appointment_on_time_pct=_pct([j.appointment_on_time for j in judged]),
            documents_complete_pct=_pct([j.invoice_allowed for j in judged]),
        )
        for provider, judged in sorted(per.items())
    ]

"""End-to-end stories over the pure fine rules: contract import, matching, workflow, deadlines, liability."""
from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from app.fleet.contracts_csv import ContractRow, parse_contracts_csv
from app.fleet.instructions import Instruction
from app.workcalendar import WorkCalendar
from fines.reasons import Reason
from fines.workflow.deadlines import FineDates, Liable, Urgency, assess
from fines.workflow.matching import ContractPeriod, match_contract
from fines.workflow.states import FineState, TransitionRefused, check_transition, needed_information

CAL = WorkCalendar.belgium()
BRUSSELS = ZoneInfo("Europe/Brussels")
S = FineState

CONTRACTS = """client_code;contract_number;plate;driver;start_date;end_date;instruction;driver_address
LEASEA;LEASEA-1001;EVC-261;Tom Claes;01/02/2025;27/05/2026;doorbelasten;
LEASEA;LEASEA-1002;EVC-261;Marie Dubois;28/05/2026;14/12/2026;verleggen;Rue Haute 1, 1000 Bruxelles
LEASEA;LEASEA-1003;EVC-261;Karim Benali;13/01/2027;;verleggen;
"""


def bx(y: int, mo: int, d: int, h: int = 9) -> datetime:
    return datetime(y, mo, d, h, tzinfo=BRUSSELS)


def imported() -> tuple[list[ContractRow], list[ContractPeriod]]:
    parsed = parse_contracts_csv(CONTRACTS, default_client_code="LEASEA", known_client_codes={"LEASEA"},
                                 allowed_client_codes={"LEASEA"})
    assert parsed.errors == []
    periods = [ContractPeriod(i, r.contract_number, r.plate, r.start_date, r.end_date)
               for i, r in enumerate(parsed.rows)]
    return parsed.rows, periods


def walk(*states: FineState, reason: str | None = None) -> None:
    for current, target in pairwise(states):
        check_transition(current, target, reason=reason)


def test_the_plate_changes_hands_and_with_it_the_deadline() -> None:
    rows, periods = imported()
    # Offence on Tom's last day: recharge, judged against the payment due date.
    tom = match_contract(periods, "evc 261", date(2026, 5, 27))
    # The letter's plate notation need not be the contract's.
    assert tom.contract is not None and tom.contract.contract_number == "LEASEA-1001"
    # Offence on Marie's first day: redirect, judged against letter + 15 days.
    marie = match_contract(periods, "EVC261", date(2026, 5, 28))
    assert marie.contract is not None and marie.contract.contract_number == "LEASEA-1002"
    letter, due = date(2026, 6, 2), date(2026, 7, 31)
    dates = FineDates(kind="immediate_collection", letter_date=letter, due_date=due, received_at=bx(2026, 6, 4),
                      complete_at=bx(2026, 6, 4), processed_at=None)
    as_recharge = assess(dates, rows[tom.contract.id].instruction, CAL, date(2026, 6, 4))
    as_redirect = assess(dates, rows[marie.contract.id].instruction, CAL, date(2026, 6, 4))
    assert (as_recharge.deadlines.applies, as_recharge.deadlines.cutoff) == (due, date(2026, 7, 24))
    assert (as_redirect.deadlines.applies, as_redirect.deadlines.cutoff) == (date(2026, 6, 17), date(2026, 6, 10))
    assert as_redirect.urgency is Urgency.THIS_WEEK and as_recharge.urgency is Urgency.LATER


def test_fine_in_the_gap_waits_for_a_contract_the_client_adds_too_late() -> None:
    _, periods = imported()
    offence = date(2026, 12, 20)  # between Marie's end and Karim's start
    result = match_contract(periods, "EVC261", offence)
    assert result.reason == Reason("no_contract", {"plate": "EVC-261", "day": "2026-12-20"})
    walk(S.RECEIVED, S.READ, S.WAITING_INFO)
    # No contract: the earliest deadline stands in (designation 2027-01-04, before the due date).
    dates = FineDates(kind="parking", letter_date=date(2026, 12, 20), due_date=date(2027, 2, 1),
                      received_at=bx(2026, 12, 22), complete_at=None, processed_at=None)
    waiting = assess(dates, None, CAL, date(2026, 12, 22))
    assert waiting.deadlines.provisional and waiting.deadlines.applies == date(2027, 1, 4)
    assert waiting.deadlines.cutoff == date(2026, 12, 24)  # 25 Dec and 1 Jan are holidays
    assert waiting.cutoff_near
    # The client adds a redirect contract on 2027-01-05; it is processed the same day, a day late.
    assert needed_information(Instruction.REDIRECT, driver_name="Luc", driver_address="Kerkstraat 2, 2000 Antwerpen",
                              amount_cents=None, due_date=dates.due_date, letter_date=dates.letter_date,
                              kind=dates.kind) == []
    walk(S.WAITING_INFO, S.MATCHED, S.READY, S.PROCESSED, S.CLOSED)
    done = FineDates(kind=dates.kind, letter_date=dates.letter_date, due_date=dates.due_date,
                     received_at=dates.received_at, complete_at=bx(2027, 1, 5), processed_at=bx(2027, 1, 5, 15))
    judged = assess(done, Instruction.REDIRECT, CAL, date(2027, 1, 6))
    assert (judged.missed, judged.liable) == (True, Liable.CLIENT)
    assert judged.liability_reason is not None
    assert "2027-01-05, after the cut-off of 2026-12-24" in judged.liability_reason


def test_operator_answers_when_it_had_everything_in_time() -> None:
    dates = FineDates(kind="driver_identification", letter_date=date(2026, 3, 2), due_date=date(2026, 3, 30),
                      received_at=bx(2026, 3, 4), complete_at=bx(2026, 3, 4), processed_at=None)
    on_time = assess(dates, Instruction.RECHARGE, CAL, date(2026, 3, 20))
    assert on_time.deadlines.cutoff == date(2026, 3, 23)
    assert on_time.delivered_on_time is True and not on_time.missed
    late = assess(dates, Instruction.RECHARGE, CAL, date(2026, 3, 31))
    assert (late.missed, late.liable, late.urgency) == (True, Liable.OPERATOR, Urgency.OVERDUE)


def test_a_closed_fine_stays_closed() -> None:
    walk(S.RECEIVED, S.READ, S.MATCHED, S.READY, S.PROCESSED, S.CLOSED)
    with pytest.raises(TransitionRefused):
        check_transition(S.CLOSED, S.CANCELLED, reason="the authority withdrew it")

"""Many fines at once: set-based matching in batches, re-matching given plates, the deadline sweep.

Per batch a few statements instead of queries per fine; the decision per fine is
``fines.workflow.decision.decide``, the rule the one-fine path applies.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from app.database import bulk_insert, bulk_update, planned_per_call, utc_day
from app.extensions import db
from app.fleet import RematchCollector, Rematched, RematchReport
from app.fleet.instructions import Instruction
from app.fleet.models import Contract
from app.models import AuditEntry
from app.services import Actor, audit_values
from app.workcalendar import WorkCalendar
from fines.models import Fine, FineEvent
from fines.reasons import Reason
from fines.workflow.deadlines import FineDates, deadlines
from fines.workflow.decision import ContractInfo, FineSnapshot, decide
from fines.workflow.matching import ContractPeriod, match_contract
from fines.workflow.services import MATCHABLE, SYSTEM, update_deadlines
from fines.workflow.states import OPEN_STATES, FineState, check_transition

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=16384)
def _deadlines(calendar: WorkCalendar, kind: str | None, letter_date: date | None, due_date: date | None,
               instruction: str | None) -> Any:
    """``deadlines`` for the batch path, cached: letters of one day share their deadlines."""
    return deadlines(FineDates(kind, letter_date, due_date, _EPOCH, None, None),
                     Instruction(instruction) if instruction else None, calendar)


@lru_cache(maxsize=256)
def _check_step(current: FineState, target: FineState) -> None:
    """``check_transition`` for the automatic steps of a batch (they carry their reason).

    The batch writes states set-based, not through ``fines.workflow.services.transition``: every
    decided (from, to) pair passes the same table first, or the batch stops (``TransitionRefused``).
    """
    check_transition(current, target, reason="automatic")


_MATCH_COLUMNS = (Fine.id, Fine.client_id, Fine.plate, Fine.plate_country, Fine.offence_at, Fine.state,
                  Fine.contract_id, Fine.match_reason_code, Fine.match_reason_params, Fine.kind, Fine.letter_date,
                  Fine.due_date, Fine.amount_cents, Fine.complete_at)
_CONTRACT_COLUMNS = (Contract.id, Contract.client_id, Contract.plate, Contract.contract_number, Contract.start_date,
                     Contract.end_date, Contract.instruction, Contract.driver_name, Contract.driver_address)
#: Plates per query when matching again the fines of given plates (under SQLite's old limit of
#: 999 parameters a statement).
_PLATES_PER_QUERY = 900


def match_pending(calendar: WorkCalendar, now: datetime, *, client_id: int | None = None,
                  plates: Iterable[tuple[int, str]] | None = None, batch: int = 10000, actor: Actor = SYSTEM,
                  collect: RematchCollector | None = None) -> int:
    """Match every open fine (of one client, or of the given (client, plate) pairs) in batches.

    Set-based SQL; returns how many fines were looked at. ``collect`` hears of every fine that became
    complete and every one that still waits (with why).

    Per batch: one query for the fines, one join for the contracts that can apply (narrowed in SQL
    to the offence's day), one bulk update, one bulk insert of events (and of audit entries when a
    person triggered it). The decision per fine is ``decide``, the rule the one-fine path applies.
    """
    db.session.flush()
    with planned_per_call(db.session):
        total = _match_scoped(calendar, now, client_id, plates, batch, actor, collect)
    for obj in list(db.session.identity_map.values()):  # the ORM's copies of these fines are stale now
        if isinstance(obj, Fine):
            db.session.expire(obj)
    return total


def _match_scoped(calendar: WorkCalendar, now: datetime, client_id: int | None,
                  plates: Iterable[tuple[int, str]] | None, batch: int, actor: Actor,
                  collect: RematchCollector | None) -> int:
    if plates is None:
        return _match_batches(calendar, now, actor, batch,
                              Fine.client_id == client_id if client_id is not None else sa.true(), collect)
    by_client: dict[int, list[str]] = {}
    for pair_client, plate in sorted(set(plates)):
        if client_id is None or pair_client == client_id:
            by_client.setdefault(pair_client, []).append(plate)
    total = 0
    for pair_client, client_plates in by_client.items():
        for i in range(0, len(client_plates), _PLATES_PER_QUERY):
            chunk = client_plates[i:i + _PLATES_PER_QUERY]
            total += _match_batches(calendar, now, actor, batch,
                                    sa.and_(Fine.client_id == pair_client, Fine.plate.in_(chunk)), collect)
    return total


def _match_batches(calendar: WorkCalendar, now: datetime, actor: Actor, batch: int, scope: Any,
                   collect: RematchCollector | None) -> int:
    total, last_id, zone = 0, 0, calendar.zone
    person = actor is not SYSTEM
    while True:
        open_fines = sa.and_(scope, Fine.state.in_(MATCHABLE), Fine.plate.is_not(None), Fine.offence_at.is_not(None))
        rows = db.session.execute(sa.select(*_MATCH_COLUMNS).where(open_fines, Fine.id > last_id)
                                  .order_by(Fine.id).limit(batch)).all()
        if not rows:
            return total
        contracts = db.session.execute(candidate_contracts(open_fines, last_id, rows[-1].id)).all()
        periods: dict[tuple[int, str], list[ContractPeriod]] = {}
        infos: dict[int, ContractInfo] = {}
        for c in contracts:
            periods.setdefault((c.client_id, c.plate), []).append(
                ContractPeriod(c.id, c.contract_number, c.plate, c.start_date, c.end_date))
            infos[c.id] = ContractInfo(c.id, c.contract_number, c.instruction, c.driver_name, c.driver_address)
        updates, events, audits = [], [], []
        for (fine_id, fine_client, plate, country, offence_at, stored_state, contract_id, reason_code, reason_params,
             kind, letter_date, due_date, amount_cents, complete_at) in rows:
            assert plate is not None and offence_at is not None  # the query asks for both
            state = stored_state  # follows the decision's steps below
            result = match_contract(periods.get((fine_client, plate), ()), plate, offence_at.astimezone(zone).date(),
                                    country=country)
            found = infos[result.contract.id] if result.contract is not None else None
            reason = Reason(reason_code, reason_params or {}) if reason_code is not None else None
            decision = decide(FineSnapshot(state, contract_id, reason, kind, letter_date, due_date, amount_cents),
                              result, found)
            for step, why in decision.steps:
                target = FineState(step)
                _check_step(state, target)
                reasons = [why.as_json()] if why is not None else []
                events.append({"fine_id": fine_id, "client_id": fine_client, "at": now, "actor_label": actor.label,
                               "from_state": state.value, "to_state": target.value, "note": None, "reasons": reasons})
                if person:
                    audits.append(_audit_row(actor, now, fine_client, fine_id, "fine.state_changed",
                                             {"from_state": state.value, "to_state": target.value, "note": None,
                                              "reasons": reasons}))
                state = target
            if decision.rematched and found is not None:
                audits.append(_audit_row(actor, now, fine_client, fine_id, "fine.rematched",
                                         {"contract": found.contract_number}))
            due = _deadlines(calendar, kind, letter_date, due_date, found.instruction if found is not None else None)
            waits = decision.match_reason
            if collect is not None:
                _collect(collect, fine_id, state, waits, decision.complete, found)
            updates.append({
                "id": fine_id, "state": state.value, "contract_id": decision.contract_id,
                "match_reason_code": waits.code if waits is not None else None,
                "match_reason_params": dict(waits.params) if waits is not None else None,
                "complete_at": now if decision.complete else (None if decision.complete is False else complete_at),
                "payment_due": due.payment_due, "designation_due": due.designation_due, "deadline": due.applies,
                "cutoff": due.cutoff})
        bulk_update(db.session, Fine.__table__, updates)
        bulk_insert(db.session, FineEvent.__table__, events)
        bulk_insert(db.session, AuditEntry.__table__, audits)
        total += len(rows)
        if len(rows) < batch:  # the last batch: no need to ask for an empty one
            return total
        last_id = rows[-1].id


def candidate_contracts(fines: Any, after_id: int, last_id: int) -> sa.Select[*tuple[Any, ...]]:
    """Select the contracts that can apply to the fines ``fines`` selects with ids in (after_id, last_id].

    Same client and plate, running on the offence's UTC day or the next (the Brussels day is one of
    the two), found through ``ix_contracts_client_id_plate_start_date``; ``match_contract`` then
    decides on the exact Brussels day.
    """
    return (sa.select(*_CONTRACT_COLUMNS).distinct()
            .join(Fine, sa.and_(Fine.client_id == Contract.client_id, Fine.plate == Contract.plate))
            .where(fines, Fine.id > after_id, Fine.id <= last_id, Contract.start_date <= utc_day(Fine.offence_at, 1),
                   sa.or_(Contract.end_date.is_(None), Contract.end_date >= utc_day(Fine.offence_at))))


def _audit_row(actor: Actor, now: datetime, client_id: int, fine_id: int, action: str,
               details: dict[str, Any]) -> dict[str, Any]:
    """Return an audit entry as ``app.services.record`` writes it, as a row for a bulk insert."""
    return {"at": now, **audit_values(actor, action, client_id=client_id, object_type="Fine",
                                      object_id=str(fine_id), details=details)}


def _collect(collect: RematchCollector, fine_id: int, state: str, waits: Reason | None,
             complete: bool | None, contract: ContractInfo | None) -> None:
    """Tell ``collect`` of a fine that became complete now or still waits; a fine ready before is not news."""
    waiting = waits is not None
    if not (waiting or complete) or not collect.count(waiting):
        return  # only the first few are built: an import may touch 100,000 fines
    number = contract.contract_number if contract is not None else None
    collect.keep(Rematched("fines", fine_id, state, waits.code, dict(waits.params), number) if waits is not None
                 else Rematched("fines", fine_id, state, contract=number))


def rematch_plates(plates: Iterable[tuple[int, str]], calendar: WorkCalendar, now: datetime,
                   actor: Actor = SYSTEM, collect: RematchCollector | None = None) -> int:
    """Match again the open fines of these (client, plate) pairs; return how many were looked at."""
    pairs = set(plates)
    if not pairs:
        return 0
    return match_pending(calendar, now, plates=pairs, actor=actor, collect=collect)


def rematch_changed_plates(client_id: int, plates: frozenset[str], actor: Actor) -> RematchReport:
    """Match again the open fines of a client's plates whose contracts changed (``app.fleet.on_contracts_changed``).

    Returns how many fines were looked at, which became complete and which still wait, with why
    (the first ``app.fleet.SHOWN`` of each, the totals of all).
    """
    from app.clock import now, work_calendar

    collect = RematchCollector()
    looked_at = rematch_plates({(client_id, plate) for plate in plates}, work_calendar(), now(), actor, collect)
    return collect.report(looked_at)


def sweep(calendar: WorkCalendar, batch: int = 5000) -> int:
    """Recompute the stored deadlines of every open fine (after a calendar change); returns the count."""
    total = 0
    last_id = 0
    open_states = sorted(s.value for s in OPEN_STATES)
    while True:
        fines = list(db.session.scalars(sa.select(Fine).where(Fine.id > last_id, Fine.state.in_(open_states))
                                        .order_by(Fine.id).limit(batch).options(sa.orm.selectinload(Fine.contract))))
        if not fines:
            return total
        for fine in fines:
            update_deadlines(fine, calendar)
        db.session.flush()
        total += len(fines)
        last_id = fines[-1].id

"""Contracts, matching, the fine workflow, deadlines and liability, on the real database."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

BXL = ZoneInfo("Europe/Brussels")
AGENT = None  # set per test through _actor()


def _actor() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


def _calendar() -> Any:
    from app.clock import work_calendar

    return work_calendar()


def _now() -> datetime:
    """The app's current instant: the test's frozen clock (``ctx`` freezes it)."""
    from app.clock import now

    return now()


def make_fine(client_id: int, *, plate: str = "1ABC123", offence: datetime, letter: date | None = None,
              due: date | None = None, amount: int = 5800, kind: str = "immediate_collection",
              notice: str = "AN.1/2026", received: datetime | None = None) -> Any:
    """A read fine as intake would leave it, then refreshed (matched) like intake does."""
    from app.extensions import db
    from fines.models import Fine, FineEvent, IntakeMessage
    from fines.workflow import services as workflow

    message = IntakeMessage(source="upload", message_key=f"<{notice}-{plate}>", raw_path="mail/x.eml",
                            raw_sha256="0" * 64, size=0, status="processed", client_id=client_id, recipients=[],
                            refusals=[], replies_sent=[])
    fine = Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/x.pdf",
                pdf_sha256=f"{abs(hash((notice, plate))):064d}"[:64], size=0, state="read", kind=kind, language="nl",
                issuer="Parket", notice_number=notice, plate=plate, plate_country="BE", offence_at=offence,
                letter_date=letter or offence.date() + timedelta(days=5),
                due_date=due or offence.date() + timedelta(days=60), amount_cents=amount, currency="EUR",
                addressee="Alpha Lease NV", confidence={}, problems=[])
    if received is not None:
        fine.created_at = received
    db.session.add_all([message, fine])
    db.session.flush()
    db.session.add(FineEvent(fine_id=fine.id, client_id=client_id, actor_label="intake", from_state="received",
                             to_state="read"))
    workflow.refresh(fine, _calendar(), received or _now())
    db.session.flush()
    return fine


def add_contract(client_id: int, number: str, start: date, end: date | None, *, plate: str = "1ABC123",
                 instruction: str = "redirect", driver: str | None = "Jan Peeters",
                 address: str | None = "Kerkstraat 1, 9000 Gent") -> Any:
    from app.extensions import db
    from app.fleet import services as contracts
    from app.models import Client
    from fines.workflow import batch

    client = db.session.get(Client, client_id)
    contract = contracts.save_contract(_actor(), client, {
        "contract_number": number, "plate": plate, "plate_country": "BE", "driver_name": driver,
        "driver_address": address, "start_date": start, "end_date": end, "instruction": instruction})
    batch.rematch_plates({(client_id, contract.plate)}, _calendar(), _now(), _actor())
    return contract


@pytest.fixture()
def ctx(app: Any, world: Any, clock: Any) -> Any:
    from app.extensions import db

    with app.app_context():
        yield world
        db.session.rollback()


def test_the_offence_time_decides_between_contracts_of_a_reused_plate(ctx: Any) -> None:
    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), date(2026, 5, 31), instruction="recharge")
    add_contract(ctx.client_a, "A-2", date(2026, 6, 1), None)
    late_may = make_fine(ctx.client_a, offence=datetime(2026, 5, 31, 23, 30, tzinfo=BXL), notice="N1")
    # 00:30 on 1 June in Brussels is still 31 May in UTC: the Belgian local date decides.
    early_june = make_fine(ctx.client_a, offence=datetime(2026, 6, 1, 0, 30, tzinfo=BXL), notice="N2")
    assert late_may.contract.contract_number == "A-1" and late_may.state == "ready"
    assert early_june.contract.contract_number == "A-2" and early_june.state == "ready"


def test_a_fine_in_a_gap_waits_and_is_matched_when_the_contract_is_added(ctx: Any) -> None:
    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), date(2026, 3, 31))
    fine = make_fine(ctx.client_a, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL))
    assert (fine.state, fine.match_reason_code) == ("waiting_info", "no_contract")
    assert fine.match_reason_params == {"plate": "1-ABC-123", "day": "2026-04-15"}
    add_contract(ctx.client_a, "A-2", date(2026, 4, 10), None)
    assert fine.state == "ready" and fine.contract.contract_number == "A-2" and fine.complete_at is not None
    assert [e.to_state for e in fine.events] == ["read", "waiting_info", "matched", "ready"]


def test_a_back_dated_contract_matches_the_waiting_fine(ctx: Any) -> None:
    from app.fleet import services as contracts
    from fines.workflow import batch

    contract = add_contract(ctx.client_a, "A-1", date(2026, 5, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 4, 20, 9, 0, tzinfo=BXL))
    assert fine.state == "waiting_info"
    contracts.save_contract(_actor(), contract_client(contract),
                            {**contract_values(contract), "start_date": date(2026, 4, 1)}, contract)
    batch.rematch_plates({(ctx.client_a, "1ABC123")}, _calendar(), _now())
    assert fine.state == "ready"


def contract_client(contract: Any) -> Any:
    from app.extensions import db
    from app.models import Client

    return db.session.get(Client, contract.client_id)


def contract_values(contract: Any) -> dict[str, Any]:
    from app.fleet.services import FIELDS

    return {k: getattr(contract, k) for k in FIELDS}


def test_overlapping_contracts_leave_the_fine_waiting_with_both_named(ctx: Any) -> None:
    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), date(2026, 6, 30))
    add_contract(ctx.client_a, "A-2", date(2026, 6, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    assert (fine.state, fine.match_reason_code) == ("waiting_info", "overlap")
    assert fine.match_reason_params["numbers"] == "A-1, A-2"


def test_the_reminder_says_why_a_fine_waits_in_the_mails_english_whatever_the_readers_language(
        app: Any, ctx: Any) -> None:
    from app.extensions import db
    from app.models import Client
    from fines import jobs
    from fines.workflow import queries

    fine = make_fine(ctx.client_a, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL))
    assert fine.state == "waiting_info" and fine.cutoff is not None
    db.session.flush()
    [row] = queries.reminders_due(_calendar(), fine.cutoff, 5)[ctx.client_a]
    with app.test_request_context(headers={"Accept-Language": "nl-BE"}):
        text = jobs.reminder_mail(db.session.get(Client, ctx.client_a), [row], ["fleet@alpha.test"],
                                  "fleetdesk@op.test", fine.cutoff).get_content()
    assert "No lease contract for plate 1-ABC-123 on 15 April 2026." in text and "2026-04-15" not in text


def test_another_clients_contract_is_never_matched(ctx: Any) -> None:
    add_contract(ctx.client_b, "B-1", date(2026, 1, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    assert fine.state == "waiting_info" and fine.contract is None


def test_redirect_without_the_drivers_address_waits_for_it(ctx: Any) -> None:
    from app.fleet import services as contracts
    from fines.workflow import batch

    contract = add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None, address=None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    assert (fine.state, fine.match_reason_code, fine.contract_id) == (
        "waiting_info", "information_missing", contract.id)
    assert fine.match_reason_params == {"number": "A-1", "missing": "driver_address"}
    contracts.save_contract(_actor(), contract_client(contract),
                            {**contract_values(contract), "driver_address": "Veldstraat 2, 9000 Gent"}, contract)
    batch.rematch_plates({(ctx.client_a, "1ABC123")}, _calendar(), _now())
    assert fine.state == "ready"


def test_processing_a_redirect_produces_the_designation(ctx: Any) -> None:
    from fines import exports, outputs
    from fines.workflow import services as workflow

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 10, 28, 14, 35, tzinfo=BXL), letter=date(2026, 10, 28),
                     due=date(2026, 12, 2))
    assert fine.designation_due == date(2026, 11, 12) and fine.deadline == date(2026, 11, 12)
    assert fine.cutoff == date(2026, 11, 4)  # 5 workdays back, skipping 11 November
    assert workflow.process(fine, _actor(), _now(), _calendar()) == "redirected"
    assert fine.state == "processed"
    item = exports.designation_of(fine, _calendar())
    assert item is not None and item.driver_name == "Jan Peeters" and item.plate == "1-ABC-123"
    pdf = outputs.designation_pdf(item, date(2026, 11, 3))
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    batch = outputs.designations_csv(exports.designations(ctx.client_a, _calendar()))
    assert "Jan Peeters" in batch and "2026-11-12" in batch
    workflow.close(fine, _actor(), _now())
    assert fine.state == "closed"


def test_processing_a_recharge_produces_its_line_for_the_period(ctx: Any) -> None:
    from fines import exports, outputs
    from fines.workflow import services as workflow

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None, instruction="recharge")
    fine = make_fine(ctx.client_a, offence=datetime(2026, 10, 28, 14, 35, tzinfo=BXL), due=date(2026, 12, 2),
                     amount=11600)
    assert fine.deadline == date(2026, 12, 2)
    when = datetime(2026, 11, 3, 10, 0, tzinfo=BXL)
    assert workflow.process(fine, _actor(), when, _calendar()) == "recharged"
    lines = exports.recharge_lines(ctx.client_a, date(2026, 11, 1), date(2026, 11, 30), _calendar())
    assert [(line.fine_id, line.amount_cents, line.contract_number) for line in lines] == [(fine.id, 11600, "A-1")]
    assert "116.00,EUR" in outputs.recharges_csv(lines)
    assert exports.recharge_lines(ctx.client_a, date(2026, 12, 1), date(2026, 12, 31), _calendar()) == []


@pytest.mark.parametrize(("action", "message"), [
    ("process_waiting", "Only a ready fine can be processed"),
    ("cancel_without_reason", "needs a reason"),
    ("close_unprocessed", "cannot go from waiting for information to closed"),
])
def test_refused_transitions_change_nothing(ctx: Any, action: str, message: str) -> None:
    from app.services import ServiceError
    from fines.workflow import services as workflow

    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    before = (fine.state, len(fine.events))
    with pytest.raises(ServiceError, match=message):
        if action == "process_waiting":
            workflow.process(fine, _actor(), _now(), _calendar())
        elif action == "cancel_without_reason":
            workflow.cancel(fine, _actor(), "  ")
        else:
            workflow.close(fine, _actor(), _now())
    assert (fine.state, len(fine.events)) == before


def test_cancel_at_any_open_step_with_a_reason(ctx: Any) -> None:
    from fines.workflow import services as workflow

    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    workflow.cancel(fine, _actor(), "paid by the driver directly")
    assert fine.state == "cancelled" and fine.events[-1].note == "paid by the driver directly"


def test_a_fine_delivered_after_the_cut_off_is_the_clients_risk(ctx: Any) -> None:
    from fines.workflow import services as workflow

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 10, 28, 14, 35, tzinfo=BXL), letter=date(2026, 10, 28),
                     received=datetime(2026, 11, 9, 10, 0, tzinfo=BXL))  # cut-off was 4 November
    judged = workflow.assessment(fine, _calendar(), date(2026, 11, 20))
    assert judged.delivered_on_time is False and judged.missed and judged.liable.value == "client"


def test_a_fine_delivered_in_time_and_missed_is_the_operators(ctx: Any) -> None:
    from fines.workflow import services as workflow

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 10, 28, 14, 35, tzinfo=BXL), letter=date(2026, 10, 28),
                     received=datetime(2026, 10, 30, 10, 0, tzinfo=BXL))
    judged = workflow.assessment(fine, _calendar(), date(2026, 11, 13))
    assert judged.delivered_on_time is True and judged.missed and judged.liable.value == "operator"


def test_urgency_counts_follow_the_cut_off(ctx: Any) -> None:
    from fines.workflow import queries

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    make_fine(ctx.client_a, offence=datetime(2026, 10, 28, 14, 35, tzinfo=BXL), letter=date(2026, 10, 28), notice="X1")
    counts = queries.counts_by_urgency(ctx.client_a, _calendar(), date(2026, 11, 4))
    assert counts["cutoff_today"] == 1
    assert queries.counts_by_urgency(ctx.client_a, _calendar(), date(2026, 11, 5))["overdue"] == 1
    assert queries.counts_by_urgency(ctx.client_a, _calendar(), date(2026, 10, 30))["this_week"] == 1


def test_scheduler_lock_lets_only_one_scheduler_run(app: Any) -> None:
    from app.extensions import db
    from app.scheduler import SchedulerBusy, single_instance

    with app.app_context():
        with (single_instance(db.engine, app.config["DATA_DIR"]),
              pytest.raises(SchedulerBusy), single_instance(db.engine, app.config["DATA_DIR"])):
            pass
        with single_instance(db.engine, app.config["DATA_DIR"]):
            pass  # released: the next scheduler may start


def test_morning_round_reminds_clients_only_in_working_hours(app: Any, world: Any, smtp_sink: Any,
                                                            clock: Any) -> None:
    from app.extensions import db
    from fines import jobs

    app.config.update(SMTP_PORT=smtp_sink.port, SMTP_HOST="127.0.0.1")
    try:
        with app.app_context():
            fine = make_fine(world.client_a, offence=datetime(2026, 10, 28, 14, 35, tzinfo=BXL),
                             letter=date(2026, 10, 28))
            db.session.commit()
            assert fine.state == "waiting_info" and fine.cutoff == date(2026, 11, 4)
            night = jobs.morning_round(datetime(2026, 11, 3, 6, 0, tzinfo=BXL))
            assert night["clients"] == 0 and smtp_sink.messages == []
            morning = jobs.morning_round(datetime(2026, 11, 3, 8, 40, tzinfo=BXL))
            assert morning == {"clients": 1, "fines": 1, "worklist": 0}
            assert smtp_sink.messages == []  # the reminder leaves with the job's commit, not before
            db.session.commit()
    finally:
        app.config.update(SMTP_PORT=25)
    [mail] = smtp_sink.messages
    assert mail["To"] == world.user_a and "cut-off 4/11/2026" in mail.get_content()


def test_driver_data_is_exported_and_erased(ctx: Any, app: Any) -> None:
    from fines import privacy
    from fines.workflow import services as workflow

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None, driver="Jan Peeters")
    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    workflow.process(fine, _actor(), _now(), _calendar())
    found = privacy.find_driver("peeters")
    exported = privacy.export_driver(found)
    assert exported["contracts"][0]["driver_name"] == "Jan Peeters"
    assert exported["contracts"][0]["fines"][0]["id"] == fine.id
    result = privacy.erase_driver(_actor(), found, app.config["DATA_DIR"], _now())
    assert result == {"contracts": 1, "pdfs_removed": 1}
    assert found[0].driver_name == privacy.ERASED and found[0].driver_address is None and fine.pdf_path == ""
    assert privacy.find_driver("peeters") == []


def test_closed_fines_past_retention_lose_their_pdf_and_text(ctx: Any, app: Any) -> None:
    from fines import privacy
    from fines.workflow import services as workflow

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    fine = make_fine(ctx.client_a, offence=datetime(2026, 6, 10, 9, 0, tzinfo=BXL))
    fine.text = "Jan Peeters, Kerkstraat 1"
    workflow.process(fine, _actor(), _now(), _calendar())
    workflow.close(fine, _actor(), datetime(2023, 1, 1, tzinfo=UTC))
    assert privacy.expire_closed_fines(app.config["DATA_DIR"], datetime(2026, 11, 20, tzinfo=UTC), 365) == 1
    assert fine.text is None and fine.pdf_path == "" and fine.personal_data_erased_at is not None


def test_batch_matching_reaches_the_same_states_as_one_by_one(ctx: Any) -> None:
    """match_pending (set-based, bulk writes) and refresh (one fine, ORM) decide alike."""
    from app.extensions import db
    from fines.models import Fine, FineEvent
    from fines.workflow import batch

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), date(2026, 5, 31), instruction="recharge")
    add_contract(ctx.client_a, "A-2", date(2026, 6, 1), None, address=None)  # redirect without address: waits
    add_contract(ctx.client_a, "A-3", date(2026, 1, 1), None, plate="2DEF456")
    add_contract(ctx.client_a, "A-4", date(2026, 3, 1), None, plate="2DEF456")  # overlaps A-3 from March
    cases = [("1ABC123", datetime(2026, 5, 31, 23, 30, tzinfo=BXL)),
             ("1ABC123", datetime(2026, 6, 1, 0, 30, tzinfo=BXL)),
             ("2DEF456", datetime(2026, 2, 10, 9, 0, tzinfo=BXL)),
             ("2DEF456", datetime(2026, 4, 10, 9, 0, tzinfo=BXL)),
             ("9ZZZ999", datetime(2026, 4, 10, 9, 0, tzinfo=BXL))]
    singles = [make_fine(ctx.client_a, plate=p, offence=o, notice=f"S{i}") for i, (p, o) in enumerate(cases)]
    expected = [(f.state, f.contract_id, f.match_reason_code, f.match_reason_params, f.deadline, f.cutoff)
                for f in singles]
    batched = []
    for i, (plate, offence) in enumerate(cases):  # the same fines, left as intake leaves them (read)
        fine = make_fine(ctx.client_b, plate=plate, offence=offence, notice=f"B{i}")
        batched.append(fine)
    db.session.flush()
    for fine in batched:  # reset them to 'read' on client A's contracts
        db.session.execute(sa.delete(FineEvent).where(FineEvent.fine_id == fine.id))
        db.session.execute(sa.update(Fine).where(Fine.id == fine.id).values(
            client_id=ctx.client_a, state="read", contract_id=None, match_reason_code=None, match_reason_params=None,
            deadline=None, cutoff=None))
    db.session.execute(sa.update(Fine).where(Fine.id.in_([f.id for f in singles])).values(state="cancelled"))
    db.session.flush()
    assert batch.match_pending(_calendar(), _now(), client_id=ctx.client_a) == len(batched)
    db.session.expire_all()
    got = [(f.state, f.contract_id, f.match_reason_code, f.match_reason_params, f.deadline, f.cutoff) for f in
           (db.session.get(Fine, b.id) for b in batched)]
    assert got == expected
    assert {f.state for f in singles} == {"cancelled"}
    steps = [e.to_state for e in db.session.get(Fine, batched[0].id).events]
    assert steps == ["matched", "ready"]


def test_utc_day_is_the_utc_date_of_the_instant_on_this_database(ctx: Any) -> None:
    """The SQL day window of batch matching agrees with Python, across midnight and both DST changes."""
    from app.database import utc_day
    from app.extensions import db
    from fines.models import Fine

    instants = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                datetime(2026, 10, 24, 23, 59, 59, 999999, tzinfo=UTC),
                datetime(2026, 10, 25, 0, 30, tzinfo=BXL), datetime(2026, 12, 31, 23, 30, tzinfo=BXL),
                datetime(2027, 1, 1, 0, 0, tzinfo=UTC), datetime(2028, 2, 28, 23, 15, tzinfo=BXL)]
    fines = [make_fine(ctx.client_a, offence=at, notice=f"U{i}") for i, at in enumerate(instants)]
    got = {row.id: (row.day, row.next, row.previous) for row in db.session.execute(
        sa.select(Fine.id, utc_day(Fine.offence_at).label("day"), utc_day(Fine.offence_at, 1).label("next"),
                  utc_day(Fine.offence_at, -1).label("previous")).where(Fine.id.in_([f.id for f in fines])))}
    for fine, at in zip(fines, instants, strict=True):
        day = at.astimezone(UTC).date()
        assert got[fine.id] == (day, day + timedelta(days=1), day - timedelta(days=1)), at


def test_a_person_rematching_in_batch_leaves_the_same_audit_trail_as_one_by_one(ctx: Any) -> None:
    from app.extensions import db
    from app.fleet import services as contracts
    from app.models import AuditEntry, Client
    from fines.workflow import batch
    from fines.workflow import services as workflow

    fines = {}
    for client_id in (ctx.client_a, ctx.client_b):
        fines[client_id] = make_fine(client_id, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL),
                                     notice=f"R{client_id}")
        assert fines[client_id].state == "waiting_info"
        contracts.save_contract(_actor(), db.session.get(Client, client_id), {
            "contract_number": "R-1", "plate": "1ABC123", "plate_country": "BE", "driver_name": "Jan Peeters",
            "driver_address": "Kerkstraat 1, 9000 Gent", "start_date": date(2026, 1, 1), "end_date": None,
            "instruction": "redirect"})
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    workflow.refresh(fines[ctx.client_a], _calendar(), now, _actor())  # one by one, through the ORM
    assert batch.rematch_plates({(ctx.client_b, "1ABC123")}, _calendar(), now, _actor()) == 1  # in batch
    db.session.flush()

    def trail(fine: Any) -> list[tuple[str, str, Any]]:
        entries = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.object_type == "Fine", AuditEntry.object_id == str(fine.id)).order_by(AuditEntry.id))
        return [(e.action, e.actor_label, e.details) for e in entries]

    assert trail(fines[ctx.client_a]) == trail(fines[ctx.client_b]) == [
        ("fine.state_changed", "agent@op.test", {"from_state": "waiting_info", "to_state": "matched", "note": None,
                                                 "reasons": [{"code": "matched", "params": {"number": "R-1"}}]}),
        ("fine.state_changed", "agent@op.test", {"from_state": "matched", "to_state": "ready", "note": None,
                                                 "reasons": [{"code": "complete", "params": {}}]})]
    assert fines[ctx.client_b].state == "ready" and fines[ctx.client_b].complete_at == now


def test_bulk_insert_fills_python_defaults_and_stores_json(ctx: Any) -> None:
    from app.database import bulk_insert
    from app.extensions import db
    from app.models import AuditEntry

    before = _now()
    bulk_insert(db.session, AuditEntry.__table__, [
        {"actor_label": "bench", "action": "x.bulk", "client_id": ctx.client_a, "details": {"n": n, "who": "é"}}
        for n in range(3)])
    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "x.bulk")
                                      .order_by(AuditEntry.id)))
    assert [e.details for e in entries] == [{"n": n, "who": "é"} for n in range(3)]
    assert all(e.at >= before - timedelta(seconds=1) for e in entries)


def test_bulk_insert_stores_an_instant_on_a_whole_second_as_the_orm_does(ctx: Any) -> None:
    from app.database import bulk_insert
    from app.extensions import db
    from app.models import AuditEntry

    whole = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # no microseconds: sqlite3's own adapter drops ".000000"
    bulk_insert(db.session, AuditEntry.__table__, [{"actor_label": "bench", "action": "x.second", "at": whole,
                                                    "client_id": ctx.client_a, "details": {}}])
    db.session.add(AuditEntry(actor_label="orm", action="x.second", at=whole, client_id=ctx.client_a, details={}))
    db.session.flush()
    found = db.session.scalars(sa.select(AuditEntry.actor_label).where(AuditEntry.action == "x.second",
                                                                       AuditEntry.at >= whole))
    assert sorted(found) == ["bench", "orm"]
    stored = db.session.scalars(sa.select(sa.cast(AuditEntry.at, sa.String)).where(AuditEntry.action == "x.second"))
    assert len(set(stored)) == 1  # the same text (or timestamp) for the same instant, whoever wrote it


def _plan(statement: Any) -> str:
    """The database's query plan for a statement, as one text."""
    from app.extensions import db

    bind = db.session.get_bind()
    compiled = statement.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN" if bind.dialect.name == "sqlite" else "EXPLAIN"
    return "\n".join(str(row[-1]) for row in db.session.execute(sa.text(f"{explain} {compiled}")))


def _load_volume(client_ids: list[int], contracts: int, fines: int) -> None:
    """Enough contracts and fines, with statistics, for the planner to choose as in production."""
    from app.database import bulk_insert
    from app.extensions import db
    from app.fleet.models import Contract
    from fines.models import Fine, IntakeMessage

    message = IntakeMessage(source="cli", message_key="volume", raw_path="x", raw_sha256="0" * 64, size=0,
                            status="processed", client_id=client_ids[0], recipients=[], refusals=[], replies_sent=[])
    db.session.add(message)
    db.session.flush()
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    bulk_insert(db.session, Contract.__table__, [
        {"client_id": client_ids[n % len(client_ids)], "contract_number": f"V{n}", "plate": f"1VOL{n:05d}",
         "plate_country": "BE", "start_date": date(2025, 1, 1) + timedelta(days=n % 300), "end_date": None,
         "instruction": "redirect", "created_at": stamp, "updated_at": stamp} for n in range(contracts)])
    states = ["read", "waiting_info", "ready", "processed", "closed", "closed", "closed", "closed"]
    bulk_insert(db.session, Fine.__table__, [
        {"message_id": message.id, "client_id": client_ids[n % len(client_ids)], "message_key": "volume",
         "pdf_path": "x", "pdf_sha256": f"{n:064d}", "size": 0, "state": states[n % len(states)],
         "plate": f"1VOL{n % contracts:05d}", "plate_country": "BE", "offence_at": stamp + timedelta(hours=n),
         "cutoff": date(2026, 1, 1) + timedelta(days=n % 400), "confidence": {}, "problems": [], "created_at": stamp}
        for n in range(fines)])
    db.session.execute(sa.text("ANALYZE"))


def test_matching_and_the_sweep_read_through_indexes_not_scans(ctx: Any) -> None:
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow import batch
    from fines.workflow import services as workflow

    _load_volume([ctx.client_a, ctx.client_b], 50_000, 20_000)
    # A batch is small beside the contracts (10,000 fines to 1,000,000 contracts in the bench).
    first = db.session.scalar(sa.select(sa.func.min(Fine.id)).where(Fine.message_key == "volume"))
    plan = _plan(batch.candidate_contracts(Fine.state.in_(workflow.MATCHABLE), first, first + 100))
    assert "ix_contracts_client_id_plate_start_date" in plan, plan
    assert not any(scan in plan for scan in ("SCAN contracts", "Seq Scan on contracts")), plan
    sweep = sa.select(Fine.id).where(Fine.state == "waiting_info", Fine.cutoff.is_not(None),
                                     Fine.cutoff <= date(2026, 1, 10))
    plan = _plan(sweep)
    assert "ix_fines_state_cutoff" in plan or "ix_fines_client_id_state_cutoff" in plan, plan


@pytest.mark.parametrize("at", [datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
                                datetime(2027, 7, 20, 7, 30, tzinfo=UTC),  # the day after a holiday
                                datetime(2027, 3, 6, 11, 0, tzinfo=UTC)],  # a Saturday
                         ids=["monday", "after-21-july", "saturday"])
def test_the_demo_fines_are_dated_around_today_in_every_stage(app: Any, clock: Any, at: datetime) -> None:
    """Whatever day the demo starts, a new user sees fines before, at and after their cut-off, and every stage."""
    from collections import Counter

    from app import services
    from app.clock import today, work_calendar
    from app.extensions import db
    from fines.demo import load_demo_fines
    from fines.models import Fine
    from fines.workflow.deadlines import cutoff_urgency

    clock.set(at)
    with app.app_context():
        for code, name in (("ACME", "ACME Lease NV"), ("BRAFL", "Brabant Fleet BV")):
            services.add_client(services.Actor("test"), code, name, app.config["INTAKE_DOMAIN"])
        load_demo_fines(app)
        db.session.commit()
        fines = list(db.session.scalars(sa.select(Fine).order_by(Fine.id)))
        states = Counter(f.state for f in fines)
        assert states["ready"] >= 5 and states["waiting_info"] == 1 and states["review"] == 1
        assert states["duplicate"] == 1 and {f.outcome for f in fines if f.state == "processed"} == {
            "redirected", "recharged"}
        day, calendar = today(), work_calendar()
        urgencies = {cutoff_urgency(f.cutoff, day, calendar).value for f in fines if f.state == "ready"}
        assert {"overdue", "cutoff_today" if calendar.is_workday(day) else "this_week", "this_week",
                "later"} <= urgencies
        assert all(f.letter_date is not None and f.letter_date <= day for f in fines)  # no letter from the future
        assert all(f.offence_at is not None and f.offence_at.date() < f.letter_date for f in fines)
        assert sum(1 for f in fines if f.addressee == "Luxauto Lease SA") == 1


def _fields(fine: Any, **changes: Any) -> dict[str, Any]:
    """The fine's read-out fields as the correction form sends them, with ``changes``."""
    from fines.intake.extraction import FIELDS

    return {**{name: getattr(fine, name) for name in FIELDS}, "payment_reference": None, **changes}


def _quarantined_fine(client_id: int, notice: str) -> Any:
    """A fine intake quarantined (no fields found), with its received → quarantined event."""
    from app.extensions import db
    from fines.models import Fine, IntakeMessage
    from fines.reasons import Reason
    from fines.workflow import services as workflow

    message = IntakeMessage(source="upload", message_key=f"<{notice}>", raw_path="mail/q.eml", raw_sha256="0" * 64,
                            size=0, status="processed", client_id=client_id, recipients=[], refusals=[],
                            replies_sent=[])
    fine = Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/q.pdf",
                pdf_sha256="9" * 64, size=0, state="received", confidence={}, problems=[])
    db.session.add_all([message, fine])
    db.session.flush()
    fine.reason_code, fine.reason = "no_fine", "no notice number, plate or amount found"
    workflow.transition(fine, "quarantined", workflow.INTAKE, reasons=[Reason("no_fine", {"detail": fine.reason})])
    db.session.flush()
    return fine


def test_correcting_a_quarantined_fine_makes_it_read_through_the_state_machine(ctx: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry
    from fines.intake import services as intake

    add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    fine = _quarantined_fine(ctx.client_a, "Q1")
    template = make_fine(ctx.client_a, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL), notice="T1")
    intake.correct_and_refresh(_actor(), fine, _fields(template, notice_number="Q1/2026"), note="typed in",
                               calendar=_calendar(), now=_now())
    db.session.flush()
    assert fine.state == "ready" and fine.reason_code is None
    assert [(e.from_state, e.to_state, e.actor_label) for e in fine.events] == [
        ("received", "quarantined", "intake"), ("quarantined", "read", "agent@op.test"),
        ("read", "matched", "agent@op.test"), ("matched", "ready", "agent@op.test")]
    assert fine.events[1].note == "typed in"
    moves = db.session.execute(sa.select(AuditEntry.details).where(
        AuditEntry.action == "fine.state_changed", AuditEntry.object_id == str(fine.id))
        .order_by(AuditEntry.id)).scalars()
    assert [(d["from_state"], d["to_state"]) for d in moves] == [
        ("quarantined", "read"), ("read", "matched"), ("matched", "ready")]


@pytest.mark.parametrize(("contract", "before"), [(True, "ready"), (False, "waiting_info")])
def test_a_correction_that_repeats_an_earlier_notice_makes_the_fine_a_duplicate_with_its_event(
        ctx: Any, contract: bool, before: str) -> None:
    from fines.intake import services as intake

    if contract:
        add_contract(ctx.client_a, "A-1", date(2026, 1, 1), None)
    first = make_fine(ctx.client_a, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL), notice="N1")
    second = make_fine(ctx.client_a, offence=datetime(2026, 4, 16, 10, 0, tzinfo=BXL), notice="N2")
    assert second.state == before
    intake.correct_and_refresh(_actor(), second, _fields(second, notice_number="N1"), note="same letter",
                               calendar=_calendar(), now=_now())
    assert (second.state, second.duplicate_of_id) == ("duplicate", first.id)
    last = second.events[-1]
    assert (last.from_state, last.to_state, last.actor_label) == (before, "duplicate", "agent@op.test")
    assert last.note is None and last.reasons == [{"code": "duplicate_of", "params": {"id": str(first.id)}}]


def test_a_quarantined_fine_corrected_into_an_earlier_notice_is_read_then_a_duplicate(ctx: Any) -> None:
    from fines.intake import services as intake

    first = make_fine(ctx.client_a, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL), notice="N1")
    fine = _quarantined_fine(ctx.client_a, "Q1")
    intake.correct_and_refresh(_actor(), fine, _fields(first), note="typed in", calendar=_calendar(), now=_now())
    assert (fine.state, fine.duplicate_of_id) == ("duplicate", first.id)
    assert [(e.from_state, e.to_state) for e in fine.events] == [
        ("received", "quarantined"), ("quarantined", "read"), ("read", "duplicate")]


def test_the_state_column_reads_back_as_the_enum_and_compares_as_its_text(ctx: Any) -> None:
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.states import FineState

    fine = make_fine(ctx.client_a, offence=datetime(2026, 4, 15, 10, 0, tzinfo=BXL))
    db.session.expire(fine)
    assert fine.state is FineState.WAITING_INFO and fine.state == "waiting_info" and f"{fine.state}" == "waiting_info"
    stored = db.session.execute(sa.select(sa.cast(Fine.state, sa.String)).where(Fine.id == fine.id)).scalar_one()
    assert stored == "waiting_info"

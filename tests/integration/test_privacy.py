"""Data subjects' requests (app.privacy): the register's deadlines, restriction of a driver's processing,
the person's export, complete erasure (no trace in any table or file) and retention for every terminal state."""
from __future__ import annotations

import base64
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import support

BXL = ZoneInfo("Europe/Brussels")
NAME, EMAIL, ADDRESS = "Marie Dubois-Lefèvre", "marie.dubois@example.be", "Rue Haute 12, 1000 Bruxelles"


def _actor() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


@pytest.fixture()
def ctx(app: Any, world: Any, clock: Any) -> Any:
    from app.extensions import db

    with app.app_context():
        yield world
        db.session.rollback()


def _contract(client_id: int, number: str = "P-1", *, plate: str = "1PRV001") -> Any:
    from app.extensions import db
    from app.fleet import services as contracts
    from app.models import Client

    return contracts.save_contract(_actor(), db.session.get(Client, client_id), {
        "contract_number": number, "plate": plate, "plate_country": "BE", "driver_name": NAME,
        "driver_email": EMAIL, "driver_address": ADDRESS, "start_date": date(2026, 1, 1), "end_date": None,
        "instruction": "redirect"})


def _fine(client_id: int, data_dir: str, *, notice: str = "PRV/1", state: str = "read",
          text: str | None = None, mail_body: str = "Zie bijlage.") -> Any:
    """A fine with its files written under the data directory: the raw mail, the PDF and a preview image."""
    from app.clock import now, work_calendar
    from app.extensions import db
    from fines.models import Fine, FineEvent, IntakeMessage
    from fines.workflow import services as workflow

    raw = (f"From: fleet@alpha.test\r\nTo: alpha@fines.fleetdesk.test\r\nSubject: Boete {notice}\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode(mail_body.encode()).decode() + "\r\n").encode()
    raw_path, raw_sha = support.store_blob("mail", raw, ".eml")
    pdf = b"%PDF-1.4 fine " + notice.encode()
    pdf_path, pdf_sha = support.store_blob("pdf", pdf, ".pdf")
    preview = Path(data_dir) / "previews" / pdf_sha[:2] / f"{pdf_sha}-1.png"
    preview.parent.mkdir(parents=True, exist_ok=True)
    preview.write_bytes(b"\x89PNG " + (text or "").encode())
    message = IntakeMessage(source="imap", message_key=f"<{notice}>", raw_path=raw_path, raw_sha256=raw_sha,
                            size=len(raw), status="processed", client_id=client_id, recipients=[], refusals=[],
                            replies_sent=[], subject=f"Boete {notice}", received_at=now())
    fine = Fine(message=message, client_id=client_id, message_key=f"<{notice}>", pdf_path=pdf_path,
                pdf_sha256=pdf_sha, size=len(pdf), state=state, kind="immediate_collection", language="nl",
                issuer="Parket", notice_number=notice, plate="1PRV001", plate_country="BE",
                offence_at=datetime(2026, 6, 10, 9, 0, tzinfo=BXL), letter_date=date(2026, 6, 15),
                due_date=date(2026, 8, 15), amount_cents=5800, currency="EUR", addressee="Alpha Lease NV",
                confidence={}, problems=[], text=text)
    db.session.add_all([message, fine])
    db.session.flush()
    db.session.add(FineEvent(fine_id=fine.id, client_id=client_id, actor_label="intake", from_state="received",
                             to_state=state))
    if state == "read":
        workflow.refresh(fine, work_calendar(), now())
    db.session.flush()
    return fine


def _request(client_id: int, kind: str, contract: Any = None, received: date = date(2026, 11, 2)) -> Any:
    from app.extensions import db
    from app.models import Client
    from app.privacy import services

    return services.open_request(_actor(), db.session.get(Client, client_id), kind, NAME, received, contract)


# --- the register ---------------------------------------------------------------------------------------------

def test_a_request_is_due_a_month_after_receipt_and_extended_once_with_a_reason(ctx: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry
    from app.privacy import services
    from app.services import ServiceError

    request = _request(ctx.client_a, "access", received=date(2026, 1, 31))
    assert (request.state, request.due_on) == ("open", date(2026, 2, 28))
    with pytest.raises(ServiceError):
        services.extend(_actor(), request, "  ", datetime(2026, 2, 1, tzinfo=UTC))
    services.extend(_actor(), request, "Many systems to search", datetime(2026, 2, 1, tzinfo=UTC))
    assert (request.state, request.due_on) == ("extended", date(2026, 4, 30))
    with pytest.raises(ServiceError, match="only once"):
        services.extend(_actor(), request, "again", datetime(2026, 2, 2, tzinfo=UTC))
    with pytest.raises(ServiceError, match="identity"):
        services.answer(_actor(), request, "Export sent", datetime(2026, 2, 3, tzinfo=UTC))
    services.note_identity(_actor(), request, "ID card shown at the desk", datetime(2026, 2, 3, tzinfo=UTC))
    assert request.identity_checked_by == "agent@op.test"
    services.answer(_actor(), request, "Export sent by registered mail", datetime(2026, 2, 4, tzinfo=UTC))
    assert request.state == "answered"
    actions = list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "PrivacyRequest")
                                      .order_by(AuditEntry.id)))
    assert actions == ["privacy.request_opened", "privacy.request_extended", "privacy.identity_checked",
                       "privacy.request_answered"]


def test_the_dashboard_counts_requests_due_within_seven_days_and_late(ctx: Any) -> None:
    from app.privacy import services

    _request(ctx.client_a, "access", received=date(2026, 10, 1))       # due 1/11: late on 16/11
    _request(ctx.client_a, "erasure", received=date(2026, 10, 20))     # due 20/11: within 7 days
    _request(ctx.client_b, "objection", received=date(2026, 11, 10))   # due 10/12: not yet
    answered = _request(ctx.client_b, "access", received=date(2026, 10, 1))
    services.answer(_actor(), answered, "Refused: not our data", datetime(2026, 10, 5, tzinfo=UTC), refused=True)
    assert services.requests_due(date(2026, 11, 16)) == {"soon": 1, "late": 1}


# --- restriction ------------------------------------------------------------------------------------------------

def test_a_restricted_driver_is_not_designated_without_an_audited_override(ctx: Any, app: Any) -> None:
    from app.clock import now, work_calendar
    from app.extensions import db
    from app.models import AuditEntry
    from app.privacy import services
    from app.services import ServiceError
    from fines import exports
    from fines.workflow import services as workflow

    contract = _contract(ctx.client_a)
    fine = _fine(ctx.client_a, app.config["DATA_DIR"])
    assert fine.state == "ready" and fine.contract_id == contract.id
    request = _request(ctx.client_a, "restriction", contract)
    services.restrict(_actor(), request, now())
    assert [d.fine_id for d in exports.designations(ctx.client_a, work_calendar())] == []
    with pytest.raises(ServiceError, match="restricted") as refused:
        workflow.process(fine, _actor(), now(), work_calendar())
    assert refused.value.field == "restriction" and fine.state == "ready"
    workflow.process(fine, _actor(), now(), work_calendar(), "Court order to designate the driver")
    assert fine.state == "processed" and fine.outcome == "redirected"
    override = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.restriction_overridden"))
    assert override is not None and override.details["reason"] == "Court order to designate the driver"
    services.lift_restriction(_actor(), request, now())
    assert not services.is_restricted(contract.id)


# --- access and portability -------------------------------------------------------------------------------------

def test_the_export_holds_the_contracts_fines_with_events_and_audit_entries(ctx: Any, app: Any) -> None:
    from app.privacy import services

    contract = _contract(ctx.client_a)
    _contract(ctx.client_a, "P-2", plate="2PRV002")  # the same driver (same e-mail) on another contract
    fine = _fine(ctx.client_a, app.config["DATA_DIR"])
    exported = json.loads(json.dumps(services.export_person(_request(ctx.client_a, "portability", contract))))
    assert exported["format"] == "fleetdesk-person-export/1"
    assert [c["contract_number"] for c in exported["contracts"]] == ["P-1", "P-2"]
    assert exported["contracts"][0]["driver_email"] == EMAIL
    [shown] = exported["fines"]["fines"]
    assert shown["id"] == fine.id and [e["to"] for e in shown["events"]][:1] == ["read"]
    assert {"contract.created"} <= {e["action"] for e in exported["audit"]}


def test_the_export_holds_assistance_cases_in_the_contract_period_and_tickets_they_reported(ctx: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client, Role
    from app.privacy import services
    from app.services import Actor, create_user
    from assistance.models import Case
    from sla.desk import services as desk

    contract = _contract(ctx.client_a)
    inside = Case(client_id=ctx.client_a, plate="1PRV001", at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC), country="BE",
                  cause="breakdown", exclusions=[])
    before = Case(client_id=ctx.client_a, plate="1PRV001", at=datetime(2025, 12, 1, 10, 0, tzinfo=UTC),
                  country="BE", cause="breakdown", exclusions=[])
    db.session.add_all([inside, before])
    alpha = db.session.get(Client, ctx.client_a)
    user = create_user(Actor("test"), email=EMAIL, name=NAME, role=Role.CLIENT, password=support.PASSWORD, client=alpha)
    user.can_report_incidents = True
    ticket = desk.open_ticket(Actor("test"), client=alpha, reporter=user, title="Cannot upload",
                              description="The upload page fails", level=3, impact="few", channel="web",
                              now=datetime(2026, 11, 16, 8, 0, tzinfo=UTC), calendar=work_calendar())
    db.session.flush()
    exported = services.export_person(_request(ctx.client_a, "access", contract))
    assert [c["id"] for c in exported["assistance"]["cases"]] == [inside.id]
    assert [t["id"] for t in exported["support"]["tickets"]] == [ticket.id]


# --- complete erasure --------------------------------------------------------------------------------------------

def _traces(data_dir: str) -> list[str]:
    """Every table's text and JSON value, and every file under the data directory, naming the person."""
    from app.extensions import db
    from fines.privacy import _mail_text

    needles = [n.lower() for n in (NAME, EMAIL, ADDRESS, "Dubois")]
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                if value is not None and any(n in text.lower() for n in needles):
                    found.append(f"{table.name}.{column.name}")
    for root, _dirs, files in os.walk(data_dir):
        for name in files:
            data = Path(root, name).read_bytes()
            if any(n in _mail_text(data).lower() for n in needles):
                found.append(str(Path(root, name)))
    return found


def test_erasure_leaves_no_trace_of_the_person_in_any_table_or_file(ctx: Any, app: Any) -> None:
    from app.clock import now, work_calendar
    from app.extensions import db
    from app.privacy import services
    from fines.workflow import services as workflow

    data_dir = app.config["DATA_DIR"]
    contract = _contract(ctx.client_a)
    open_fine = _fine(ctx.client_a, data_dir, notice="PRV/OPEN",
                      text=f"Aan {NAME}, {ADDRESS}", mail_body=f"Boete voor {NAME} <{EMAIL}>")
    done = _fine(ctx.client_a, data_dir, notice="PRV/DONE")
    workflow.process(done, _actor(), now(), work_calendar())
    workflow.close(done, _actor(), now(), note=f"Betaald door {NAME}")
    request = _request(ctx.client_a, "erasure", contract)
    services.note_identity(_actor(), request, f"ID card of {NAME}", now())
    db.session.flush()
    assert _traces(data_dir)  # the person is everywhere before
    counts = services.erase_person(_actor(), request, data_dir, now())
    assert counts["contracts"] == 1 and counts["pdfs_removed"] == 2 and counts["mails_removed"] == 1
    assert counts["audit_entries_scrubbed"] >= 1
    db.session.flush()
    assert _traces(data_dir) == []
    assert open_fine.pdf_path == "" and contract.driver_name == services.ERASED
    assert request.kind == "erasure" and request.identity_checked_at is not None  # the fact stays


# --- retention ----------------------------------------------------------------------------------------------------

def test_retention_removes_every_terminal_state_after_its_period_and_audits_the_run(ctx: Any, app: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry, UserSession
    from app.privacy.retention import run_retention
    from fines.models import Fine, FineEvent

    data_dir = app.config["DATA_DIR"]
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    fines = {state: _fine(ctx.client_a, data_dir, notice=f"RET/{state}", state=state, text="letter")
             for state in ("cancelled", "duplicate", "quarantined", "closed", "review")}
    fines["closed"].closed_at = long_ago
    for fine in fines.values():
        fine.created_at = long_ago
        db.session.execute(sa.update(FineEvent).where(FineEvent.fine_id == fine.id).values(at=long_ago))
        fine.message.received_at = long_ago
    recent = _fine(ctx.client_a, data_dir, notice="RET/new", state="cancelled", text="letter")
    db.session.add(UserSession(token_sha256="f" * 64, user_id=ctx.user_a_id, created_at=long_ago,
                               expires_at=long_ago + timedelta(hours=12), ip="192.0.2.7"))
    db.session.flush()
    counts = run_retention(datetime(2026, 11, 16, 2, 30, tzinfo=UTC))
    assert {k: v for k, v in counts.items() if k.startswith("fines.fines_")} == {
        "fines.fines_closed": 1, "fines.fines_cancelled": 1, "fines.fines_duplicate": 1,
        "fines.fines_quarantined": 1, "fines.fines_never_closed": 1}
    assert counts["fines.raw_mails"] >= 5 and counts["platform.login_sessions"] >= 1
    for fine in fines.values():
        assert fine.pdf_path == "" and fine.text is None and fine.message.raw_path == ""
    assert recent.pdf_path != "" and recent.text == "letter" and recent.message.raw_path != ""
    run = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.retention_run"))
    assert run is not None and run.details["fines.fines_closed"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Fine)) == 7  # rows stay, their data goes


def test_retention_clears_closed_tickets_personal_fields(ctx: Any, app: Any) -> None:
    from app.extensions import db
    from app.privacy.retention import run_retention
    from sla.desk.jobs import REMOVED
    from sla.desk.models import Ticket, TicketEvent

    ticket = db.session.get(Ticket, ctx.ticket_b_id)
    ticket.is_open, ticket.state, ticket.closed_at = False, "closed", datetime(2022, 1, 1, tzinfo=UTC)
    db.session.add(TicketEvent(ticket_id=ticket.id, client_id=ticket.client_id, kind="comment",
                               actor_label="bert@beta.test", body="Call me on 0470 12 34 56"))
    db.session.flush()
    counts = run_retention(datetime(2026, 11, 16, 2, 30, tzinfo=UTC))
    assert counts["sla.tickets"] == 1
    assert ticket.description == REMOVED and ticket.reported_by_id is None
    assert all(e.body is None and e.actor_label == "retention" for e in ticket.events)
    assert run_retention(datetime(2026, 11, 17, 2, 30, tzinfo=UTC))["sla.tickets"] == 0


def test_retention_removes_mail_sent_longer_ago_than_the_outbox_period_and_keeps_unsent_mail(
        ctx: Any, app: Any) -> None:
    from app.extensions import db
    from app.models import OutboxMail
    from app.privacy.retention import run_retention

    now = datetime(2026, 11, 16, 2, 30, tzinfo=UTC)
    keep = timedelta(days=app.config["RETENTION_OUTBOX_DAYS"])
    rows = {name: OutboxMail(created_at=sent - timedelta(minutes=1), what=name, message=b"To: x@example.test\r\n\r\n",
                             recipients=1, attempts=1, next_attempt_at=sent, sent_at=sent if name != "unsent" else None)
            for name, sent in (("old", now - keep - timedelta(hours=1)), ("recent", now - keep + timedelta(hours=1)),
                               ("unsent", now - keep - timedelta(days=300)))}
    db.session.add_all(rows.values())
    db.session.flush()
    counts = run_retention(now)
    assert counts["platform.outbox_sent"] == 1
    assert sorted(db.session.scalars(sa.select(OutboxMail.what).where(OutboxMail.what.in_(list(rows))))) == [
        "recent", "unsent"]

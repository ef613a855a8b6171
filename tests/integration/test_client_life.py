"""A client's suspension and service contract through the services and the command line (issue 18).

Held mail: a suspended client's intake mail is stored and held with one automatic reply, and taken in
once (nothing doubled) when the suspension is lifted.
"""
from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

from tests import pdfs

LETTER = pdfs.text_pdf(pdfs.LETTER)


def _mail(message_id: str, *, to: str = "alpha@fines.fleetdesk.test", sender: str = "fleet@alpha.test") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Fw: boete"
    msg["Message-ID"] = message_id
    msg.set_content("\n")
    msg.add_attachment(LETTER, maintype="application", subtype="pdf", filename="boete.pdf")
    return msg.as_bytes()


def _receive(app: Any, raw: bytes, uid: int) -> Any:
    """Take a message in as the IMAP job does: ingest, queue its replies, commit."""
    from app.extensions import db
    from fines.intake import services

    with app.app_context():
        result = services.ingest_message(raw, source="imap", settings=services.IntakeSettings.from_config(app.config),
                                         sandbox=None, imap=services.ImapRef("main", "INBOX", 7, uid))
        services.queue_replies(result)
        db.session.commit()
        return result.message.id, result.message.status, result.message.reason_code, result.destination


def _suspend(app: Any, client_id: int, reason: str = "Invoices unpaid since August") -> int:
    from app import client_life
    from app.extensions import db
    from app.models import Client
    from app.services import Actor

    with app.app_context():
        ended = client_life.suspend_client(Actor("admin@op.test"), db.session.get(Client, client_id), reason,
                                           app.config["CLOCK"]())
        db.session.commit()
        return ended


def _resume(app: Any, client_id: int) -> int:
    from app import client_life
    from app.extensions import db
    from app.models import Client
    from app.services import Actor

    with app.app_context():
        taken = client_life.resume_client(Actor("admin@op.test"), db.session.get(Client, client_id))
        db.session.commit()
        return taken


def _count(app: Any, model: Any, *where: Any) -> int:
    from app.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def test_mail_to_a_suspended_client_is_held_with_one_reply_and_taken_in_once_on_resume(
        app: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry, OutboxMail
    from fines.intake import services
    from fines.models import Fine, IntakeMessage

    _suspend(app, world.client_a)
    first = _receive(app, _mail("<held-1@alpha.test>"), uid=1)
    second = _receive(app, _mail("<held-2@alpha.test>"), uid=2)
    assert first[1:] == ("held", "client_suspended", "processed")  # stored, and moved out of the inbox
    assert second[1:3] == ("held", "client_suspended")
    again = _receive(app, _mail("<held-1@alpha.test>"), uid=1)  # the same IMAP message after a crash
    assert again[0] == first[0]
    assert _count(app, Fine, Fine.client_id == world.client_a) == 0  # not processed
    assert _count(app, IntakeMessage, IntakeMessage.status == "held") == 2
    with app.app_context():
        replies = [row.message for row in db.session.scalars(sa.select(OutboxMail))]
    assert len(replies) == 2  # one automatic reply per held message, none for the repeat
    assert all(b"fleet@alpha.test" in reply and b"opgeschort" in reply for reply in replies)

    assert _resume(app, world.client_a) == 2
    with app.app_context():
        messages = db.session.scalars(sa.select(IntakeMessage).order_by(IntakeMessage.id)).all()
        assert [(m.status, m.reason_code) for m in messages if m.id in (first[0], second[0])] == [
            ("processed", None), ("processed", None)]
        # Both messages carry the same PDF: the second is the duplicate of the first, as ever.
        fines = db.session.scalars(sa.select(Fine).where(Fine.client_id == world.client_a)).all()
        assert len(fines) == 2 and {f.message_id for f in fines} == {first[0], second[0]}
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fines.held_taken_in")).details[
            "messages"] == [first[0], second[0]]
        # A second call (a resume hook run twice) finds nothing held: nothing doubled.
        assert services.take_in_held(world.client_a, services.Actor("test"),
                                     settings=services.IntakeSettings.from_config(app.config)) == 0
        db.session.commit()
    assert _count(app, Fine, Fine.client_id == world.client_a) == 2
    assert _count(app, OutboxMail) == 2  # no reply sent again when the held mail is taken in
    assert _receive(app, _mail("<after@alpha.test>"), uid=3)[1] == "processed"  # new mail goes straight in


def test_only_the_suspended_clients_mail_is_held(app: Any, world: Any, clock: Any) -> None:
    _suspend(app, world.client_a)
    assert _receive(app, _mail("<beta@beta.test>", to="beta@fines.fleetdesk.test"), uid=1)[1] == "processed"


def test_suspension_ends_the_sessions_of_the_clients_users_only_and_is_audited_both_ways(
        app: Any, world: Any, clock: Any) -> None:
    from datetime import timedelta

    from app import services
    from app.extensions import db
    from app.models import AuditEntry, User, UserSession

    with app.app_context():
        for email in (world.user_a, world.user_b):
            user = db.session.scalar(sa.select(User).where(User.email == email))
            services.start_session(user, clock(), timedelta(hours=8), "127.0.0.1")
        db.session.commit()
    assert _suspend(app, world.client_a) == 1
    with app.app_context():
        live = {s.user_id: s.ended_at for s in db.session.scalars(sa.select(UserSession))}
        assert live[world.user_a_id] == clock() and live[world.user_b_id] is None
        suspended = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "client.suspended"))
        assert suspended.client_id == world.client_a
        assert suspended.details == {"reason": "Invoices unpaid since August", "sessions_ended": 1}
    assert _resume(app, world.client_a) == 0
    with app.app_context():
        resumed = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "client.resumed"))
        assert resumed.client_id == world.client_a and resumed.details == {"held_mail": 0}


def test_a_suspension_needs_a_reason_and_deletes_nothing(app: Any, world: Any, clock: Any) -> None:
    import pytest

    from app import client_life
    from app.extensions import db
    from app.fleet.models import Contract
    from app.models import Client, User
    from app.services import Actor, ServiceError
    from fines.models import Fine

    with app.app_context():
        beta = db.session.get(Client, world.client_b)
        with pytest.raises(ServiceError, match="reason"):
            client_life.suspend_client(Actor("test"), beta, "   ", clock())
        with pytest.raises(ServiceError, match="not suspended"):
            client_life.resume_client(Actor("test"), beta)
        db.session.rollback()
    before = [_count(app, model, model.client_id == world.client_b) for model in (User, Fine, Contract)]
    _suspend(app, world.client_b)
    with app.app_context():
        with pytest.raises(ServiceError, match="suspended already"):
            client_life.suspend_client(Actor("test"), db.session.get(Client, world.client_b), "again", clock())
        db.session.rollback()
    assert [_count(app, model, model.client_id == world.client_b) for model in (User, Fine, Contract)] == before
    _resume(app, world.client_b)
    assert [_count(app, model, model.client_id == world.client_b) for model in (User, Fine, Contract)] == before


def test_login_is_refused_while_suspended_and_allowed_after_resume(app: Any, world: Any, clock: Any) -> None:
    import pytest

    from app import services
    from app.extensions import db
    from app.models import AuditEntry
    from tests import support

    _suspend(app, world.client_a)
    with app.app_context():
        with pytest.raises(services.LoginRefused) as refused:
            services.authenticate(world.user_a, support.PASSWORD, "127.0.0.1", clock())
        assert refused.value.status == 403
        with pytest.raises(services.LoginRefused) as wrong:  # a wrong password learns nothing of the suspension
            services.authenticate(world.user_a, "not the password", "127.0.0.1", clock())
        assert wrong.value.status == 401
        db.session.rollback()
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.logged_in")) is None
    _resume(app, world.client_a)
    with app.app_context():
        assert services.authenticate(world.user_a, support.PASSWORD, "127.0.0.1", clock()).email == world.user_a
        db.session.rollback()


def test_cli_suspends_and_resumes_a_client_and_records_its_service_contract(app: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry, Client

    runner = app.test_cli_runner()
    refused = runner.invoke(args=["clients", "suspend", "ALPHA"])
    assert refused.exit_code != 0 and "--reason" in refused.output
    result = runner.invoke(args=["clients", "suspend", "alpha", "--reason", "Contract breach (AV 14.3)"])
    assert result.exit_code == 0, result.output
    assert "ALPHA suspended" in result.output and "alpha@fines.fleetdesk.test is held" in result.output
    listed = runner.invoke(args=["clients", "list"])
    assert "(suspended)" in listed.output
    twice = runner.invoke(args=["clients", "suspend", "ALPHA", "--reason", "again"])
    assert twice.exit_code != 0 and "suspended already" in twice.output
    with app.app_context():
        client = db.session.get(Client, world.client_a)
        assert client.is_suspended and client.suspension_reason == "Contract breach (AV 14.3)"
    result = runner.invoke(args=["clients", "resume", "ALPHA"])
    assert result.exit_code == 0 and "ALPHA resumed; 0 held message(s) taken in" in result.output
    with app.app_context():
        assert not db.session.get(Client, world.client_a).is_suspended
        actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.client_id == world.client_a, AuditEntry.action.like("client.%")).order_by(AuditEntry.id))]
        assert actions[-2:] == ["client.suspended", "client.resumed"]
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "client.suspended")).actor_label \
            .startswith("cli:")

    result = runner.invoke(args=["clients", "contract", "BETA", "--start", "2024-01-01", "--term-months", "36"])
    assert result.exit_code == 0, result.output
    # Frozen on 16 November 2026: the initial term ends 1 January 2027; notice was due by 1 January 2026.
    assert "term ends 2027-01-01; give notice by 2026-01-01; earliest end 2028-01-01" in result.output
    short = runner.invoke(args=["clients", "contract", "BETA", "--start", "2024-01-01", "--term-months", "36",
                                "--notice-months", "6"])
    assert short.exit_code != 0


def test_service_contract_is_recorded_audited_and_refuses_short_notice(app: Any, world: Any, clock: Any) -> None:
    import pytest

    from app import client_life
    from app.extensions import db
    from app.models import AuditEntry, Client, ServiceContract
    from app.services import Actor, ServiceError

    with app.app_context():
        alpha = db.session.get(Client, world.client_a)
        with pytest.raises(ServiceError, match="at least 12 months"):
            client_life.set_service_contract(Actor("test"), alpha, starts_on=date(2024, 2, 29), term_months=36,
                                             notice_months=11)
        db.session.rollback()
        alpha = db.session.get(Client, world.client_a)
        client_life.set_service_contract(Actor("test"), alpha, starts_on=date(2024, 2, 29), term_months=36)
        client_life.set_service_contract(Actor("test"), alpha, starts_on=date(2024, 2, 29), term_months=36)  # no-op
        db.session.commit()
        dates = client_life.contract_dates(db.session.get(Client, world.client_a), date(2026, 11, 16))
        assert dates is not None
        assert (dates.term_end, dates.notice_by, dates.earliest_end) == (
            date(2027, 2, 28), date(2026, 2, 28), date(2028, 2, 29))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceContract)) == 1
        entries = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "client.service_contract_set")).all()
        assert len(entries) == 1 and entries[0].details["starts_on"] == "2024-02-29"
        assert client_life.contract_dates(db.session.get(Client, world.client_b), date(2026, 11, 16)) is None


def test_demo_gives_acme_a_service_contract_three_weeks_before_its_notice_day(app: Any, clock: Any) -> None:
    from datetime import timedelta

    from app import client_life, services
    from app.extensions import db
    from app.models import Client

    with app.app_context():
        for code, name in (("ACME", "ACME Lease NV"), ("BRAFL", "Brabant Fleet BV")):
            services.add_client(services.Actor("demo"), code, name, "fines.fleetdesk.test")
        client_life.load_demo_contracts(app)
        db.session.commit()
        today = date(2026, 11, 16)  # the frozen clock's day in Brussels
        acme = db.session.scalar(sa.select(Client).where(Client.code == "ACME"))
        dates = client_life.contract_dates(acme, today)
        assert dates is not None and dates.notice_by == today + timedelta(days=21) and not dates.notice_overdue
        assert not any(c.is_suspended for c in db.session.scalars(sa.select(Client)))

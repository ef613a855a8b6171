"""Intake from a real Dovecot: delivered mails become fines; cut connections lose or double nothing."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import pdfs
from tests.integration.faultproxy import FaultProxy


def _mail(to: str, notice: str, message_id: str, body: str = "\n") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "fleet@client.test", to, f"boete {notice}", message_id
    msg.set_content(body)
    lines = [line.replace("123456", notice) for line in pdfs.LETTER]
    msg.add_attachment(pdfs.text_pdf(lines), maintype="application", subtype="pdf", filename=f"{notice}.pdf")
    return msg.as_bytes()


def _account(server: Any, *, port: int | None = None, security: str = "tls") -> Any:
    from fines.intake.imap import ImapAccount

    return ImapAccount(name="intake", host="127.0.0.1", port=port or server.tls_port, username=server.username,
                       password=server.password, security=security, ca_file=server.ca_file, timeout=10)


def _drain(app: Any, account: Any) -> list[Any]:
    from fines import jobs
    from fines.intake import services
    from fines.intake.imap import Mailbox

    with app.app_context(), jobs.sandbox_for(app.config) as sandbox, Mailbox(account) as mailbox:
        results = jobs.drain_mailbox(mailbox, account, services.IntakeSettings.from_config(app.config), sandbox)
        return [(r.message.id, r.message.status, r.created, len(r.fines)) for r in results]


def _counts(app: Any) -> tuple[int, int]:
    from app.extensions import db
    from fines.models import Fine, IntakeMessage

    with app.app_context():
        return (int(db.session.scalar(sa.select(sa.func.count()).select_from(IntakeMessage)) or 0),
                int(db.session.scalar(sa.select(sa.func.count()).select_from(Fine)) or 0))


def test_delivered_mails_become_fines_and_leave_the_inbox(app: Any, world: Any, dovecot: Any) -> None:
    dovecot.deliver(_mail("alpha@fines.fleetdesk.test", "100001", "<1@c>"))
    dovecot.deliver(_mail("beta@fines.fleetdesk.test", "100002", "<2@c>"))
    dovecot.deliver(_mail("stranger@fines.fleetdesk.test", "100003", "<3@c>"))
    before = _counts(app)
    results = _drain(app, _account(dovecot))
    assert [status for _id, status, _c, _n in results] == ["processed", "processed", "triage"]
    assert _counts(app) == (before[0] + 3, before[1] + 2)
    assert dovecot.list_folder("INBOX") == []
    assert len(dovecot.list_folder("Processed")) == 2 and len(dovecot.list_folder("Quarantine")) == 1


def test_connection_cut_mid_fetch_stores_nothing_and_the_next_run_takes_it_in_once(
        app: Any, world: Any, dovecot: Any) -> None:
    from fines.intake.imap import ImapError

    dovecot.deliver(_mail("alpha@fines.fleetdesk.test", "200001", "<f1@c>"))
    before = _counts(app)
    with FaultProxy(("127.0.0.1", dovecot.plain_port)) as proxy:
        proxy.cut_server_bytes(600, after_client=b"BODY.PEEK")
        with pytest.raises(ImapError):
            _drain(app, _account(dovecot, port=proxy.port, security="plain"))
        assert proxy.cuts == 1
    assert _counts(app) == before
    assert len(dovecot.list_folder("INBOX")) == 1
    results = _drain(app, _account(dovecot))
    assert [(status, created, n) for _id, status, created, n in results] == [("processed", True, 1)]
    assert _counts(app) == (before[0] + 1, before[1] + 1)


def test_connection_cut_mid_move_doubles_nothing(app: Any, world: Any, dovecot: Any) -> None:
    from fines.intake.imap import ImapError

    dovecot.deliver(_mail("alpha@fines.fleetdesk.test", "300001", "<m1@c>"))
    before = _counts(app)
    with FaultProxy(("127.0.0.1", dovecot.plain_port)) as proxy:
        proxy.cut_on_client(b"MOVE")
        proxy.cut_on_client(b"COPY")
        with pytest.raises(ImapError):
            _drain(app, _account(dovecot, port=proxy.port, security="plain"))
    # Stored and committed before the move: the message is in the database and still in INBOX.
    assert _counts(app) == (before[0] + 1, before[1] + 1)
    assert len(dovecot.list_folder("INBOX")) == 1
    results = _drain(app, _account(dovecot))
    assert [(status, created) for _id, status, created, _n in results] == [("processed", False)]
    assert _counts(app) == (before[0] + 1, before[1] + 1)
    assert dovecot.list_folder("INBOX") == [] and len(dovecot.list_folder("Processed")) == 1


def _poison(raw: bytes, header: bytes, replacement: bytes) -> bytes:
    """Put a header into a message that no e-mail library lets us write."""
    assert header in raw
    return raw.replace(header, replacement, 1)


def test_poison_messages_are_set_aside_and_the_valid_fine_behind_them_is_stored(app: Any, world: Any,
                                                                               dovecot: Any) -> None:
    from app.extensions import db
    from fines.models import Fine, IntakeMessage

    plain = EmailMessage()
    plain["From"], plain["To"] = "x@placeholder.test", "y@placeholder.test"
    plain["Subject"], plain["Message-ID"] = "hi", "<p1@e>"
    plain.set_content("no PDF here\n")
    crlf = _poison(plain.as_bytes(), b"From: x@placeholder.test", b"From: =?utf-8?q?x=0D=0Ay?= <a@evil.test>")
    crlf = _poison(crlf, b"To: y@placeholder.test", b"To: " + b", ".join(
        b"=?utf-8?q?n" + str(i).encode() + b"?= <u" + str(i).encode() + b"@evil.test>" for i in range(2700)))
    unlisted = _poison(plain.as_bytes().replace(b"<p1@e>", b"<p2@e>"), b"To: y@placeholder.test",
                       b"To: unlisted-recipients:; (no To-header on input)")
    dovecot.deliver(crlf)
    dovecot.deliver(unlisted)
    dovecot.deliver(_mail("alpha@fines.fleetdesk.test", "400001", "<valid@c>"))

    results = _drain(app, _account(dovecot))
    assert [status for _id, status, _c, _n in results] == ["quarantined", "triage", "processed"]
    assert dovecot.list_folder("INBOX") == []
    assert len(dovecot.list_folder("Quarantine")) == 2 and len(dovecot.list_folder("Processed")) == 1
    with app.app_context():
        bomb, group, valid = (db.session.get(IntakeMessage, message_id) for message_id, *_ in results)
        assert bomb.reason_code == "too_many_encoded_words" and bomb.sender == "a@evil.test"
        assert group.reason_code == "no_client"
        [fine] = valid.fines
        assert fine.notice_number == "AN.12.L3.400001/2026" and db.session.get(Fine, fine.id) is not None
    assert _drain(app, _account(dovecot)) == []  # nothing left, nothing stuck first in INBOX


def test_intake_failing_on_one_message_quarantines_it_and_reads_the_next(app: Any, world: Any, dovecot: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from app.extensions import db
    from fines.intake import services
    from fines.models import IntakeMessage

    real_route = services.route

    def route(recipients: Any) -> Any:
        if "beta@fines.fleetdesk.test" in recipients:
            raise RuntimeError("a bug met one message")
        return real_route(recipients)

    monkeypatch.setattr(services, "route", route)
    dovecot.deliver(_mail("beta@fines.fleetdesk.test", "500001", "<bug@c>"))
    dovecot.deliver(_mail("alpha@fines.fleetdesk.test", "500002", "<fine@c>"))
    results = _drain(app, _account(dovecot))
    assert [(status, n) for _id, status, _c, n in results] == [("quarantined", 0), ("processed", 1)]
    assert dovecot.list_folder("INBOX") == [] and len(dovecot.list_folder("Quarantine")) == 1
    with app.app_context():
        failed = db.session.get(IntakeMessage, results[0][0])
        assert (failed.reason_code, failed.reason) == ("intake_error", "RuntimeError") and failed.uid is not None
        raw_kept = (Path(app.config["DATA_DIR"]) / failed.raw_path).exists()
    assert raw_kept


def test_a_question_is_answered_once_after_the_commit_even_when_the_move_fails(app: Any, world: Any, dovecot: Any,
                                                                              smtp_sink: Any) -> None:
    from fines.intake.imap import ImapError

    dovecot.deliver(_mail("alpha@fines.fleetdesk.test", "600001", "<q1@c>", body="Waarom moet ik dit betalen?"))
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        with FaultProxy(("127.0.0.1", dovecot.plain_port)) as proxy:
            proxy.cut_on_client(b"MOVE")
            proxy.cut_on_client(b"COPY")
            with pytest.raises(ImapError):
                _drain(app, _account(dovecot, port=proxy.port, security="plain"))
        # The message and its reply were committed together before the move: the reply has left.
        assert [m["To"] for m in smtp_sink.messages] == ["fleet@client.test"]
        assert len(dovecot.list_folder("INBOX")) == 1
        results = _drain(app, _account(dovecot))  # seen again: only moved, not answered again
        assert [(status, created) for _id, status, created, _n in results] == [("processed", False)]
    finally:
        app.config.update(SMTP_PORT=25)
    assert len(smtp_sink.messages) == 1 and smtp_sink.messages[0]["Auto-Submitted"] == "auto-replied"

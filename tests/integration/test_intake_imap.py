"""Intake from a real Dovecot: delivered mails become fines; cut connections lose or double nothing."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from tests import pdfs
from tests.integration.faultproxy import FaultProxy


def _mail(to: str, notice: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "fleet@client.test", to, f"boete {notice}", message_id
    msg.set_content("\n")
    lines = [line.replace("123456", notice) for line in pdfs.LETTER]
    msg.add_attachment(pdfs.text_pdf(lines), maintype="application", subtype="pdf", filename=f"{notice}.pdf")
    return msg.as_bytes()


def _account(server: Any, *, port: int | None = None, security: str = "tls") -> Any:
    from fines.imap import ImapAccount

    return ImapAccount(name="intake", host="127.0.0.1", port=port or server.tls_port, username=server.username,
                       password=server.password, security=security, ca_file=server.ca_file, timeout=10)


def _drain(app: Any, account: Any) -> list[Any]:
    from fines import jobs, services
    from fines.imap import Mailbox

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
    from fines.imap import ImapError

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
    from fines.imap import ImapError

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

"""The intake pipeline on real PDFs, a real PDF worker and a real SMTP server (no IMAP here)."""
from __future__ import annotations

import base64
import hashlib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import pdfs

# Read fines are matched at once; without a contract for their plate they wait for information.
READ_STATES = ("read", "review", "matched", "waiting_info", "ready")


def _settings(app: Any, **extra: Any) -> Any:
    from fines.intake.services import IntakeSettings

    with app.app_context():
        return IntakeSettings(**{**IntakeSettings.from_config(app.config).__dict__, **extra})


@pytest.fixture()
def sandbox() -> Any:
    from fines.intake.sandbox import PdfSandbox

    with PdfSandbox(timeout=60, memory_mb=1024) as box:
        yield box


def mail(*, to: str = "alpha@fines.fleetdesk.test", body: str = "", attachments: list[tuple[str, bytes, str]] = (),
         message_id: str = "<m1@client.test>", extra: dict[str, str] | None = None,
         sender: str = "fleet@alpha.test") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Fw: boete"
    msg["Message-ID"] = message_id
    for key, value in (extra or {}).items():
        msg[key] = value
    msg.set_content(body or "\n")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


LETTER = pdfs.text_pdf(pdfs.LETTER)


def _ingest(app: Any, raw: bytes, sandbox: Any, **kw: Any) -> Any:
    from app.extensions import db
    from fines.intake import services

    with app.app_context():
        result = services.ingest_message(raw, source=kw.pop("source", "imap"), settings=_settings(app),
                                         sandbox=sandbox, **kw)
        db.session.commit()
        summary = {"message_id": result.message.id, "status": result.message.status,
                   "reason_code": result.message.reason_code, "reason": result.message.reason,
                   "client_id": result.message.client_id, "created": result.created,
                   "fines": [(f.id, f.state, f.reason_code, f.duplicate_of_id) for f in result.fines],
                   "refusals": list(result.message.refusals), "outgoing": [k for k, _ in result.outgoing],
                   "raw_path": result.message.raw_path, "raw_sha256": result.message.raw_sha256}
        return summary, result


def test_text_pdf_by_mail_becomes_a_read_fine_for_the_addressed_client(app: Any, world: Any, sandbox: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    raw = mail(attachments=[("boete.pdf", LETTER, "application/pdf")])
    summary, _ = _ingest(app, raw, sandbox)
    assert summary["status"] == "processed" and summary["client_id"] == world.client_a
    [(fine_id, state, _code, _dup)] = summary["fines"]
    assert state in READ_STATES
    stored = Path(app.config["DATA_DIR"]) / summary["raw_path"]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == summary["raw_sha256"] == hashlib.sha256(raw).hexdigest()
    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        assert fine.notice_number == "AN.12.L3.123456/2026" and fine.plate == "1ABC123"
        assert fine.amount_cents == 5800 and fine.payment_reference == "090933755493"
        assert fine.offence_at.isoformat() == "2026-10-28T13:35:00+00:00"


def test_recipient_headers_route_never_the_sender(app: Any, world: Any, sandbox: Any) -> None:
    raw = mail(to="someone@elsewhere.test", sender="bert@beta.test",
               extra={"Delivered-To": "beta@fines.fleetdesk.test"}, attachments=[("b.pdf", LETTER, "application/pdf")])
    summary, _ = _ingest(app, raw, sandbox)
    assert summary["client_id"] == world.client_b


def test_unknown_address_is_kept_for_triage_and_read_once_assigned(app: Any, world: Any, sandbox: Any) -> None:
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from fines.intake import services
    from fines.models import IntakeMessage

    summary, _ = _ingest(app, mail(to="nobody@fines.fleetdesk.test",
                                   attachments=[("x.pdf", LETTER, "application/pdf")]), sandbox)
    assert summary["status"] == "triage" and summary["fines"] == [] and summary["client_id"] is None
    assert summary["reason_code"] == "no_client" and "nobody@fines.fleetdesk.test" in summary["reason"]
    with app.app_context():
        message = db.session.get(IntakeMessage, summary["message_id"])
        result = services.assign_message(Actor("agent@op.test"), message, db.session.get(Client, world.client_a),
                                         settings=_settings(app), sandbox=sandbox)
        db.session.commit()
        assert message.status == "processed" and len(result.fines) == 1 and result.fines[0].client_id == world.client_a


def test_whole_mime_tree_is_walked_and_pdfs_are_known_by_their_bytes(app: Any, world: Any, sandbox: Any) -> None:
    other = pdfs.text_pdf([line.replace("123456", "654321").replace("1ABC123", "1XYZ789") for line in pdfs.LETTER])
    inner = EmailMessage()
    inner["From"], inner["To"], inner["Subject"] = "police@zone.test", "fleet@alpha.test", "PV"
    inner.set_content("zie bijlage")
    inner.add_attachment(other, maintype="application", subtype="octet-stream", filename="scan.dat")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "fleet@alpha.test", "alpha@fines.fleetdesk.test", "Fw: twee boetes"
    outer["Message-ID"] = "<tree@alpha.test>"
    outer.set_content("\n")
    outer.add_attachment(LETTER, maintype="text", subtype="plain", filename="first.txt")
    outer.attach(_rfc822(inner))
    summary, _ = _ingest(app, outer.as_bytes(), sandbox)
    assert len(summary["fines"]) == 2
    assert summary["refusals"] == []


def _rfc822(inner: EmailMessage) -> EmailMessage:
    part = EmailMessage()
    part.set_content(inner)
    return part


def test_same_imap_uid_again_is_recognised_and_nothing_is_doubled(app: Any, world: Any, sandbox: Any) -> None:
    from app.extensions import db
    from fines.intake.services import ImapRef
    from fines.models import Fine, IntakeMessage

    raw = mail(attachments=[("boete.pdf", LETTER, "application/pdf")])
    ref = ImapRef("main", "INBOX", 77, 5)
    first, _ = _ingest(app, raw, sandbox, imap=ref)
    again, _ = _ingest(app, raw, sandbox, imap=ref)  # crash between commit and move: seen again
    assert again["created"] is False and again["message_id"] == first["message_id"]
    other_uid, _ = _ingest(app, raw, sandbox, imap=ImapRef("main", "INBOX", 77, 6))  # delivered twice
    assert other_uid["fines"][0][0] == first["fines"][0][0]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Fine)) == 2  # + the world's seed fine
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IntakeMessage)) == 3


def test_the_same_fine_forwarded_in_another_mail_is_linked_as_duplicate(app: Any, world: Any, sandbox: Any) -> None:
    first, _ = _ingest(app, mail(message_id="<a@x>", attachments=[("a.pdf", LETTER, "application/pdf")]), sandbox)
    rescan = pdfs.text_pdf([*pdfs.LETTER, "Kopie"])
    second, _ = _ingest(app, mail(message_id="<b@x>", attachments=[("b.pdf", rescan, "application/pdf")]), sandbox)
    [(_fine_id, state, _code, duplicate_of)] = second["fines"]
    assert state == "duplicate" and duplicate_of == first["fines"][0][0]


QUESTION_AND_REFUSALS = mail(
    body="Hallo, kunnen jullie deze boete nakijken? Alvast bedankt.\n\n-- \nAnna",
    attachments=[("boete.pdf", LETTER, "application/pdf"), ("contract.docx", b"PK\x03\x04 docx", "application/msword"),
                 ("kapot.pdf", pdfs.broken_pdf(), "application/pdf")])


def _ingest_and_queue_replies(app: Any, raw: bytes, sandbox: Any) -> tuple[dict[str, Any], list[str]]:
    """Take a message in and queue its replies in one unit of work, as the mailbox job does."""
    from app.uow import job_unit_of_work
    from fines.intake import services

    with app.app_context():
        with job_unit_of_work():
            result = services.ingest_message(raw, source="imap", settings=_settings(app), sandbox=sandbox)
            queued = services.queue_replies(result)
            assert services.queue_replies(result) == []  # never twice for one message
        return {"outgoing": [k for k, _ in result.outgoing], "replies_sent": list(result.message.replies_sent),
                "states": [f.state for f in result.fines]}, queued


def test_question_and_refusals_get_one_automatic_reply_each_after_the_commit(app: Any, world: Any, sandbox: Any,
                                                                            smtp_sink: Any) -> None:
    from app.extensions import db
    from app.mail import pending_mail
    from fines.intake import services

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        with app.app_context():
            result = services.ingest_message(QUESTION_AND_REFUSALS, source="imap", settings=_settings(app),
                                             sandbox=sandbox)
            assert [k for k, _ in result.outgoing] == ["question", "refused"]
            assert services.queue_replies(result) == ["question", "refused"]
            assert services.queue_replies(result) == []  # never twice
            assert smtp_sink.messages == [] and len(pending_mail()) == 2  # nothing leaves before the commit
            db.session.commit()
            states = [f.state for f in result.fines]
            assert result.message.replies_sent == ["question", "refused"]
    finally:
        app.config.update(SMTP_PORT=25)
    assert len(smtp_sink.messages) == 2
    question, refused = smtp_sink.messages
    assert question["To"] == "fleet@alpha.test" and question["Auto-Submitted"] == "auto-replied"
    assert "Questions or explanations in the e-mail are not read" in question.get_content()
    text = refused.get_content()
    assert "contract.docx: is neither a PDF nor a photo" in text and "kapot.pdf: is unreadable or damaged" in text
    assert states[0] in READ_STATES and states[1] == "quarantined"


def test_automatic_replies_rolled_back_with_their_message_are_never_sent(app: Any, world: Any, sandbox: Any,
                                                                        smtp_sink: Any) -> None:
    from app.extensions import db
    from fines.intake import services

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        with app.app_context():
            result = services.ingest_message(QUESTION_AND_REFUSALS, source="imap", settings=_settings(app),
                                             sandbox=sandbox)
            assert services.queue_replies(result) == ["question", "refused"]
            db.session.rollback()
            db.session.commit()
    finally:
        app.config.update(SMTP_PORT=25)
    assert smtp_sink.messages == []


def test_automatic_replies_wait_in_the_outbox_while_the_mail_server_is_away(app: Any, world: Any, sandbox: Any,
                                                                           smtp_sink: Any) -> None:
    from datetime import timedelta

    from app.db import utcnow
    from app.mail import flush_outbox
    from tests import support

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=support.free_port())  # nobody listens
    try:
        summary, queued = _ingest_and_queue_replies(app, QUESTION_AND_REFUSALS, sandbox)
        assert queued == summary["replies_sent"] == ["question", "refused"]  # the message is taken in all the same
        assert summary["states"][1] == "quarantined"
        app.config.update(SMTP_PORT=smtp_sink.port)  # the server is back
        with app.app_context():
            assert flush_outbox(utcnow() + timedelta(minutes=2)) == 2
            assert flush_outbox(utcnow() + timedelta(days=1)) == 0  # once
    finally:
        app.config.update(SMTP_PORT=25)
    assert sorted(str(m["Subject"]) for m in smtp_sink.messages) == ["Re: Fw: boete"] * 2
    assert {m["To"] for m in smtp_sink.messages} == {"fleet@alpha.test"}


def test_automatic_mail_gets_no_reply(app: Any, world: Any, sandbox: Any) -> None:
    summary, _ = _ingest(app, mail(body="Out of office until Monday, questions?",
                                   extra={"Auto-Submitted": "auto-replied"}), sandbox)
    assert summary["outgoing"] == []
    assert summary["status"] == "processed" and summary["reason_code"] == "no_pdf"


def test_malformed_mail_is_quarantined_with_its_reason_and_kept(app: Any, world: Any, sandbox: Any) -> None:
    summary, _ = _ingest(app, b"\x00\x01 this is not an e-mail at all", sandbox)
    assert summary["status"] == "quarantined" and summary["reason_code"] == "not_mail"
    assert (Path(app.config["DATA_DIR"]) / summary["raw_path"]).exists()


def test_pdf_bomb_is_quarantined_and_the_worker_survives(app: Any, world: Any, bomb: bytes) -> None:
    from fines.intake.sandbox import PdfSandbox

    with PdfSandbox(timeout=60, memory_mb=512) as box:
        summary, _ = _ingest(app, mail(attachments=[("bomb.pdf", bomb, "application/pdf"),
                                                    ("boete.pdf", LETTER, "application/pdf")]), box)
    states = {name: (state, code)
              for (_id, state, code, _d), name in zip(summary["fines"], ["bomb", "letter"], strict=True)}
    assert states["bomb"][0] == "quarantined" and states["bomb"][1] in ("too_complex", "unreadable", "crashed")
    assert states["letter"][0] in READ_STATES


def test_endless_pdf_hits_the_time_limit_and_the_next_file_is_read(app: Any, world: Any, bomb: bytes) -> None:
    from fines.intake.sandbox import PdfSandbox

    with PdfSandbox(timeout=0.5, memory_mb=4096) as box:
        slow = box.parse(bomb, "slow.pdf")
        assert slow.ok is False and slow.reason in ("timeout", "too_complex")
        box.timeout = 60
        assert box.parse(LETTER, "ok.pdf").ok


def test_two_hundred_megabyte_attachment_is_quarantined_not_parsed(app: Any, world: Any, sandbox: Any) -> None:
    huge = base64.encodebytes(b"%PDF-1.4\n" + b"\x00" * (200 * 1024 * 1024))
    raw = (b"From: fleet@alpha.test\r\nTo: alpha@fines.fleetdesk.test\r\nSubject: scan\r\nMessage-ID: <huge@x>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: application/pdf; name=huge.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + huge + b"\r\n--B--\r\n")
    summary, _ = _ingest(app, raw, sandbox)
    assert summary["status"] == "quarantined" and summary["reason_code"] == "message_too_large"
    assert "exceeds" in summary["reason"]
    assert summary["outgoing"] == ["refused"]


@pytest.fixture(scope="session")
def bomb() -> bytes:
    return pdfs.bomb_pdf(1024)

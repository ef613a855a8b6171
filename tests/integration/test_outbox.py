"""The outbox: mail queued on the session goes out after the commit, once, and never after a rollback."""
from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest


def _message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "noreply@fleetdesk.test", "anna@alpha.test", subject
    msg.set_content("body\n")
    return msg


@pytest.fixture()
def sink(app: Any, smtp_sink: Any) -> Iterator[Any]:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        yield smtp_sink
    finally:
        app.config.update(SMTP_PORT=25)


def _add_client(code: str) -> None:
    from app import services

    services.add_client(services.Actor("test"), code, f"{code} NV", "fines.fleetdesk.test")


def _subjects(sink: Any) -> list[str]:
    return [str(m["Subject"]) for m in sink.messages]


def test_mail_queued_and_committed_is_delivered_once(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import pending_mail, send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("committed"), what="test mail")
        assert sink.messages == [] and len(pending_mail()) == 1  # nothing leaves before the commit
        db.session.commit()
        assert _subjects(sink) == ["committed"] and pending_mail() == []


def test_mail_queued_and_rolled_back_is_never_sent(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("rolled back"), what="test mail")
        db.session.rollback()
        _add_client("BETA")
        db.session.commit()
    assert sink.messages == []


def test_two_commits_do_not_send_twice(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("first"), what="test mail")
        db.session.commit()
        _add_client("BETA")
        db.session.commit()
        send_after_commit(_message("second"), what="test mail")
        db.session.commit()
    assert _subjects(sink) == ["first", "second"]


def test_mail_of_a_closed_session_is_dropped(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("closed"), what="test mail")
        db.session.close()
        _add_client("BETA")
        db.session.commit()
    with app.app_context():
        db.session.commit()
    assert sink.messages == []


def test_a_savepoint_rolled_back_drops_only_its_own_mail(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("outer"), what="test mail")
        with db.session.begin_nested():
            send_after_commit(_message("released savepoint"), what="test mail")
        assert sink.messages == []  # a savepoint released is not the commit
        savepoint = db.session.begin_nested()
        send_after_commit(_message("rolled back savepoint"), what="test mail")
        savepoint.rollback()
        db.session.commit()
    assert _subjects(sink) == ["outer", "released savepoint"]


def test_a_server_away_does_not_undo_the_commit(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.mail import send_after_commit
    from app.models import Client
    from tests import support

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=support.free_port())
    try:
        with app.app_context():
            _add_client("ALPHA")
            send_after_commit(_message("lost"), what="test mail")
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1
    finally:
        app.config.update(SMTP_PORT=25)
    assert "test mail not sent" in caplog.text

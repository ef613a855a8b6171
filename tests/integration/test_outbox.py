"""The outbox: mail queued on the session is written in its transaction, goes out after the commit, once, never
after a rollback, and is sent later by the scheduler when the server was away."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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


def _rows() -> list[Any]:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import OutboxMail

    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))


def test_mail_queued_and_committed_is_delivered_once(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import pending_mail, send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("committed"), what="test mail")
        assert sink.messages == [] and len(pending_mail()) == 1  # nothing leaves before the commit
        db.session.commit()
        assert _subjects(sink) == ["committed"] and pending_mail() == []
        [row] = _rows()
        assert row.sent_at is not None and row.attempts == 1 and row.last_error is None and row.recipients == 1


def test_mail_queued_and_rolled_back_is_never_sent(app: Any, sink: Any) -> None:
    from app.extensions import db
    from app.mail import send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("rolled back"), what="test mail")
        db.session.rollback()
        _add_client("BETA")
        db.session.commit()
        assert _rows() == []
    assert sink.messages == []


def test_two_commits_do_not_send_twice(app: Any, sink: Any) -> None:
    from app.db import utcnow
    from app.extensions import db
    from app.mail import flush_outbox, send_after_commit

    with app.app_context():
        _add_client("ALPHA")
        send_after_commit(_message("first"), what="test mail")
        db.session.commit()
        _add_client("BETA")
        db.session.commit()
        send_after_commit(_message("second"), what="test mail")
        db.session.commit()
        assert flush_outbox(utcnow() + timedelta(days=1)) == 0  # the job finds nothing left to send
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


def test_mail_unsent_while_the_server_is_away_is_sent_once_by_the_job(app: Any, smtp_sink: Any) -> None:
    from app import scheduler
    from app.db import utcnow
    from app.extensions import db
    from app.mail import flush_outbox, send_after_commit
    from tests import support

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=support.free_port())
    try:
        with app.app_context():
            _add_client("ALPHA")
            send_after_commit(_message("kept"), what="test mail")
            db.session.commit()
            [row] = _rows()
            assert row.sent_at is None and row.attempts == 1 and row.last_error
            committed_at = utcnow()
            assert flush_outbox(committed_at) == 0  # not due yet: the back-off holds it
            app.config.update(SMTP_PORT=smtp_sink.port)  # the server is back
            assert flush_outbox(committed_at + timedelta(minutes=2)) == 1
            assert flush_outbox(committed_at + timedelta(days=1)) == 0
            [row] = _rows()
            assert row.sent_at is not None and row.attempts == 2
        assert scheduler.run_job(app, "platform.flush_outbox") == 0
    finally:
        app.config.update(SMTP_PORT=25)
    assert _subjects(smtp_sink) == ["kept"]


def test_failures_back_off_and_the_job_gives_up_after_max_attempts(app: Any, client: Any) -> None:
    from app.db import utcnow
    from app.extensions import db
    from app.mail import MAX_ATTEMPTS, backoff, flush_outbox, send_after_commit
    from tests import support

    assert [backoff(n) for n in (1, 2, 3, 4, 9)] == [timedelta(minutes=m) for m in (1, 5, 15, 60, 60)]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=support.free_port())
    try:
        with app.app_context():
            _add_client("ALPHA")
            send_after_commit(_message("never"), what="test mail")
            db.session.commit()
            later = utcnow()
            for _ in range(MAX_ATTEMPTS + 3):
                later += timedelta(hours=2)
                flush_outbox(later)
            [row] = _rows()
            assert row.sent_at is None and row.attempts == MAX_ATTEMPTS and "Error" in (row.last_error or "")
    finally:
        app.config.update(SMTP_PORT=25)
    body = client.get("/metrics").get_data(as_text=True)
    assert "fleetdesk_outbox_failed 1.0" in body and "fleetdesk_outbox_pending 0.0" in body


def test_a_row_another_process_is_sending_is_skipped_on_postgresql(smtp_sink: Any, tmp_path: Any) -> None:
    # SKIP LOCKED is PostgreSQL's (on SQLite the single scheduler instance is enough), so this test
    # runs on a PostgreSQL database of its own in both suite runs.
    import sqlalchemy as sa

    from app import create_app
    from app.db import utcnow
    from app.extensions import db
    from app.mail import flush_outbox, send_after_commit
    from app.models import OutboxMail
    from tests import support

    with support.fresh_database("postgresql", str(tmp_path)) as url:
        pg_app = create_app(support.test_config(url, str(tmp_path), SMTP_HOST="127.0.0.1",
                                                SMTP_PORT=support.free_port()))
        support.migrate_to_head(pg_app)
        with pg_app.app_context():
            try:
                _add_client("ALPHA")
                send_after_commit(_message("once"), what="test mail")
                db.session.commit()  # the server is away: the row waits
                pg_app.config.update(SMTP_PORT=smtp_sink.port)
                later = utcnow() + timedelta(minutes=5)
                with db.engine.begin() as other:  # another scheduler holds the row while it sends it
                    other.execute(sa.select(OutboxMail.id).with_for_update())
                    assert flush_outbox(later) == 0
                assert flush_outbox(later) == 1
            finally:
                db.session.remove()
                db.engine.dispose()
    assert _subjects(smtp_sink) == ["once"]

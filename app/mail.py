"""Outgoing mail: one place that talks SMTP (replies, reminders, warnings, announcements), and its outbox.

Features queue mail with ``send_after_commit(message, what=...)`` inside the unit of work: it is written to
the ``outbox`` table in the same transaction, sent (to ``SMTP_HOST``/``SMTP_PORT``) right after the commit,
and never if it rolls back. Mail that could not be sent stays in the outbox; the scheduler's
``platform.flush_outbox`` job retries it with back-off (``flush_outbox``), so nothing is lost.
"""
from __future__ import annotations

import email
import email.policy
import logging
import smtplib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, SessionTransaction

from app.db import utcnow
from app.extensions import db
from app.models import OutboxMail

logger = logging.getLogger(__name__)

_OUTBOX = "fleetdesk.outbox"

MAX_ATTEMPTS = 20  # then the row stays unsent, with its error, for an admin to see
BATCH = 50  # rows one run of the job sends at most
BACKOFF_MINUTES = (1, 5, 15, 60)  # after the 1st, 2nd, 3rd failure; 60 min after every later one
# The sender itself sends a new row right after its commit; the job leaves it alone until then.
FIRST_RETRY_AFTER = timedelta(minutes=2)


def _transmit(message: EmailMessage, host: str, port: int) -> str | None:
    """Send ``message``; return None, or the reason it was not sent."""
    try:
        with smtplib.SMTP(host, port, timeout=15) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def send(message: EmailMessage, host: str, port: int, *, what: str) -> bool:
    """Send ``message``; a server that is away is logged (``what`` says which mail) and reported as False."""
    error = _transmit(message, host, port)
    if error is not None:
        logger.warning("%s not sent: %s", what, error)
        return False
    return True


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before the next try after ``attempts`` failed ones (1, 5, 15, 60, 60... min)."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


@dataclass
class _Queued:
    message: EmailMessage
    what: str
    row: OutboxMail
    # The innermost transaction (a savepoint, or the root) the mail was queued in; None: not begun yet.
    transaction: SessionTransaction | None


def _recipient_count(message: EmailMessage) -> int:
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return len([address for _, address in getaddresses(fields) if address])


def send_after_commit(message: EmailMessage, *, what: str) -> None:
    """Write ``message`` to the outbox in the current transaction: sent after it commits, dropped if it rolls back.

    ``what`` names the mail in the log and the outbox. Should the server be away, the commit stands and the
    scheduler sends the mail later.
    """
    session = db.session()
    now = utcnow()
    row = OutboxMail(created_at=now, what=what[:200], message=message.as_bytes(policy=email.policy.SMTP),
                     recipients=_recipient_count(message), attempts=0, next_attempt_at=now + FIRST_RETRY_AFTER)
    session.add(row)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_OUTBOX, []).append(_Queued(message, what, row, transaction))


def pending_mail() -> list[EmailMessage]:
    """Return the messages queued on the current session and not committed yet (for tests and diagnostics)."""
    return [queued.message for queued in db.session().info.get(_OUTBOX, [])]


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Tell whether ``transaction`` is ``ended`` or one nested inside it."""
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _deliver(row_id: int, message: EmailMessage | None, what: str, now: datetime) -> bool | None:
    """Send one unsent outbox row in its own small transaction and record the outcome.

    Return True if sent, False if it failed, None if it was sent already or another process holds it.
    ``message`` None: read it from the row. On PostgreSQL the row is locked (``SKIP LOCKED``), so two
    processes never send it twice.
    """
    config = current_app.config
    with db.engine.begin() as conn:
        query = sa.select(OutboxMail.message, OutboxMail.attempts).where(
            OutboxMail.id == row_id, OutboxMail.sent_at.is_(None))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = conn.execute(query).first()
        if found is None:
            return None
        if message is None:
            parsed = email.message_from_bytes(found.message, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            message = parsed
        error = _transmit(message, config["SMTP_HOST"], int(config["SMTP_PORT"]))
        attempts = found.attempts + 1
        if error is None:
            conn.execute(sa.update(OutboxMail).where(OutboxMail.id == row_id).values(sent_at=now, attempts=attempts))
            return True
        logger.warning("%s not sent (attempt %d): %s", what, attempts, error)
        conn.execute(sa.update(OutboxMail).where(OutboxMail.id == row_id).values(
            attempts=attempts, last_error=error[:500], next_attempt_at=now + backoff(attempts)))
        return False


@sa.event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    queued: list[_Queued] = session.info.get(_OUTBOX, [])
    if not queued:
        return
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # a savepoint released: its mail now belongs to the enclosing transaction
        for item in queued:
            if item.transaction is savepoint:
                item.transaction = savepoint.parent
        return
    session.info.pop(_OUTBOX)
    for item in queued:
        identity = sa.inspect(item.row).identity  # known without SQL, though the row is expired
        if identity is None:
            continue
        try:
            _deliver(identity[0], item.message, item.what, utcnow())
        except Exception:  # the data is committed: one bad message must not fail the request or the rest
            logger.exception("%s not sent; the outbox keeps it", item.what)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queued: list[_Queued] = session.info.get(_OUTBOX, [])
    if previous_transaction.parent is None:
        session.info.pop(_OUTBOX, None)
    elif queued:
        session.info[_OUTBOX] = [item for item in queued if not _within(item.transaction, previous_transaction)]


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session: Session, transaction: SessionTransaction) -> None:
    # A root transaction that ended without its commit sending the mail (closed, or rolled back): drop it.
    if transaction.parent is None and transaction.nested is False:
        session.info.pop(_OUTBOX, None)


def flush_outbox(now: datetime, *, batch: int = BATCH) -> int:
    """Send the due unsent mail, oldest first, at most ``batch`` rows, each in its own transaction.

    Return how many were sent. Rows that failed ``MAX_ATTEMPTS`` times are left alone with their error.
    """
    with db.engine.connect() as conn:
        due = conn.execute(sa.select(OutboxMail.id, OutboxMail.what).where(
            OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS, OutboxMail.next_attempt_at <= now,
        ).order_by(OutboxMail.created_at, OutboxMail.id).limit(batch)).all()
    return sum(1 for row_id, what in due if _deliver(row_id, None, what, now))


def prune_sent_mail(now: datetime, keep_days: int) -> int:
    """Remove the mails sent more than ``keep_days`` ago (their bytes hold names and addresses); return how many."""
    cutoff = now - timedelta(days=keep_days)
    result = db.session.execute(sa.delete(OutboxMail).where(OutboxMail.sent_at.is_not(None),
                                                             OutboxMail.sent_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def forget_mail_to(addresses: Iterable[str], *, batch: int = 500) -> int:
    """Remove the outbox's mails, sent or not, addressed (To, Cc, Bcc) to any of ``addresses``; return how many.

    Used when a client is purged: its users' mail must not outlive them. Only the headers are parsed; sent
    mail is pruned after ``RETENTION_OUTBOX_DAYS``, so the outbox read here stays small.
    """
    wanted = {address.strip().lower() for address in addresses if address and address.strip()}
    if not wanted:
        return 0
    parser = BytesHeaderParser(policy=email.policy.default)
    doomed: list[int] = []
    rows = db.session.execute(sa.select(OutboxMail.id, OutboxMail.message).execution_options(yield_per=batch))
    for row_id, raw in rows:
        headers = parser.parsebytes(bytes(raw))
        fields = [str(value) for name in ("To", "Cc", "Bcc") for value in headers.get_all(name, [])]
        if any(address.lower() in wanted for _, address in getaddresses(fields)):
            doomed.append(row_id)
    for start in range(0, len(doomed), batch):
        db.session.execute(sa.delete(OutboxMail).where(OutboxMail.id.in_(doomed[start:start + batch])))
    return len(doomed)


class OutboxCollector:
    """Expose how much mail waits in the outbox and how much was given up on (read at scrape time)."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        unsent = sa.select(sa.func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None))
        with db.engine.connect() as conn:
            pending = conn.scalar(unsent.where(OutboxMail.attempts < MAX_ATTEMPTS)) or 0
            failed = conn.scalar(unsent.where(OutboxMail.attempts >= MAX_ATTEMPTS)) or 0
        yield GaugeMetricFamily("fleetdesk_outbox_pending", "Outgoing mails not sent yet (still retried).",
                                value=float(pending))
        yield GaugeMetricFamily("fleetdesk_outbox_failed",
                                f"Outgoing mails given up on after {MAX_ATTEMPTS} attempts (see the outbox table).",
                                value=float(failed))

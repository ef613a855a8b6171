"""Outgoing mail: one place that talks SMTP (replies, reminders, warnings, announcements), and its outbox.

Features queue mail with ``send_after_commit(message, what=...)`` inside the unit of work; it goes out
(to ``SMTP_HOST``/``SMTP_PORT``) only once the session's transaction commits, and never if it rolls back.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

logger = logging.getLogger(__name__)

_OUTBOX = "fleetdesk.outbox"


def send(message: EmailMessage, host: str, port: int, *, what: str) -> bool:
    """Send ``message``; a server that is away is logged (``what`` says which mail) and reported as False."""
    try:
        with smtplib.SMTP(host, port, timeout=15) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("%s not sent: %s", what, exc)
        return False
    return True


@dataclass
class _Queued:
    message: EmailMessage
    what: str
    # The innermost transaction (a savepoint, or the root) the mail was queued in; None: not begun yet.
    transaction: SessionTransaction | None


def send_after_commit(message: EmailMessage, *, what: str) -> None:
    """Queue ``message`` on the current session: sent after its transaction commits, dropped if it rolls back.

    ``what`` names the mail in the log should the server be away (the commit stands either way).
    """
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_OUTBOX, []).append(_Queued(message, what, transaction))


def pending_mail() -> list[EmailMessage]:
    """Return the messages queued on the current session and not sent yet (for tests and diagnostics)."""
    return [queued.message for queued in db.session().info.get(_OUTBOX, [])]


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Tell whether ``transaction`` is ``ended`` or one nested inside it."""
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
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
    config = current_app.config
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    for item in queued:
        try:
            send(item.message, host, port, what=item.what)
        except Exception:  # the data is committed: one bad message must not fail the request or the rest
            logger.exception("%s not sent", item.what)


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

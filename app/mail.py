"""Outgoing mail: one place that talks SMTP (replies, reminders, warnings, announcements)."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

logger = logging.getLogger(__name__)


def send(message: EmailMessage, host: str, port: int, *, what: str) -> bool:
    """Send ``message``; a server that is away is logged (``what`` says which mail) and reported as False."""
    try:
        with smtplib.SMTP(host, port, timeout=15) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("%s not sent: %s", what, exc)
        return False
    return True

"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from tests import support


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []  # the envelope's, one list per message (Bcc shows only here)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture()
def smtp_sink() -> Iterator[Any]:
    """Start an SMTP server on a free loopback port; yields an object with ``port`` and ``messages``."""
    from aiosmtpd.controller import Controller

    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=support.free_port())
    controller.start()
    collector.port = controller.port  # type: ignore[attr-defined]
    try:
        yield collector
    finally:
        controller.stop()

"""Fixtures of the real servers integration tests start: Dovecot (IMAP) and an SMTP sink."""
from tests.integration.dovecot import dovecot, dovecot_servers  # noqa: F401 - fixtures
from tests.integration.smtp import smtp_sink  # noqa: F401 - fixture

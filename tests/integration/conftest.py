"""Fixtures of the real servers integration tests start: Dovecot (IMAP)."""
from tests.integration.dovecot import dovecot, dovecot_servers  # noqa: F401 - fixtures

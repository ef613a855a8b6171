"""Fixtures of the real servers integration tests start: Dovecot (IMAP), an S3 server (moto's)."""
from tests.integration.dovecot import dovecot, dovecot_servers  # noqa: F401 - fixtures
from tests.integration.s3 import s3_server  # noqa: F401 - fixture

"""Password hashing, password rules and secret redaction (no Flask, no database)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's recommended (RFC 9106 low-memory) parameters
_dummy_hash: str | None = None


def configure_hasher(time_cost: int | None = None, memory_kib: int | None = None) -> None:
    """Set the argon2id cost (the defaults are the library's; tests use cheaper settings)."""
    global _hasher, _dummy_hash
    default = PasswordHasher()
    _hasher = PasswordHasher(time_cost=time_cost or default.time_cost,
                             memory_cost=memory_kib or default.memory_cost,
                             parallelism=default.parallelism)
    _dummy_hash = None


def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so timing reveals no accounts."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("fleetdesk-no-such-account")
    return _dummy_hash


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Check ``password`` against ``stored_hash``; a malformed hash never matches."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, min_length: int) -> str | None:
    """Return why ``password`` is not acceptable, or None when it is."""
    if len(password) < min_length:
        return f"at least {min_length} characters"
    if len(set(password)) < 4:
        return "too few different characters"
    return None


REDACTED = "(redacted)"
#: Setting names whose whole value is a secret (or holds some, like the IMAP accounts' JSON).
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|IMAP_ACCOUNTS",
                          re.IGNORECASE)
#: ``scheme://user:password@host``: the password part of a URL (also ``redis://:password@host``).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<secret>[^@\s]*)(?P<tail>@)")
#: ``?password=...`` in a URL and ``password=...`` in a libpq connection string.
_PARAM_SECRET = re.compile(r"(?P<head>(?:^|[?&;\s])(?:password|passwd|pass|secret|token|[a-z_]*key)\s*=\s*)"
                           r"(?P<secret>[^&;\s]*)", re.IGNORECASE)
#: An AWS access key id wherever it appears.
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")


def redact_text(text: str) -> str:
    """Hide the secrets inside a value: URL passwords, password parameters, AWS key ids."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED + m.group("tail"), text)
    text = _PARAM_SECRET.sub(lambda m: m.group("head") + REDACTED, text)
    return _AWS_KEY_ID.sub(REDACTED, text)


def redact_secrets(value: Any, name: str = "") -> Any:
    """Return ``value`` with every secret hidden: whole values under secret-sounding names, and
    passwords inside URLs and connection strings, at any depth of dicts and lists."""
    if name and _SECRET_NAME.search(name):
        return REDACTED if value not in (None, "") else value
    if isinstance(value, Mapping):
        return {key: redact_secrets(item, str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_secrets(item) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact_text(str(value))

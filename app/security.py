"""Password hashing and the login rate-limit rule (no Flask, no database)."""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class RateLimit:
    """How many failed logins are allowed per account and per address within a window."""

    per_account: int
    per_ip: int
    window_seconds: int

    def blocked(self, failures_for_account: int, failures_for_ip: int) -> bool:
        """Tell whether one more attempt must be refused before even checking the password."""
        return failures_for_account >= self.per_account or failures_for_ip >= self.per_ip

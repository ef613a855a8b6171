"""Password hashing and the login rate-limit rule."""
from __future__ import annotations

import pytest

from app import security


def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    stored = security.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "correct horse battery")
    assert not security.verify_password(stored, "correct horse battery!")


def test_malformed_hash_never_matches() -> None:
    assert not security.verify_password("not-a-hash", "anything")
    assert security.needs_rehash("not-a-hash")


@pytest.mark.parametrize(("password", "problem"), [
    ("short", "at least 12 characters"),
    ("aaaaaaaaaaaaaaaa", "too few different characters"),
    ("a fine long passphrase", None),
])
def test_password_rules(password: str, problem: str | None) -> None:
    assert security.password_problem(password, 12) == problem


@pytest.mark.parametrize(("account", "ip", "blocked"), [(4, 19, False), (5, 0, True), (0, 20, True)])
def test_rate_limit_blocks_at_the_account_or_address_threshold(account: int, ip: int, blocked: bool) -> None:
    assert security.RateLimit(per_account=5, per_ip=20, window_seconds=900).blocked(account, ip) is blocked

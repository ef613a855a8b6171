"""Password hashing, password rules and the redaction of secrets."""
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


@pytest.mark.parametrize(("name", "value", "redacted"), [
    ("SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://fleet:pw@db:5432/fleet", "postgresql+psycopg://fleet:(redacted)@db:5432/fleet"),
    ("CACHE_URL", "redis://:pw@127.0.0.1:6379/0", "redis://:(redacted)@127.0.0.1:6379/0"),
    ("DATABASE_URL", "postgresql://fleet@db/fleet?password=pw&sslmode=require",
     "postgresql://fleet@db/fleet?password=(redacted)&sslmode=require"),
    ("DSN", "host=db user=fleet password=pw", "host=db user=fleet password=(redacted)"),
    ("SECRET_KEY", "abc", "(redacted)"),
    ("SMTP_PASSWORD", "abc", "(redacted)"),
    ("METRICS_TOKEN", "abc", "(redacted)"),
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "(redacted)"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG", "(redacted)"),
    ("NOTE", "key id AKIAIOSFODNN7EXAMPLE here", "key id (redacted) here"),
    ("BASE_URL", "http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("METRICS_TOKEN", None, None),
    ("SESSION_HOURS", 8, 8),
])
def test_secrets_are_redacted_by_name_and_inside_urls(name: str, value: object, redacted: object) -> None:
    assert security.redact_secrets({name: value}) == {name: redacted}


def test_redaction_reaches_nested_settings() -> None:
    nested = {"SQLALCHEMY_BINDS": {"x": "postgresql://u:pw@h/db"}, "ENGINE": {"connect_args": {"password": "pw"}},
              "URLS": ["amqp://guest:pw@mq//"]}
    assert security.redact_secrets(nested) == {
        "SQLALCHEMY_BINDS": {"x": "postgresql://u:(redacted)@h/db"},
        "ENGINE": {"connect_args": {"password": "(redacted)"}}, "URLS": ["amqp://guest:(redacted)@mq//"]}

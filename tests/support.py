"""Test helpers: real services (skip or fail), fresh databases, factories, form posting."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REQUIRE_SERVICES = os.environ.get("FLEETDESK_REQUIRE_SERVICES") == "1"
POSTGRES_ADMIN_URL = os.environ.get("FLEETDESK_TEST_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE_KIND = os.environ.get("FLEETDESK_TEST_DATABASE", "sqlite")
CHROMIUM = os.environ.get("FLEETDESK_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"


def require(service: str, available: bool, reason: str) -> None:
    """Skip with a visible reason when a real component is missing; fail instead in CI."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{service} is required (FLEETDESK_REQUIRE_SERVICES=1) but unavailable: {reason}")
    pytest.skip(f"{service} unavailable: {reason}")


def sample_corpus() -> Path:
    """Where the sample corpus of fines is.

    ``FLEETDESK_SAMPLE_CORPUS``, else ``shared/corpus/fines`` beside the repository.
    """
    configured = os.environ.get("FLEETDESK_SAMPLE_CORPUS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "fines"


def require_sample_corpus(*names: str) -> Path:
    """Return the sample corpus folder holding ``names``; skip without it, or fail in CI."""
    folder = sample_corpus()
    missing = [name for name in names if not (folder / name).exists()]
    require("the sample corpus of fines", folder.is_dir() and not missing,
            f"{', '.join(missing) or 'the folder'} missing at {folder} (set FLEETDESK_SAMPLE_CORPUS)")
    return folder


def postgres_problem() -> str | None:
    """Return why the test PostgreSQL server cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg not installed ({exc})"
    try:
        with psycopg.connect(_libpq_url(POSTGRES_ADMIN_URL), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"cannot connect to {POSTGRES_ADMIN_URL}: {exc}".strip()


def require_postgres() -> None:
    problem = postgres_problem()
    require("PostgreSQL", problem is None, problem or "")


def require_binary(name: str, path: str | None = None) -> str:
    """Return the path of a program, or skip/fail when it is not installed."""
    found = path if path and os.path.exists(path) else shutil.which(name)
    require(name, found is not None, f"`{name}` is not installed (Debian package)")
    assert found is not None
    return found


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextlib.contextmanager
def fresh_database(kind: str, tmp_dir: str) -> Iterator[str]:
    """Create an empty database of ``kind`` (sqlite or postgresql), yield its URL, drop it."""
    if kind == "sqlite":
        yield f"sqlite:///{os.path.join(tmp_dir, f'test-{uuid.uuid4().hex[:8]}.db')}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown FLEETDESK_TEST_DATABASE {kind!r}")
    require_postgres()
    import psycopg

    name = f"fleetdesk_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq_url(POSTGRES_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_config(database_url: str, data_dir: str, **extra: Any) -> dict[str, Any]:
    """The config override every test app uses: testing mode, real CSRF, a fixed secret."""
    return {"ENV": "testing", "DATABASE_URL": database_url, "DATA_DIR": data_dir,
            "SECRET_KEY": "test-secret-key-not-for-production", "INTAKE_DOMAIN": "fines.fleetdesk.test",
            # Real argon2id, at a cost that keeps the suite quick; production keeps the library default.
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8192, **extra}


def migrate_to_head(app: Any) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def store_blob(kind: str, data: bytes, suffix: str) -> tuple[str, str]:
    """Put ``data`` in the current application's blob store; return (its key, its sha256)."""
    from app import blobs, storage

    digest = storage.sha256_of(data)
    key = storage.blob_key(kind, digest, suffix)
    blobs.store().put(key, data)
    return key, digest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """Pull the CSRF token out of a rendered form."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Log in through the real form (with its CSRF token) and return the response."""
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})


def post_form(client: Any, url: str, data: dict[str, Any], token_from: str | None = None) -> Any:
    """POST a form like a browser would: fetch the page for its CSRF token first."""
    page = client.get(token_from or url)
    return client.post(url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def browser_login(browser: Any, base: str, email: str, locale: str = "en-GB") -> Any:
    """A new browser page (its own cookies) logged in as ``email`` on the live server at ``base``."""
    page = browser.new_page(locale=locale)
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page

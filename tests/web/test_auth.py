"""Logging in and out, refusals (401, 403, 413, 429) and the hardening around sessions."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from tests import support


def _count(app: Any, model: Any) -> int:
    from app.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_login_with_right_password_shows_dashboard(client: Any, world: Any) -> None:
    response = support.login(client, world.user_a)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Alpha Lease NV" in page and "alpha@fines.fleetdesk.test" in page


def test_wrong_password_is_refused_with_401_and_logs_nobody_in(client: Any, world: Any) -> None:
    response = support.login(client, world.user_a, "not the password at all")
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous: sent to the login page


def test_unknown_account_gets_the_same_answer_as_a_wrong_password(client: Any, world: Any) -> None:
    response = support.login(client, "nobody@nowhere.test", "whatever-password")
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_a).values(active=False))
        db.session.commit()
    assert support.login(client, world.user_a).status_code == 401


def test_login_is_rate_limited_per_account_after_five_failures(app: Any, client: Any, world: Any) -> None:
    for _ in range(5):
        assert support.login(client, world.user_a, "wrong-password-x").status_code == 401
    blocked = support.login(client, world.user_a)  # even the right password is refused now
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.get_data(as_text=True)
    assert support.login(client, world.user_b).status_code == 302  # other accounts are not affected


def test_login_without_csrf_token_is_refused_with_403(client: Any, world: Any) -> None:
    response = client.post("/login", data={"email": world.user_a, "password": support.PASSWORD})
    assert response.status_code == 403
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_form_without_csrf_token_changes_nothing(app: Any, client: Any, world: Any) -> None:
    from app.models import Client

    support.login(client, world.admin)
    before = _count(app, Client)
    response = client.post("/admin/clients/new", data={"code": "GAMMA", "name": "Gamma"})
    assert response.status_code == 403
    assert _count(app, Client) == before


def test_huge_request_body_is_refused_with_413_and_nothing_stored(app: Any, client: Any, world: Any) -> None:
    from app.models import Client

    support.login(client, world.admin)
    before = _count(app, Client)
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/admin/clients/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert _count(app, Client) == before


def test_logout_needs_a_post_with_csrf(client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 403
    response = support.post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_login_refuses_to_redirect_off_site(client: Any, world: Any) -> None:
    page = client.get("/login?next=https://evil.test/")
    response = client.post("/login?next=https://evil.test/", data={
        "email": world.user_a, "password": support.PASSWORD,
        "csrf_token": support.csrf_token(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next_path(client: Any, world: Any) -> None:
    page = client.get("/login?next=/account")
    response = client.post("/login?next=/account", data={
        "email": world.user_a, "password": support.PASSWORD,
        "csrf_token": support.csrf_token(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/account"


def test_password_change_ends_other_sessions(app: Any, world: Any) -> None:
    first, second = app.test_client(), app.test_client()
    support.login(first, world.user_a)
    support.login(second, world.user_a)
    response = support.post_form(first, "/account", {"locale": "", "current_password": support.PASSWORD,
                                                      "new_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200  # the session that changed it stays in
    assert second.get("/").status_code == 302  # the other one is logged out


def test_pages_carry_security_headers(client: Any, world: Any) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(client: Any, world: Any) -> None:
    response = support.login(client, world.user_a)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_host_bound(tmp_path: Any) -> None:
    from app import config

    cfg = config.load(str(tmp_path), {"ENV": "production", "SECRET_KEY": "s" * 40}, environ={})
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
    assert cfg["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_successful_login_is_audited(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry

    support.login(client, world.user_a)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.logged_in"))
        assert entry is not None and entry.actor_label == world.user_a and entry.client_id == world.client_a


def _cookie(client: Any, app: Any) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return str(cookie.value)


def _replay(app: Any, value: str) -> Any:
    """A second browser holding a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return thief


def test_a_copied_session_cookie_no_longer_works_after_logout(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    copy = _cookie(client, app)
    assert _replay(app, copy).get("/").status_code == 200  # the copy works while the session lives
    assert support.post_form(client, "/logout", {}, token_from="/").status_code == 302
    assert _replay(app, copy).get("/").status_code == 302  # logout ended it on the server


def test_logout_ends_only_that_session(app: Any, world: Any) -> None:
    laptop, phone = app.test_client(), app.test_client()
    support.login(laptop, world.user_a)
    support.login(phone, world.user_a)
    support.post_form(phone, "/logout", {}, token_from="/")
    assert laptop.get("/").status_code == 200


def test_a_session_ends_at_its_absolute_lifetime_even_while_used(app: Any, client: Any, world: Any,
                                                                 clock: Any) -> None:
    from datetime import timedelta

    support.login(client, world.user_a)
    hours = app.config["SESSION_MAX_AGE_HOURS"]
    for _ in range(hours - 1):  # used every hour: still ends at the lifetime counted from login
        clock.advance(timedelta(hours=1))
        assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=59))
    assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=2))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_blocked_login_says_when_to_try_again_and_does_not_extend_the_lock(app: Any, client: Any,
                                                                               world: Any) -> None:
    from app.auth import login_failures

    for _ in range(5):
        assert support.login(client, world.user_a, "wrong-password-x").status_code == 401
    first = support.login(client, world.user_a, "wrong-password-x")
    assert first.status_code == 429
    wait = int(first.headers["Retry-After"])
    assert 0 < wait <= app.config["LOGIN_WINDOW_SECONDS"]
    assert "Try again at" in first.get_data(as_text=True)
    for _ in range(5):  # blocked attempts are not counted: the lock ends when it would have
        again = support.login(client, world.user_a, "wrong-password-x")
        assert again.status_code == 429 and int(again.headers["Retry-After"]) <= wait
    with app.test_request_context():
        assert login_failures(world.user_a, "127.0.0.1") == (5, 5)


@contextlib.contextmanager
def _another_app(app: Any, database_url: str, data_dir: str, **config: Any) -> Iterator[Any]:
    """An app on the same database with other settings; the shared rate limiter goes back to ``app`` after."""
    from app import create_app
    from app.extensions import limiter

    try:
        yield create_app(support.test_config(database_url, data_dir, **config))
    finally:
        limiter.reset()
        limiter.init_app(app)


def _behind_proxy(app: Any, address: str) -> Any:
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": address,
                                "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "fleetdesk.example.be",
                                # over HTTPS, Flask-WTF also wants a same-site Referer (the proxy's host)
                                "HTTP_REFERER": "https://fleetdesk.example.be/login"})
    return client


def test_behind_a_trusted_proxy_one_client_cannot_lock_everyone_out(database_url: str, data_dir: str,
                                                                     app: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry

    with _another_app(app, database_url, data_dir, TRUSTED_PROXIES=1) as proxied:
        attacker, user = _behind_proxy(proxied, "203.0.113.7"), _behind_proxy(proxied, "198.51.100.4")
        for n in range(proxied.config["LOGIN_MAX_FAILURES_PER_IP"]):
            assert support.login(attacker, f"guess{n}@nowhere.test", "wrong-password-x").status_code == 401
        assert support.login(attacker, world.user_a).status_code == 429  # that address is locked out
        assert support.login(user, world.user_a).status_code == 302  # another client is not
        with proxied.app_context():
            entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.logged_in"))
            assert entry is not None and entry.ip == "198.51.100.4"


def test_forwarded_headers_are_ignored_without_trusted_proxies(app: Any, world: Any) -> None:
    spoofer = _behind_proxy(app, "203.0.113.99")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_IP"]):
        spoofer.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{_}"  # a new address each time: no use
        support.login(spoofer, f"guess{_}@nowhere.test", "wrong-password-x")
    assert support.login(spoofer, world.user_a).status_code == 429


def test_login_limits_work_with_redis_storage(database_url: str, data_dir: str, app: Any, world: Any) -> None:
    import uuid

    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379", socket_connect_timeout=2).ping()
        problem = None
    except Exception as exc:
        problem = str(exc)
    support.require("Redis", problem is None, problem or "")
    with _another_app(app, database_url, data_dir, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                      RATELIMIT_KEY_PREFIX=f"fleetdesk-test-{uuid.uuid4().hex}") as with_redis:
        client = with_redis.test_client()
        for _ in range(5):
            assert support.login(client, world.user_a, "wrong-password-x").status_code == 401
        blocked = support.login(client, world.user_a)
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        from app.extensions import limiter

        assert type(limiter.storage).__name__ == "RedisStorage"

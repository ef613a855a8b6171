"""/healthz, /metrics, navigation and languages."""
from __future__ import annotations

from typing import Any

import pytest

from tests import support


def test_healthz_checks_the_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path: Any) -> None:
    from app import create_app

    broken = create_app(support.test_config(f"sqlite:///{tmp_path}/missing/dir/x.db", str(tmp_path)))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition by (name, sorted labels): values, not just names or HELP lines."""
    from prometheus_client.parser import text_string_to_metric_families

    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_count_requests_by_endpoint(client: Any) -> None:
    labels = (("endpoint", "web.healthz"), ("method", "GET"), ("status", "200"))
    before = _samples(client.get("/metrics").get_data(as_text=True))
    client.get("/healthz")
    client.get("/healthz")
    after = _samples(client.get("/metrics").get_data(as_text=True))
    total = ("fleetdesk_http_requests_total", labels)
    assert after[total] - before.get(total, 0.0) == 2.0
    count = next(key for key in after if key[0] == "fleetdesk_http_request_duration_seconds_count"
                 and ("endpoint", "web.healthz") in key[1])
    assert after[count] - before.get(count, 0.0) == 2.0
    inf_bucket = next(key for key in after if key[0] == "fleetdesk_http_request_duration_seconds_bucket"
                      and ("endpoint", "web.healthz") in key[1] and ("le", "+Inf") in key[1])
    assert after[inf_bucket] == after[count]
    assert after[("fleetdesk_build_info", (("version", "0.1.0"),))] == 1.0


def test_odd_http_methods_add_no_metric_series(client: Any) -> None:
    KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
    client.get("/healthz")
    before = set(_samples(client.get("/metrics").get_data(as_text=True)))
    for method in ("BREW", "PROPFIND", "X" * 40, "GeT", "M-SEARCH", "FOO1", "FOO2", "FOO3"):
        for path in ("/healthz", "/metrics", "/nowhere", "/fines/"):
            assert client.open(path, method=method).status_code < 500
    after = _samples(client.get("/metrics").get_data(as_text=True))
    methods = {dict(labels).get("method") for name, labels in after if name == "fleetdesk_http_requests_total"}
    assert methods <= KNOWN_METHODS | {"other"}
    new_methods = {dict(labels)["method"] for name, labels in set(after) - before
                   if name == "fleetdesk_http_requests_total"}
    assert new_methods <= {"other", "GET"}  # one "other" series, not one per invented method
    statuses = {dict(labels).get("status") for name, labels in after if name == "fleetdesk_http_requests_total"}
    assert all(status is not None and status.isdigit() and 100 <= int(status) <= 599 for status in statuses)


def test_metrics_token_is_enforced_when_configured(app: Any) -> None:
    app.config["METRICS_TOKEN"] = "scrape-secret"
    try:
        c = app.test_client()
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


@pytest.mark.parametrize(("accept", "expected"), [
    ("nl-BE,nl;q=0.9", "Aanmelden bij FleetDesk"),
    ("fr-BE,fr;q=0.9", "Connexion à FleetDesk"),
    ("en-GB", "Log in to FleetDesk"),
    ("de-DE", "Log in to FleetDesk"),
])
def test_login_page_speaks_the_browsers_language(client: Any, accept: str, expected: str) -> None:
    page = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert expected in page


def test_users_language_setting_wins_over_the_browser(app: Any, client: Any, world: Any) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_a).values(locale="fr"))
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Se déconnecter" in page


def test_navigation_shows_admin_only_to_admins(app: Any, world: Any) -> None:
    admin, user = app.test_client(), app.test_client()
    support.login(admin, world.admin)
    support.login(user, world.user_a)
    assert 'href="/admin/clients"' in admin.get("/").get_data(as_text=True)
    assert 'href="/admin/clients"' not in user.get("/").get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client: Any) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)

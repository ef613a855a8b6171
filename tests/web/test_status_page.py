"""The public status page, /status and /status.json: anonymous, no tenant data, maintenance, 90 days, cached."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

# The frozen clock says Monday 16 November 2026, 10:00 in Brussels; 12 November is a Thursday.
SECRET_REASON = "Alpha Lease NV lost its fines: ticket #4711, db-internal-07 crashed"


def _record_outage(app: Any, start: datetime, end: datetime | None, reason: str = SECRET_REASON) -> None:
    from app.services import Actor
    from app.uow import job_unit_of_work
    from sla.uptime import services

    with app.app_context(), job_unit_of_work():
        services.record_outage(Actor("agent@op.test"), started_at=start, ended_at=end, reason=reason)


def _plan(app: Any, start: datetime, hours: int, description: str, *, planned_at: datetime) -> None:
    from app.services import Actor
    from app.uow import job_unit_of_work
    from sla.uptime import services

    with app.app_context(), job_unit_of_work():
        services.plan_maintenance(Actor("admin@op.test"), starts_at=start, ends_at=start + timedelta(hours=hours),
                                  description=description, now=planned_at)


def test_status_page_is_public_cached_briefly_and_says_all_is_well(app: Any, client: Any, world: Any,
                                                                   clock: Any) -> None:
    response = client.get("/status", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=30"
    assert "Accept-Language" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert "All systems operational" in page and "No maintenance planned." in page
    assert "The last 90 days" in page
    data = client.get("/status.json")
    assert data.status_code == 200 and data.headers["Cache-Control"] == "public, max-age=30"
    body = data.get_json()
    assert body["status"] == "operational" and body["maintenance"] == [] and len(body["days"]) == 90


def test_a_logged_in_reader_gets_the_page_uncached(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_a)
    response = client.get("/status")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_no_client_name_reason_or_agent_leaks_from_an_outage(app: Any, client: Any, world: Any, clock: Any) -> None:
    _record_outage(app, datetime(2026, 11, 12, 9, 0, tzinfo=UTC), datetime(2026, 11, 12, 10, 0, tzinfo=UTC))
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    raw = client.get("/status.json").get_data(as_text=True)
    for secret in ("Alpha", "ALPHA", "Beta", "4711", "db-internal", "crashed", "agent@op.test", "Anna", "Bert",
                   "Seeded incident", "failed checks"):
        assert secret not in page, secret
        assert secret not in raw, secret
    # The day shows its outage in neutral words: 1 h down of 7 h 30 min of working time.
    assert "12 November 2026: 86.67%; down 1 h within working hours" in page
    day = {d["date"]: d for d in client.get("/status.json").get_json()["days"]}["2026-11-12"]
    assert day == {"date": "2026-11-12", "kind": "bad", "availability": pytest.approx(1 - 1 / 7.5),
                   "down_seconds": 3600, "outage": True, "outage_seconds": 3600, "maintenance": False}


def test_an_open_outage_recorded_by_an_agent_says_down(app: Any, client: Any, world: Any, clock: Any) -> None:
    _record_outage(app, datetime(2026, 11, 16, 8, 30, tzinfo=UTC), None)
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Service down" in page and SECRET_REASON not in page
    assert client.get("/status.json").get_json()["status"] == "down"


def test_probe_failures_make_the_state_degraded_then_down(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.uow import job_unit_of_work
    from sla.uptime import services
    from sla.uptime.probes import ProbeResult

    def check(target: str, ok: bool) -> None:
        with app.app_context(), job_unit_of_work():
            services.record_check(target, ProbeResult(ok, "200" if ok else "connection refused to 10.0.0.7"),
                                  clock(), 3)

    check("web", True)
    check("api", True)
    assert client.get("/status.json").get_json()["status"] == "operational"
    check("web", False)  # one failure: not yet an outage, but not well either
    assert client.get("/status.json").get_json()["status"] == "degraded"
    check("web", False)
    check("web", False)  # the third: web is down, api still answers
    assert client.get("/status.json").get_json()["status"] == "degraded"
    for _ in range(3):
        check("api", False)
    body = client.get("/status.json").get_data(as_text=True)
    assert '"status":"down"' in body.replace(" ", "") and "10.0.0.7" not in body
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Service down" in page and "10.0.0.7" not in page and "Last automatic check:" in page


def test_planned_and_ongoing_maintenance_are_shown_with_their_description(app: Any, client: Any, world: Any,
                                                                          clock: Any) -> None:
    planned_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    _plan(app, datetime(2026, 11, 18, 19, 0, tzinfo=UTC), 3, "PostgreSQL upgrade", planned_at=planned_at)
    _plan(app, datetime(2026, 11, 10, 19, 0, tzinfo=UTC), 2, "Operating system updates", planned_at=planned_at)
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Planned maintenance" in page and "PostgreSQL upgrade" in page
    assert "18 November 2026, 20:00 – 18 November 2026, 23:00: PostgreSQL upgrade" in page
    assert "Operating system updates" not in page.split("The last 90 days")[0]  # past: not in the plans
    assert "10 November 2026: 100.00%; planned maintenance" in page  # but marked on its day
    body = client.get("/status.json").get_json()
    assert body["maintenance"] == [{"starts_at": "2026-11-18T19:00:00+00:00", "ends_at": "2026-11-18T22:00:00+00:00",
                                    "description": "PostgreSQL upgrade", "ongoing": False}]
    clock.set(datetime(2026, 11, 18, 20, 0, tzinfo=UTC))
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Maintenance in progress" in page and "in progress" in page
    assert client.get("/status.json").get_json()["maintenance"][0]["ongoing"] is True


def test_the_90_days_follow_the_injected_clock(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import Client

    with app.app_context():  # measuring began with the first client, on 1 October 2026
        db.session.execute(sa.update(Client).values(created_at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC)))
        db.session.commit()
    _record_outage(app, datetime(2026, 11, 14, 9, 0, tzinfo=UTC), datetime(2026, 11, 14, 11, 0, tzinfo=UTC))
    days = client.get("/status.json").get_json()["days"]
    assert [d["date"] for d in (days[0], days[-1])] == ["2026-08-19", "2026-11-16"]
    assert [date.fromisoformat(b["date"]) - date.fromisoformat(a["date"]) for a, b in pairwise(days)] \
        == [timedelta(days=1)] * 89
    by_day = {d["date"]: d for d in days}
    assert by_day["2026-09-30"]["kind"] == "nodata" and by_day["2026-10-01"]["kind"] == "ok"
    assert by_day["2026-11-11"]["kind"] == "off"  # Armistice Day: no working hours
    saturday = by_day["2026-11-14"]  # an outage on a Saturday shows, but costs nothing
    assert (saturday["kind"], saturday["outage"], saturday["outage_seconds"], saturday["down_seconds"]) \
        == ("warn", True, 7200, 0)
    assert by_day["2026-11-16"]["kind"] == "ok"  # today so far (10:00)
    clock.set(datetime(2026, 11, 17, 6, 0, tzinfo=UTC))  # Tuesday 07:00: today has not begun
    days = client.get("/status.json").get_json()["days"]
    assert days[-1] == {"date": "2026-11-17", "kind": "future", "availability": None, "down_seconds": 0,
                        "outage": False, "outage_seconds": 0, "maintenance": False}
    assert days[0]["date"] == "2026-08-20"


def test_the_outages_and_maintenance_of_90_days_cost_one_query(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db

    for day in range(1, 40):
        start = datetime(2026, 9, 1, 9, 0, tzinfo=UTC) + timedelta(days=day)
        _record_outage(app, start, start + timedelta(minutes=20), reason="x")
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/status.json").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    reading = [s for s in statements if "outages" in s or "maintenance_windows" in s]
    assert len([s for s in reading if "UNION ALL" in s]) == 1
    assert len(statements) <= 6, statements  # the union, the probes and when measuring began


@pytest.mark.parametrize(("lang", "words"), [("nl", "Alle systemen werken"), ("fr", "Tous les systèmes")])
def test_the_page_speaks_the_browsers_language_or_the_chosen_one(app: Any, client: Any, world: Any, clock: Any,
                                                                 lang: str, words: str) -> None:
    assert words in client.get("/status", headers={"Accept-Language": lang}).get_data(as_text=True)
    chosen = client.get(f"/status?lang={lang}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert words in chosen and f'<html lang="{lang}">' in chosen


def test_a_bad_language_is_a_400(app: Any, client: Any, world: Any, clock: Any) -> None:
    assert client.get("/status?lang=de").status_code == 400


def test_the_login_page_and_the_uptime_page_link_to_the_status_page(app: Any, client: Any, world: Any,
                                                                   clock: Any) -> None:
    assert 'href="/status"' in client.get("/login").get_data(as_text=True)
    support.login(client, world.user_a)
    assert 'href="/status"' in client.get("/uptime/").get_data(as_text=True)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_status_page_shows_no_english_message_in_dutch_or_french(app: Any, client: Any, world: Any, clock: Any,
                                                                     language: str) -> None:
    from tests import crawl
    from tests.web.test_i18n_pages import AUTONYMS, english_messages

    _record_outage(app, datetime(2026, 11, 12, 9, 0, tzinfo=UTC), datetime(2026, 11, 12, 10, 0, tzinfo=UTC))
    _record_outage(app, datetime(2026, 11, 16, 8, 45, tzinfo=UTC), None)
    _plan(app, datetime(2026, 11, 18, 19, 0, tzinfo=UTC), 3, "PostgreSQL upgrade",
          planned_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    text = crawl.visible_text(client.get("/status", headers={"Accept-Language": language}).get_data(as_text=True))
    for data in ("PostgreSQL upgrade", *AUTONYMS, "FleetDesk testing"):
        text = text.replace(data, " ¦ ")
    leaks = [english for english, pattern in english_messages(language) if pattern.search(text)]
    assert leaks == []


def test_the_demo_status_page_shows_planned_maintenance_and_past_outages(app: Any, client: Any) -> None:
    from tests import crawl

    crawl.load_demo(app)
    body = client.get("/status.json").get_json()
    assert [(w["description"], w["ongoing"]) for w in body["maintenance"]] == [("PostgreSQL upgrade", False)]
    assert len([d for d in body["days"] if d["outage"]]) >= 3  # the two the prober saw and the one by hand
    assert any(d["kind"] == "bad" for d in body["days"]) and any(d["maintenance"] for d in body["days"])
    page = client.get("/status", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "PostgreSQL upgrade" in page and "Database server failure" not in page and "timeout" not in page

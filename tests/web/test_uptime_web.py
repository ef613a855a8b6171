"""Uptime in the browser, maintenance windows, outages by hand, and the gauges for Prometheus."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from tests import support


def test_uptime_page_shows_the_month_and_its_budget(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    page = client.get("/uptime/").get_data(as_text=True)
    assert "Uptime within working hours" in page and "error budget left" in page and "The last twelve months" in page
    assert client.get("/uptime/report?month=2026-10").status_code == 200
    assert client.get("/uptime/report?month=nonsense").status_code == 400


def test_an_agent_records_an_outage_with_a_reason_and_it_counts(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from sla.models import Outage

    support.login(client, world.agent)
    now = datetime.now(timezone.utc).astimezone()
    start = (now - timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    end = (now - timedelta(days=3)).strftime("%Y-%m-%dT11:00")
    refused = support.post_form(client, "/uptime/outages/new", {"started_at": start, "ended_at": end, "reason": ""})
    assert refused.status_code == 422
    response = support.post_form(client, "/uptime/outages/new", {"started_at": start, "ended_at": end,
                                                                  "reason": "database failover"})
    assert response.status_code == 302
    with app.app_context():
        outage = db.session.scalar(sa.select(Outage))
        assert outage is not None and outage.source == "manual" and outage.recorded_by == world.agent


def test_only_admins_plan_maintenance_and_it_is_announced_once(app: Any, client: Any, world: Any, smtp_sink: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from sla import uptime_services
    from sla.models import MaintenanceWindow

    agent = app.test_client()
    support.login(agent, world.agent)
    assert agent.get("/uptime/maintenance").status_code == 404
    support.login(client, world.admin)
    start = datetime.now(timezone.utc) + timedelta(days=2)
    response = support.post_form(client, "/uptime/maintenance", {
        "starts_at": start.astimezone().strftime("%Y-%m-%dT20:00"),
        "ends_at": start.astimezone().strftime("%Y-%m-%dT22:00"), "description": "PostgreSQL upgrade"})
    assert response.status_code == 302
    with app.app_context():
        args = (datetime.now(timezone.utc), work_calendar(), 5, "noreply@fleetdesk.test", ("127.0.0.1", smtp_sink.port))
        assert uptime_services.announce_maintenance(*args) == 1
        assert uptime_services.announce_maintenance(*args) == 0
        db.session.commit()
        assert db.session.scalar(sa.select(MaintenanceWindow)).announced_at is not None
    [mail] = smtp_sink.messages
    assert "PostgreSQL upgrade" in mail.get_content() and world.user_a in smtp_sink.recipients[0]
    assert mail["Bcc"] is None  # clients do not see each other's addresses


def test_maintenance_in_the_past_is_refused(client: Any, world: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, "/uptime/maintenance", {
        "starts_at": "2020-01-01T20:00", "ends_at": "2020-01-01T22:00", "description": "too late"})
    assert response.status_code == 422


def test_metrics_carry_the_uptime_gauges(client: Any, world: Any) -> None:
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("fleetdesk_business_hours_open", "fleetdesk_maintenance_active",
                 'fleetdesk_availability_ratio{window="month"}', 'fleetdesk_availability_ratio{window="rolling_30d"}',
                 "fleetdesk_error_budget_remaining_seconds"):
        assert name in text, name
    assert re.search(r"^fleetdesk_business_hours_open [01]\.0$", text, re.M)

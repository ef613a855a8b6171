"""Uptime in the browser, maintenance windows, outages by hand, and the gauges for Prometheus."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tests import support


def test_uptime_page_shows_the_month_and_its_budget(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_a)
    page = client.get("/uptime/").get_data(as_text=True)
    assert "Uptime within working hours: November 2026" in page and "allowed downtime left" in page
    assert "The last twelve months" in page and "100.00%" in page
    assert client.get("/uptime/report?month=2026-10").status_code == 200
    assert client.get("/uptime/report?month=nonsense").status_code == 400


def test_an_agent_records_an_outage_with_a_reason_and_it_counts(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from sla.uptime.models import Outage

    support.login(client, world.agent)
    start, end = "2026-11-12T10:00", "2026-11-12T11:00"  # Thursday, Belgian time
    refused = support.post_form(client, "/uptime/outages/new", {"started_at": start, "ended_at": end, "reason": ""})
    assert refused.status_code == 422
    response = support.post_form(client, "/uptime/outages/new", {"started_at": start, "ended_at": end,
                                                                  "reason": "database failover"})
    assert response.status_code == 302
    with app.app_context():
        outage = db.session.scalar(sa.select(Outage))
        assert outage is not None and outage.source == "manual" and outage.recorded_by == world.agent
    page = client.get("/uptime/").get_data(as_text=True)
    assert "1 h" in page and "recorded by an agent" in page and "database failover" in page
    assert "12 November 2026: 86.67%" in page  # 1 h down of 7 h 30 min of working time


def test_only_admins_plan_maintenance_and_it_is_announced_once(app: Any, client: Any, world: Any, smtp_sink: Any,
                                                              clock: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from sla.uptime import services as uptime_services
    from sla.uptime.models import MaintenanceWindow

    agent = app.test_client()
    support.login(agent, world.agent)
    assert agent.get("/uptime/maintenance").status_code == 404
    support.login(client, world.admin)
    response = support.post_form(client, "/uptime/maintenance", {
        "starts_at": "2026-11-18T20:00", "ends_at": "2026-11-18T22:00", "description": "PostgreSQL upgrade"})
    assert response.status_code == 302
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        with app.app_context():
            args = (clock(), work_calendar(), 5, "noreply@fleetdesk.test")
            assert uptime_services.announce_maintenance(*args) == 1
            assert uptime_services.announce_maintenance(*args) == 0
            assert smtp_sink.messages == []  # the announcement leaves with the commit, not before
            db.session.commit()
            assert db.session.scalar(sa.select(MaintenanceWindow)).announced_at is not None
    finally:
        app.config.update(SMTP_PORT=25)
    [mail] = smtp_sink.messages
    assert "PostgreSQL upgrade" in mail.get_content() and world.user_a in smtp_sink.recipients[0]
    assert mail["Bcc"] is None  # clients do not see each other's addresses


def test_an_announcement_is_delivered_even_if_the_mail_server_was_down_at_first(
        app: Any, client: Any, world: Any, smtp_sink: Any, clock: Any) -> None:
    from app import scheduler
    from app.clock import work_calendar
    from app.extensions import db

    support.login(client, world.admin)
    support.post_form(client, "/uptime/maintenance", {
        "starts_at": "2026-11-18T20:00", "ends_at": "2026-11-18T22:00", "description": "PostgreSQL upgrade"})
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=support.free_port())
    try:
        with app.app_context():
            from sla.uptime import services as uptime_services

            assert uptime_services.announce_maintenance(clock(), work_calendar(), 5, "noreply@fleetdesk.test") == 1
            db.session.commit()  # announced, though the server is away: the outbox keeps the mail
        assert smtp_sink.messages == []
        app.config.update(SMTP_PORT=smtp_sink.port)
        clock.advance(timedelta(minutes=5))
        assert scheduler.run_job(app, "platform.flush_outbox") == 1
        clock.advance(timedelta(hours=2))
        assert scheduler.run_job(app, "platform.flush_outbox") == 0
    finally:
        app.config.update(SMTP_PORT=25)
    [mail] = smtp_sink.messages
    assert "PostgreSQL upgrade" in mail.get_content() and world.user_a in smtp_sink.recipients[0]
    assert mail["Bcc"] is None


def test_maintenance_in_the_past_is_refused(client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.admin)
    response = support.post_form(client, "/uptime/maintenance", {
        "starts_at": "2020-01-01T20:00", "ends_at": "2020-01-01T22:00", "description": "too late"})
    assert response.status_code == 422


def test_metrics_carry_the_uptime_gauges(client: Any, world: Any, clock: Any) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics").get_data(as_text=True)
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}
    # The frozen clock says Monday 10:00 in Brussels, no outage, no maintenance: open, nothing lost.
    assert samples[("fleetdesk_business_hours_open", ())] == 1.0
    assert samples[("fleetdesk_maintenance_active", ())] == 0.0
    assert samples[("fleetdesk_availability_ratio", (("window", "month"),))] == 1.0
    assert samples[("fleetdesk_availability_ratio", (("window", "rolling_30d"),))] == 1.0
    assert samples[("fleetdesk_error_budget_remaining_seconds", ())] > 0


def test_the_day_strip_says_not_yet_for_days_to_come_and_no_data_before_measuring(app: Any, client: Any, world: Any,
                                                                                   clock: Any) -> None:
    from app.extensions import db
    from app.models import Client

    with app.app_context():  # measuring began when the first client came: Wednesday 4 November
        db.session.execute(sa.update(Client).values(created_at=datetime(2026, 11, 4, 12, 0, tzinfo=UTC)))
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/uptime/").get_data(as_text=True)  # Monday 16 November 2026, 10:00
    assert "30 November 2026: not yet" in page and "17 November 2026: not yet" in page
    assert "16 November 2026: 100.00%" in page  # today so far
    assert "3 November 2026: no data" in page and "5 November 2026: 100.00%" in page
    assert "2026-11-30: 100.00" not in page
    months = page[page.index("The last twelve months"):]
    assert "October 2026" in months and months.count("no data") == 11  # only November was measured


def test_the_availability_bars_are_scaled_so_the_target_line_and_small_outages_show(app: Any, client: Any,
                                                                                    world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import Client
    from sla.uptime.models import Outage

    with app.app_context():
        db.session.execute(sa.update(Client).values(created_at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC)))
        # October 2026 has 159 h 30 min of working time: 1 h 52 min down leaves 98.83 %.
        db.session.add(Outage(target="manual", source="manual", reason="disk full", recorded_by="test",
                              started_at=datetime(2026, 10, 14, 8, 0, tzinfo=UTC),
                              ended_at=datetime(2026, 10, 14, 9, 52, tzinfo=UTC)))
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/uptime/").get_data(as_text=True)
    months = page[page.index("The last twelve months"):]
    assert "from 95% to 100%; the line marks the target of 98%" in months
    october = months[months.index("October 2026"):].split("</tr>")[0]
    november = months[months.index("November 2026"):].split("</tr>")[0]
    fill = re.compile(r'class="avail-fill[^"]*" x="0" y="1" width="([0-9.]+)"')
    target = re.search(r'class="avail-target" x1="([0-9.]+)"', october)
    assert target is not None and float(target.group(1)) == 60.0  # 98 % on a 95-100 % axis
    october_bar, november_bar = float(fill.search(october).group(1)), float(fill.search(november).group(1))
    assert "98.83%" in october and 76 < october_bar < 77 and november_bar == 100.0
    assert months.count("no data") == 9  # September to November measured, the nine months before not


def test_an_outage_the_prober_recorded_gives_its_reason_in_the_readers_language(app: Any, client: Any, world: Any,
                                                                                 clock: Any) -> None:
    from app.extensions import db
    from sla.uptime.probes import ProbeResult
    from sla.uptime.services import record_check

    with app.app_context():
        first = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Brussels
        for minute in range(3):
            record_check("web", ProbeResult(ok=False, detail="503"), first.replace(minute=minute), 3)
        record_check("web", ProbeResult(ok=True, detail="200"), first.replace(minute=20), 3)
        db.session.commit()
    support.login(client, world.user_a)
    english = client.get("/uptime/").get_data(as_text=True)
    assert "3 failed checks in a row: 503" in english
    dutch = client.get("/uptime/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "3 mislukte controles na elkaar: 503" in dutch and "failed checks" not in dutch

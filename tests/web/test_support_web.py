"""The support desk in the browser: reporting, the queue, the ticket page, reports, metrics."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests import support


def _allow_reporting(app: Any, email: str) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(can_report_incidents=True))
        db.session.commit()


def _report(client: Any, **fields: str) -> Any:
    page = client.get("/support/new")
    data = {"csrf_token": support.csrf_token(page.get_data(as_text=True)), "title": "Cannot upload fines",
            "description": "The upload page shows an error since 9:00.", "level": "3", "impact": "all", **fields}
    return client.post("/support/new", data=data)


def test_an_authorised_reporter_reports_an_incident_and_sees_its_clocks(app: Any, client: Any, world: Any) -> None:
    _allow_reporting(app, world.user_a)
    support.login(client, world.user_a)
    response = _report(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "category 2" in page and "Cannot upload fines" in page and "Reaction" in page


def test_a_client_user_who_is_not_a_reporter_is_sent_back(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = client.get("/support/new")
    assert response.status_code == 302
    assert "authorised reporters" in client.get("/support/").get_data(as_text=True)


def test_the_agent_desk_shows_every_clients_open_tickets_nearest_breach_first(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.agent)
    response = _report(client, client_id=str(world.client_a), channel="phone", level="4", impact="all")
    assert response.status_code == 302
    queue = client.get("/support/").get_data(as_text=True)
    assert "Cannot upload fines" in queue and "Seeded incident" in queue
    assert queue.index("Cannot upload fines") < queue.index("Seeded incident") or "clock-breached" in queue


def test_clients_see_status_reports_but_not_internal_notes(app: Any, world: Any) -> None:
    agent, bert = app.test_client(), app.test_client()
    support.login(agent, world.agent)
    support.login(bert, world.user_b)
    url = f"/support/{world.ticket_b_id}"
    for action, body in (("acknowledge", ""), ("note", "looks like the proxy again"),
                         ("status_report", "We found the cause; a fix follows this afternoon.")):
        token = support.csrf_token(agent.get(url).get_data(as_text=True))
        assert agent.post(url + "/act", data={"csrf_token": token, "action": action, "body": body}).status_code == 302
    page = bert.get(url).get_data(as_text=True)
    assert "We found the cause" in page and "proxy again" not in page


def test_clients_cannot_act_for_the_desk(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_b)
    url = f"/support/{world.ticket_b_id}"
    token = support.csrf_token(client.get(url).get_data(as_text=True))
    client.post(url + "/act", data={"csrf_token": token, "action": "resolve"})
    assert "only the support desk" in client.get(url).get_data(as_text=True)
    assert client.post(url + "/correct", data={"csrf_token": token}).status_code == 404


def test_monthly_report_in_the_browser_and_as_csv(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.agent)
    page = client.get("/support/reports?month=2026-11").get_data(as_text=True)
    assert "Monthly SLA report" in page and "<td>4</td>" in page  # the seeded incident: level 2, few users
    csv_text = client.get("/support/reports.csv?month=2026-11").get_data(as_text=True)
    assert csv_text.startswith("scope,category,incidents") and "all,4,1," in csv_text


def test_metrics_expose_open_tickets_by_category_and_clock_state(client: Any, world: Any) -> None:
    text = client.get("/metrics").get_data(as_text=True)
    assert 'fleetdesk_tickets_open{category="4",clock_state=' in text
    assert "fleetdesk_ticket_reaction_working_seconds" in text

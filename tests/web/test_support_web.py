"""The support desk in the browser: reporting, the queue, the ticket page, reports, metrics."""
from __future__ import annotations

import re
from typing import Any

import pytest
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


def test_an_authorised_reporter_reports_an_incident_and_sees_its_clocks(app: Any, client: Any, world: Any,
                                                                       clock: Any) -> None:
    _allow_reporting(app, world.user_a)
    support.login(client, world.user_a)
    response = _report(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "category 2" in page and "Cannot upload fines" in page and "Reaction" in page


def test_a_client_user_who_is_not_a_reporter_is_sent_back(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_a)
    response = client.get("/support/new")
    assert response.status_code == 302
    assert "authorised reporters" in client.get("/support/").get_data(as_text=True)


def test_the_agent_desk_shows_every_clients_open_tickets_nearest_breach_first(app: Any, client: Any, world: Any,
                                                                              clock: Any) -> None:
    # Monday 16 November 10:00: the seeded category 4 incident (reported 09:00) must react by 14:00
    # (four working hours, lunch excluded); a category 1 incident reported now must react by 10:30.
    support.login(client, world.agent)
    response = _report(client, client_id=str(world.client_a), channel="phone", level="4", impact="all")
    assert response.status_code == 302
    queue = client.get("/support/").get_data(as_text=True)
    assert "clock-breached" not in queue
    assert queue.index("Cannot upload fines") < queue.index("Seeded incident")


def test_a_breached_ticket_comes_before_one_that_is_only_due_soon(app: Any, client: Any, world: Any,
                                                                  clock: Any) -> None:
    from datetime import timedelta

    clock.advance(timedelta(days=1))  # Tuesday 10:00: the seeded incident's reaction is a day overdue
    support.login(client, world.agent)
    assert _report(client, client_id=str(world.client_a), channel="phone", level="4", impact="all").status_code == 302
    queue = client.get("/support/").get_data(as_text=True)
    assert queue.index("Seeded incident") < queue.index("Cannot upload fines")
    seeded_row = queue[queue.index("Seeded incident"):].split("</tr>")[0]
    assert "clock-breached" in seeded_row and "overdue" in seeded_row


def test_the_queue_shows_the_clients_code_and_name_to_staff(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.agent)
    queue = client.get("/support/").get_data(as_text=True)
    row = queue[queue.index("Seeded incident") - 600:queue.index("Seeded incident")]
    assert "BETA" in row and "Beta Fleet BV" in row
    assert f"<td data-label=\"Client\">{world.client_b}</td>" not in queue


def _act(agent: Any, url: str, action: str, body: str = "") -> Any:
    token = support.csrf_token(agent.get(url).get_data(as_text=True))
    return agent.post(url + "/act", data={"csrf_token": token, "action": action, "body": body})


def _offered(page: str) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', page))


def test_a_ticket_goes_the_whole_way_through_the_desk_in_the_browser_forms(app: Any, client: Any, world: Any,
                                                                         clock: Any) -> None:
    """Every action is posted as the page offers it; each answers a redirect and moves the ticket on."""
    from datetime import timedelta

    support.login(client, world.agent)
    url = f"/support/{world.ticket_b_id}"
    steps = [("acknowledge", "", "acknowledged"), ("start", "", "in_progress"),
             ("comment", "We are looking into it.", "in_progress"), ("note", "Proxy logs say 502.", "in_progress"),
             ("wait_client", "Which browser do you use?", "waiting_client"), ("resume", "", "in_progress"),
             ("status_report", "The fix is being tested.", "in_progress"), ("resolve", "", "resolved"),
             ("close", "", "closed"), ("reopen", "", "in_progress"), ("resolve", "", "resolved")]
    for action, body, state in steps:
        clock.advance(timedelta(minutes=5))
        assert action in _offered(client.get(url).get_data(as_text=True)), action
        response = _act(client, url, action, body)
        assert response.status_code == 302, (action, response.status_code)
        page = client.get(url).get_data(as_text=True)
        assert 'class="flash error"' not in page, action
        assert f"State: {_state_words[state]}" in page, (action, state)
    with app.app_context():
        from app.extensions import db
        from sla.desk.models import Ticket

        ticket = db.session.get(Ticket, world.ticket_b_id)
        kinds = [e.kind for e in ticket.events]
        assert kinds.count("pause") == 1 and kinds.count("resume") == 1 and kinds.count("resolved") == 2
        assert kinds.count("reopen") == 1 and kinds.count("close") == 1 and ticket.state == "resolved"


_state_words = {"acknowledged": "acknowledged", "in_progress": "in progress",
                "waiting_client": "waiting for the client", "resolved": "resolved", "closed": "closed"}


@pytest.mark.parametrize(("actions", "offered", "not_offered"), [
    ((), {"acknowledge", "comment", "note"}, {"resolve", "resume", "close", "reopen", "restore_start", "start"}),
    (("acknowledge",), {"start", "status_report", "wait_client", "resolve", "comment", "note"},
     {"acknowledge", "resume", "close", "reopen", "restore_start", "restore_end"}),
    (("acknowledge", "wait_client"), {"resume", "status_report", "comment", "note"},
     {"resolve", "wait_client", "acknowledge", "close"}),
    (("acknowledge", "resolve"), {"close", "reopen", "comment", "note"}, {"resolve", "acknowledge", "status_report"}),
    (("acknowledge", "resolve", "close"), {"reopen", "note"}, {"close", "comment", "resolve"}),
])
def test_only_the_actions_the_tickets_state_allows_are_offered(app: Any, client: Any, world: Any, clock: Any,
                                                               actions: tuple[str, ...], offered: set[str],
                                                               not_offered: set[str]) -> None:
    support.login(client, world.agent)
    url = f"/support/{world.ticket_b_id}"
    for action in actions:
        assert _act(client, url, action, "Please tell us more.").status_code == 302
    page_actions = _offered(client.get(url).get_data(as_text=True))
    assert offered <= page_actions and not page_actions & not_offered


def test_restore_is_offered_for_category_1_only_and_one_step_at_a_time(app: Any, client: Any, world: Any,
                                                                       clock: Any) -> None:
    support.login(client, world.agent)
    url = f"/support/{world.ticket_b_id}"
    _act(client, url, "acknowledge")
    assert not _offered(client.get(url).get_data(as_text=True)) & {"restore_start", "restore_end"}  # category 4
    refused = _act(client, url, "restore_start")
    assert refused.status_code == 302 and "category 1 incidents only" in client.get(url).get_data(as_text=True)
    token = support.csrf_token(client.get(url).get_data(as_text=True))
    client.post(url + "/correct", data={"csrf_token": token, "level": "4", "impact": "all", "reason": "all down"})
    assert "restore_start" in _offered(client.get(url).get_data(as_text=True))
    assert _act(client, url, "restore_start").status_code == 302
    offered = _offered(client.get(url).get_data(as_text=True))
    assert "restore_end" in offered and "restore_start" not in offered


def test_every_action_text_area_has_a_visible_label_saying_who_reads_it(app: Any, client: Any, world: Any,
                                                                      clock: Any) -> None:
    support.login(client, world.agent)
    url = f"/support/{world.ticket_b_id}"
    _act(client, url, "acknowledge")
    page = client.get(url).get_data(as_text=True)
    areas = re.findall(r'<textarea id="([^"]+)"', page)
    assert {"act-comment", "act-note", "act-status_report", "act-wait_client"} <= set(areas)
    for area in areas:
        assert f'<label for="{area}">' in page, area
    assert "Comment (the client sees it)" in page and "Internal note (agents only; the client does not see it)" in page
    assert "placeholder=" not in page.split('class="card desk-actions"')[1]


def test_the_ticket_page_shows_durations_and_words_not_codes(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.agent)
    page = client.get(f"/support/{world.ticket_b_id}").get_data(as_text=True)
    for code in (">not_applicable<", ">0:", "+00:00<", "(phone)", ".001"):
        assert code not in page, code
    assert "4 h" in page and "1 h" in page and "16/11/2026 09:00" in page  # target, used so far, reported
    assert "not applicable" in page and "(by phone)" in page


@pytest.mark.parametrize(("language", "words"), [
    ("nl", ("Reactietijd", "niet van toepassing", "(telefonisch)")),
    ("fr", ("Délai de réaction", "sans objet", "(par téléphone)")),
])
def test_the_ticket_page_and_the_countdown_speak_the_users_language(app: Any, client: Any, world: Any, clock: Any,
                                                                    language: str, words: tuple[str, ...]) -> None:
    support.login(client, world.agent)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(f"/support/{world.ticket_b_id}").get_data(as_text=True)
    queue = client.get("/support/").get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    for word in words[:3]:
        assert word in page, word
    timer = re.search(r'<script src="[^"]*timers.js" ([^>]*)>', queue)
    assert timer is not None
    assert 'data-in="{t}' not in timer.group(1) and "in {t}" not in timer.group(1)  # translated, not English


def test_clients_see_status_reports_but_not_internal_notes(app: Any, world: Any, clock: Any) -> None:
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


def test_clients_cannot_act_for_the_desk(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_b)
    url = f"/support/{world.ticket_b_id}"
    token = support.csrf_token(client.get(url).get_data(as_text=True))
    client.post(url + "/act", data={"csrf_token": token, "action": "resolve"})
    assert "Only the support desk may do that." in client.get(url).get_data(as_text=True)
    assert client.post(url + "/correct", data={"csrf_token": token}).status_code == 404


def test_monthly_report_in_the_browser_and_as_csv(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.agent)
    page = client.get("/support/reports?month=2026-11").get_data(as_text=True)
    assert "Monthly SLA report" in page and "<td>4</td>" in page  # the seeded incident: level 2, few users
    csv_text = client.get("/support/reports.csv?month=2026-11").get_data(as_text=True)
    assert csv_text.startswith("scope,category,incidents") and "all,4,1," in csv_text


def _samples(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics").get_data(as_text=True)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_expose_open_tickets_by_category_and_clock_state(client: Any, world: Any, clock: Any) -> None:
    # The seeded incident (level 2, a few users: category 4) is open and its reaction clock runs.
    samples = _samples(client)
    open_category_4 = {labels: value for (name, labels), value in samples.items()
                       if name == "fleetdesk_tickets_open" and ("category", "4") in labels}
    assert sum(open_category_4.values()) == 1
    reaction_count = ("fleetdesk_ticket_reaction_working_seconds_count", (("category", "4"),))
    before = samples.get(reaction_count, 0.0)
    support.login(client, world.agent)
    response = support.post_form(client, f"/support/{world.ticket_b_id}/act", {"action": "acknowledge"},
                                 token_from=f"/support/{world.ticket_b_id}")
    assert response.status_code == 302
    assert _samples(client)[reaction_count] == before + 1


def test_an_escalation_reads_in_the_readers_language_on_the_ticket_page(app: Any, client: Any, world: Any,
                                                                         clock: Any) -> None:
    from datetime import timedelta

    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from sla.desk import services

    with app.app_context():  # category 3 (level 4, a few users) reported Monday 10:00; unresolved for two days
        beta = db.session.get(Client, world.client_b)
        ticket = services.open_ticket(Actor("test"), client=beta, reporter=None, title="Exports stall",
                                      description="exports stall", level=4, impact="few", channel="phone",
                                      now=clock(), calendar=work_calendar())
        db.session.commit()
        ticket_id = ticket.id
    clock.advance(timedelta(days=2))
    with app.app_context():  # the scheduler's round records the escalation at its own moment
        from sla.desk.models import Ticket

        services.refresh(db.session.get(Ticket, ticket_id), clock(), work_calendar())
        db.session.commit()
    support.login(client, world.agent)
    english = client.get(f"/support/{ticket_id}").get_data(as_text=True)
    assert "Category 3 → 2" in english
    dutch = client.get(f"/support/{ticket_id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Interventiecategorie 3 → 2" in dutch and "category 3" not in dutch


def test_a_tickets_metrics_carry_the_category_it_was_reported_in_and_count_escalations_apart(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    """Level 4, a few users: category 3, escalated to 2 and then 1 while nobody reacts; every metric says 3."""
    from datetime import timedelta

    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from sla.desk import services
    from sla.desk.models import Ticket

    def delta(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    def open_gauge(samples: dict[Any, float], category: str) -> float:
        return sum(value for (name, labels), value in samples.items()
                   if name == "fleetdesk_tickets_open" and ("category", category) in labels)

    before = _samples(client)
    with app.app_context():
        ticket = services.open_ticket(Actor("test"), client=db.session.get(Client, world.client_b), reporter=None,
                                      title="Exports stall", description="exports stall", level=4, impact="few",
                                      channel="phone", now=clock(), calendar=work_calendar())
        db.session.commit()
        ticket_id = ticket.id
    clock.advance(timedelta(days=2))
    with app.app_context():  # the scheduler's round: 3 -> 2 after 8 working hours, 2 -> 1 two hours later
        ticket = db.session.get(Ticket, ticket_id)
        services.refresh(ticket, clock(), work_calendar())
        db.session.commit()
        assert ticket.category == 1  # the desk sorts and filters by the category in force now
    escalated = _samples(client)
    assert delta(before, escalated, "fleetdesk_tickets_opened_total", category="3") == 1
    assert delta(before, escalated, "fleetdesk_tickets_opened_total", category="1") == 0
    assert delta(before, escalated, "fleetdesk_ticket_escalations_total", to="2") == 1
    assert delta(before, escalated, "fleetdesk_ticket_escalations_total", to="1") == 1
    assert open_gauge(escalated, "3") == open_gauge(before, "3") + 1
    assert open_gauge(escalated, "1") == open_gauge(before, "1")

    support.login(client, world.agent)
    for action in ("acknowledge", "resolve"):
        response = support.post_form(client, f"/support/{ticket_id}/act", {"action": action},
                                     token_from=f"/support/{ticket_id}")
        assert response.status_code == 302
    after = _samples(client)
    for name in ("fleetdesk_ticket_reaction_working_seconds_count",
                 "fleetdesk_ticket_intervention_working_seconds_count"):
        assert delta(escalated, after, name, category="3") == 1
        assert delta(escalated, after, name, category="1") == 0
    assert open_gauge(after, "3") == open_gauge(before, "3")  # resolved: no longer open

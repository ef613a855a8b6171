"""The desk's list (search, filters, sort, pages, CSV), assigning (to me, in bulk) and category 1 shown in words.

The app's clock is frozen on Monday 16 November 2026, 10:00 in Brussels (``clock``). The world's seeded
incident (client BETA, category 4, reported 09:00) is there in every test; ``desk`` adds five more.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support


@dataclass(frozen=True)
class Desk:
    """The ids of the incidents ``desk`` adds (the world's seeded one is ``world.ticket_b_id``)."""

    critical: int  # ALPHA, level 4 all users: category 1, reported now (Monday 10:00), assigned to nobody
    printer: int  # ALPHA, category 3, reported Friday 13 November, assigned to the agent, internal note "proxy"
    # BETA, category 2 (escalated to 1: never acknowledged), reported Thursday 12 November, assigned to the admin,
    # comment "ledger"
    export: int
    closed: int  # ALPHA, category 5, resolved and closed
    old: int  # BETA, category 4, reported 2 November, breached long ago


def _open(client_id: int, title: str, level: int, impact: str, at: datetime) -> Any:
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from sla.desk import services

    return services.open_ticket(Actor("seed"), client=db.session.get(Client, client_id), reporter=None, title=title,
                                description=f"{title}: details", level=level, impact=impact, channel="phone", now=at,
                                calendar=work_calendar())


@pytest.fixture()
def desk(app: Any, world: Any, clock: Any) -> Desk:
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import User
    from app.services import Actor
    from sla.desk import services

    agent = Actor("agent@op.test")
    with app.app_context():
        calendar = work_calendar()
        users = {u.email: u for u in db.session.scalars(sa.select(User))}
        critical = _open(world.client_a, "Nobody can log in", 4, "all", clock())
        printer = _open(world.client_a, "Letters print blank", 3, "substantial", datetime(2026, 11, 13, 9, tzinfo=UTC))
        services.assign(printer, agent, users[world.agent], datetime(2026, 11, 13, 10, tzinfo=UTC))
        services.act(printer, "note", agent, now=datetime(2026, 11, 13, 10, tzinfo=UTC), calendar=calendar,
                     body="The proxy drops the print job.")
        export = _open(world.client_b, "Export file is empty", 4, "substantial", datetime(2026, 11, 12, 9, tzinfo=UTC))
        services.assign(export, agent, users[world.admin], datetime(2026, 11, 12, 10, tzinfo=UTC))
        services.act(export, "comment", agent, now=datetime(2026, 11, 12, 10, tzinfo=UTC), calendar=calendar,
                     body="Which ledger do you export to?")
        closed = _open(world.client_a, "Typo on the overview", 1, "few", datetime(2026, 11, 10, 9, tzinfo=UTC))
        for action, hour in (("acknowledge", 10), ("resolve", 11), ("close", 12)):
            services.act(closed, action, agent, now=datetime(2026, 11, 10, hour, tzinfo=UTC), calendar=calendar)
        old = _open(world.client_b, "Old slow search", 2, "few", datetime(2026, 11, 2, 9, tzinfo=UTC))
        services.refresh_open(clock(), calendar)
        db.session.commit()
        return Desk(critical.id, printer.id, export.id, closed.id, old.id)


def _ids(page: str) -> list[int]:
    """The ticket ids of the list's rows, in the order shown."""
    return [int(i) for i in re.findall(r'<td data-label="#"><a href="/support/(\d+)">', page)]


def _list(client: Any, query: str = "") -> list[int]:
    response = client.get("/support/" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return _ids(response.get_data(as_text=True))


def _csv_ids(client: Any, query: str = "") -> list[int]:
    response = client.get("/support/list.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["critical", "seed", "old", "printer", "export"]),
    ("?state=all", ["critical", "seed", "old", "printer", "export", "closed"]),
    ("?state=closed", ["closed"]),
    ("?category=1", ["critical", "export"]),  # the export, a category 2 never acknowledged, escalated to 1
    ("?category=3", ["printer"]),
    ("?client={client_b}", ["seed", "old", "export"]),
    ("?agent=me", ["printer"]),
    ("?agent={admin_id}", ["export"]),
    ("?agent=none", ["critical", "seed", "old"]),
    ("?from=2026-11-12&to=2026-11-13", ["printer", "export"]),
    ("?state=all&from=2026-11-16", ["critical", "seed"]),
    ("?to=2026-11-02", ["old"]),
    ("?breach=breached&agent=none", ["old"]),
    ("?breach=today", ["critical", "seed"]),
    ("?client={client_a}&category=1&agent=none", ["critical"]),
])
def test_the_lists_filters_keep_exactly_the_matching_incidents(app: Any, client: Any, world: Any, desk: Desk,
                                                               query: str, expected: list[str]) -> None:
    names = {"critical": desk.critical, "seed": world.ticket_b_id, "old": desk.old, "printer": desk.printer,
             "export": desk.export, "closed": desk.closed}
    support.login(client, world.agent)
    query = query.format(client_a=world.client_a, client_b=world.client_b, admin_id=world.admin_id)
    assert sorted(_list(client, query)) == sorted(names[n] for n in expected)


def test_the_filter_form_keeps_its_values_and_says_how_many_match(app: Any, client: Any, world: Any,
                                                                  desk: Desk) -> None:
    support.login(client, world.agent)
    page = client.get("/support/?q=log&category=1&agent=none&from=2026-11-16&breach=today").get_data(as_text=True)
    assert 'name="q" value="log"' in page
    assert '<option value="1" selected>' in page and '<option value="none" selected>' in page
    assert 'name="from" value="2026-11-16"' in page and '<option value="today" selected>' in page
    assert "1 incident<" in page and _ids(page) == [desk.critical]


@pytest.mark.parametrize(("who", "query", "expected"), [
    ("agent", "?q=blank", ["printer"]),
    ("agent", "?q=PROXY", ["printer"]),  # an internal note: agents find it
    ("agent", "?q=ledger", ["export"]),  # a comment the client sees
    ("agent", "?q=log%20in&state=all", ["critical"]),
    ("user_b", "?q=ledger", ["export"]),
    ("user_a", "?q=proxy", []),  # the note is internal: the client does not find the ticket by it
    ("user_a", "?q=ledger", []),  # another client's ticket
])
def test_search_finds_title_description_and_the_comments_the_reader_may_see(app: Any, client: Any, world: Any,
                                                                             desk: Desk, who: str, query: str,
                                                                             expected: list[str]) -> None:
    names = {"printer": desk.printer, "export": desk.export, "critical": desk.critical}
    support.login(client, getattr(world, who))
    assert _list(client, query) == [names[n] for n in expected]


def test_columns_sort_both_ways_and_the_header_links_keep_the_filters(app: Any, client: Any, world: Any,
                                                                     desk: Desk) -> None:
    support.login(client, world.agent)
    page = client.get("/support/?state=all&client=" + str(world.client_a) + "&sort=title").get_data(as_text=True)
    assert _ids(page) == [desk.printer, desk.critical, desk.closed]  # Letters, Nobody, Typo
    assert re.search(r'<th scope="col" aria-sort="ascending"><a class="sort" href="[^"]*sort=title[^"]*dir=desc', page)
    header = re.search(r'<a class="sort" href="([^"]*sort=reported[^"]*)"', page)
    assert header and f"client={world.client_a}" in header.group(1) and "state=all" in header.group(1)
    assert _list(client, f"?state=all&client={world.client_a}&sort=title&dir=desc") == [
        desk.closed, desk.critical, desk.printer]
    assert _list(client, "?sort=reported&dir=desc") == [desk.critical, world.ticket_b_id, desk.printer, desk.export,
                                                       desk.old]
    assert _list(client, "?sort=id") == sorted(_list(client, "?sort=id"))
    ordered = _list(client, "?sort=category")
    assert ordered[:2] == [desk.critical, desk.export] and ordered[-2:] == [world.ticket_b_id, desk.old]


def test_pages_show_the_totals_and_keep_the_filters(app: Any, client: Any, world: Any, desk: Desk,
                                                    monkeypatch: Any) -> None:
    from sla.desk import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    support.login(client, world.agent)
    page = client.get("/support/?state=all&sort=id").get_data(as_text=True)
    assert "6 incidents" in page and "page 1 of 3" in page
    next_link = re.search(r'<a href="([^"]+)" rel="next">', page)
    assert next_link and "state=all" in next_link.group(1) and "sort=id" in next_link.group(1)
    second = client.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "page 2 of 3" in second and len(_ids(second)) == 2
    assert set(_ids(page)).isdisjoint(_ids(second))


@pytest.mark.parametrize("few", [2, 10_000], ids=["many matches: count and page apart", "few: one ordered read"])
def test_a_searched_lists_pages_and_total_are_the_same_read_once_or_apart(app: Any, client: Any, world: Any,
                                                                          desk: Desk, monkeypatch: Any,
                                                                          few: int) -> None:
    """A search whose matches are at most ``SEARCH_FEW`` is read once for its total and its page; past it, the
    count and the page run apart: either way, the same tickets in the same order, with the same total."""
    from sla.desk import queries, views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(queries, "SEARCH_FEW", few)
    support.login(client, world.agent)
    pages = [client.get(f"/support/?q=o&state=all&sort=id&page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert ["5 incidents" in page for page in pages] == [True, True, True]
    assert [_ids(page) for page in pages] == [[desk.critical, desk.printer], [desk.export, desk.closed], [desk.old]]


@pytest.mark.parametrize("query", ["", "?state=all&sort=title&dir=desc", "?agent=none", "?q=log&state=all",
                                   "?category=1&breach=breached"])
def test_the_csv_holds_exactly_the_filtered_list(app: Any, client: Any, world: Any, desk: Desk, query: str) -> None:
    support.login(client, world.agent)
    assert _csv_ids(client, query) == _list(client, query)


def test_a_client_users_list_and_csv_hold_only_their_own_tickets_without_comments(app: Any, client: Any, world: Any,
                                                                                  desk: Desk) -> None:
    support.login(client, world.user_a)
    own = [desk.critical, desk.printer, desk.closed]
    assert sorted(_list(client, "?state=all")) == sorted(own)
    assert sorted(_list(client, f"?state=all&client={world.client_b}")) == sorted(own)  # ignored for clients
    text = client.get("/support/list.csv?state=all").get_data(as_text=True)
    assert sorted(int(r["id"]) for r in csv.DictReader(io.StringIO(text))) == sorted(own)
    assert "proxy" not in text.lower() and "BETA" not in text


@pytest.mark.parametrize("query", ["?agent=abc", "?agent=-1", "?from=2026-13-01", "?to=yesterday", "?breach=soon",
                                   "?sort=client", "?dir=up", "?category=9", "?category=one", "?state=lost",
                                   "?q=" + "x" * 201, "?q=a%00b"])
@pytest.mark.parametrize("path", ["/support/", "/support/list.csv"])
def test_bad_list_parameters_are_a_400(app: Any, client: Any, world: Any, path: str, query: str) -> None:
    support.login(client, world.agent)
    assert client.get(path + query).status_code == 400


def test_a_page_out_of_range_is_a_400(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.agent)
    assert client.get("/support/?page=0").status_code == 400


def _events(app: Any, ticket_id: int, kind: str) -> list[Any]:
    from app.extensions import db
    from sla.desk.models import TicketEvent

    with app.app_context():
        return list(db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                                    TicketEvent.kind == kind)))


def _agent_of(app: Any, ticket_id: int) -> int | None:
    from app.extensions import db
    from sla.desk.models import Ticket

    with app.app_context():
        return db.session.get(Ticket, ticket_id).assigned_to_id


def _agent_id(app: Any, email: str) -> int:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def test_an_agent_assigns_a_ticket_to_themself_from_the_list_and_goes_back_to_it(app: Any, client: Any, world: Any,
                                                                                 desk: Desk) -> None:
    support.login(client, world.agent)
    page = client.get("/support/?agent=none").get_data(as_text=True)
    button = re.search(rf'formaction="([^"]*/support/{desk.critical}/assign-me[^"]*)"', page)
    assert button and "Assign to me" in page
    response = client.post(button.group(1).replace("&amp;", "&"), data={"csrf_token": support.csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/support/?agent=none")
    assert _agent_of(app, desk.critical) == _agent_id(app, world.agent)
    assert [e.body for e in _events(app, desk.critical, "assigned")] == [world.agent]
    assert desk.critical not in _list(client, "?agent=none") and desk.critical in _list(client, "?agent=me")


def test_an_agent_assigns_a_ticket_to_themself_from_its_page(app: Any, client: Any, world: Any, desk: Desk) -> None:
    support.login(client, world.agent)
    url = f"/support/{desk.critical}"
    page = client.get(url).get_data(as_text=True)
    assert "Nobody has this incident yet." in page
    response = client.post(url + "/assign-me", data={"csrf_token": support.csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert "Assigned to you." in client.get(url).get_data(as_text=True)
    assert len(_events(app, desk.critical, "assigned")) == 1


def test_bulk_assign_gives_every_chosen_ticket_to_the_agent_with_an_event_each(app: Any, client: Any, world: Any,
                                                                                desk: Desk) -> None:
    support.login(client, world.agent)
    page = client.get("/support/").get_data(as_text=True)
    admin = str(world.admin_id)
    response = client.post("/support/assign?next=/support/%3Fagent%3Dnone", data={
        "csrf_token": support.csrf_token(page), "tickets": [str(desk.critical), str(desk.old), str(desk.export)],
        "agent": admin})
    assert response.status_code == 302 and response.headers["Location"].endswith("/support/?agent=none")
    assert [_agent_of(app, t) for t in (desk.critical, desk.old, desk.export)] == [world.admin_id] * 3
    # The export ticket was the admin's already: no second event for it.
    assert len(_events(app, desk.critical, "assigned")) == 1 and len(_events(app, desk.old, "assigned")) == 1
    assert len(_events(app, desk.export, "assigned")) == 1
    assert "2 incidents assigned." in client.get("/support/").get_data(as_text=True)
    client.post("/support/assign", data={"csrf_token": support.csrf_token(page), "tickets": [str(desk.old)],
                                         "agent": "none"})
    assert _agent_of(app, desk.old) is None


@pytest.mark.parametrize("bad", ["missing", "foreign"])
def test_bulk_assign_with_an_unknown_ticket_changes_nothing(app: Any, client: Any, world: Any, desk: Desk,
                                                            bad: str) -> None:
    support.login(client, world.agent)
    page = client.get("/support/").get_data(as_text=True)
    unknown = "999999" if bad == "missing" else str(desk.closed + 1000)
    response = client.post("/support/assign", data={"csrf_token": support.csrf_token(page),
                                                    "agent": str(world.admin_id),
                                                    "tickets": [str(desk.critical), unknown]})
    assert response.status_code == 302
    assert "nothing was assigned" in client.get("/support/").get_data(as_text=True)
    assert _agent_of(app, desk.critical) is None and not _events(app, desk.critical, "assigned")


def test_bulk_assign_is_for_staff_with_a_csrf_token_only(app: Any, client: Any, world: Any, desk: Desk) -> None:
    support.login(client, world.agent)
    data = {"tickets": [str(desk.critical)], "agent": str(world.admin_id)}
    assert client.post("/support/assign", data=data).status_code == 403  # no CSRF token
    assert client.post(f"/support/{desk.critical}/assign-me", data={}).status_code == 403
    assert _agent_of(app, desk.critical) is None
    user = app.test_client()
    support.login(user, world.user_a)
    list_page = user.get("/support/").get_data(as_text=True)
    assert 'name="tickets"' not in list_page and "Assign to me" not in list_page
    token = support.csrf_token(user.get(f"/support/{desk.critical}").get_data(as_text=True))
    assert "Assign to me" not in user.get(f"/support/{desk.critical}").get_data(as_text=True)
    assert user.post("/support/assign", data={**data, "csrf_token": token}).status_code == 404  # staff only
    assert user.post(f"/support/{desk.critical}/assign-me", data={"csrf_token": token}).status_code == 404
    assert _agent_of(app, desk.critical) is None and not _events(app, desk.critical, "assigned")


def test_category_1_is_said_in_words_in_the_list_and_on_the_ticket_page(app: Any, client: Any, world: Any,
                                                                        desk: Desk) -> None:
    support.login(client, world.user_a)
    page = client.get("/support/").get_data(as_text=True)
    row = page[page.index(f'<a href="/support/{desk.critical}">'):].split("</tr>")[0]
    assert "Category 1 – critical" in row
    other = page[page.index(f'<a href="/support/{desk.printer}">'):].split("</tr>")[0]
    assert "critical" not in other
    ticket = client.get(f"/support/{desk.critical}").get_data(as_text=True)
    assert 'class="cat1-banner" role="note"' in ticket and "Category 1 – critical incident" in ticket
    banner = ticket[ticket.index('class="cat1-banner"'):].split("</section>")[0]
    assert "Intervention time" in banner and "data-due=" in banner
    assert "cat1-banner" not in client.get(f"/support/{desk.printer}").get_data(as_text=True)


def _reporting(app: Any, email: str, allowed: bool) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(can_report_incidents=allowed))
        db.session.commit()


def test_a_user_who_may_not_report_is_told_which_colleagues_can(app: Any, client: Any, world: Any) -> None:
    from app import services
    from app.extensions import db
    from app.models import Client, Role

    with app.app_context():
        services.create_user(services.Actor("test"), email="carla@alpha.test", name="Carla Claes", role=Role.CLIENT,
                             password=support.PASSWORD, client=db.session.get(Client, world.client_a))
        db.session.commit()
    _reporting(app, "carla@alpha.test", True)
    _reporting(app, world.user_b, True)  # another client's reporter is never named
    support.login(client, world.user_a)
    page = client.get("/support/").get_data(as_text=True)
    assert "Report an incident" not in page
    assert "these colleagues can" in page and "Carla Claes (carla@alpha.test)" in page and "bert@beta.test" not in page
    _reporting(app, "carla@alpha.test", False)
    page = client.get("/support/").get_data(as_text=True)
    assert "nobody at your company may yet" in page and "Your administrator" in page
    other = app.test_client()
    support.login(other, world.user_b)
    page = other.get("/support/").get_data(as_text=True)
    assert "Report an incident" in page and "may not report" not in page


@pytest.mark.parametrize(("locale", "words"), [("nl", "Categorie 1 – kritiek"), ("fr", "Catégorie 1 – critique")])
def test_the_category_1_marker_and_the_reporters_sentence_are_translated(app: Any, client: Any, world: Any,
                                                                         desk: Desk, locale: str, words: str) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_a).values(locale=locale))
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/support/").get_data(as_text=True)
    assert words in page
    assert "You may not report" not in page

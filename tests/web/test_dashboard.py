"""The dashboards per role: what each number counts, that it links to the list it counts, and tenancy."""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests import support
from tests.dashboard_seed import FOREIGN_ISSUER, FOREIGN_PLATE, FOREIGN_TICKET, seed

FIGURE = re.compile(r'<a class="dash-figure[^"]*" href="([^"]+)"><strong>([\d.,\s\u202f\xa0]+)</strong>'
                    r'<span>(.*?)</span></a>', re.S)
FINES_TOTAL = re.compile(r'class="list-summary"[^>]*>\s*(?:[\d.,\u202f\xa0]+–[\d.,\u202f\xa0]+ of ([\d.,\u202f\xa0]+)'
                         r'|(No fines))')
TICKETS_TOTAL = re.compile(r'class="desk-total"[^>]*>([\d.,\u202f\xa0]+) incidents?')


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def figures(page: str) -> dict[str, tuple[int, str]]:
    """Every figure of the dashboard: its words (without the warning sign) → (number, link)."""
    found: dict[str, tuple[int, str]] = {}
    for href, number, words in FIGURE.findall(page):
        label = re.sub(r"<[^>]+>", "", words).replace("⚠", "").strip()
        key = f"{label} {html.unescape(href)}"
        found[key] = (_number(number), html.unescape(href))
    return found


def list_total(client: Any, href: str) -> int:
    """The total the list behind a figure shows (fines list, support queue, triage, assistance cases)."""
    response = client.get(href)
    assert response.status_code == 200, href
    page = response.get_data(as_text=True)
    if href.startswith("/fines/triage"):
        return len(set(re.findall(r'href="/fines/messages/(\d+)"', page)))
    if href.startswith("/assistance/"):
        return len(set(re.findall(r'href="/assistance/cases/(\d+)"', page)))
    if href.startswith("/support/"):
        match = TICKETS_TOTAL.search(page)
        assert match, f"no total on {href}"
        return _number(match.group(1))
    match = FINES_TOTAL.search(page)
    assert match, f"no total on {href}"
    return 0 if match.group(2) else _number(match.group(1))


def by_link(found: dict[str, tuple[int, str]], fragment: str) -> int:
    """The number of the one figure whose link is exactly ``fragment``."""
    matching = [number for number, href in found.values() if href == fragment]
    assert len(matching) == 1, (fragment, sorted(found))
    return matching[0]


def test_client_dashboard_counts_only_their_own_fines_and_incidents(client: Any, world: Any, clock: Any,
                                                                     app: Any) -> None:
    seeded = seed(app, world)
    support.login(client, world.user_a)
    page = client.get("/").get_data(as_text=True)
    found = figures(page)
    assert by_link(found, "/fines/?state=waiting_info&sort=cutoff&dir=asc") == 2
    assert by_link(found, "/fines/?urgency=overdue&sort=cutoff&dir=asc") == 1
    assert by_link(found, "/fines/?urgency=cutoff_today&sort=cutoff&dir=asc") == 1
    assert by_link(found, "/fines/?urgency=this_week&sort=cutoff&dir=asc") == 1
    assert by_link(found, "/fines/?urgency=later&sort=cutoff&dir=asc") == 1
    assert by_link(found, "/fines/?urgency=unknown&sort=cutoff&dir=asc") == 2  # read and review: no cut-off
    assert by_link(found, "/fines/?from=2026-11-01&to=2026-11-30") == 8  # October's closed fine is not this month's
    assert by_link(found, "/support/?state=open") == 2
    # What waits for Anna, with the reason and the cut-off, nearest first, each linking to its fine.
    first, second = page.index(f'href="/fines/{seeded.waiting_overdue}"'), page.index(
        f'href="/fines/{seeded.waiting_this_week}"')
    assert first < second
    assert "No lease contract for plate 1ABC123 on 2 November 2026." in page
    assert "contract ALPHA-7: missing the driver&#39;s postal address" in page
    assert "Cut-off: 13/11/2026" in page and "cut-off passed" in page
    # Nothing of the other client: not its plate, issuer, incident, nor its numbers.
    assert FOREIGN_PLATE not in page and "9-XYZ-999" not in page and FOREIGN_ISSUER not in page
    assert FOREIGN_TICKET not in page and "Beta Fleet" not in page
    assert "alpha@fines.fleetdesk.test" in page  # the intake address card stays
    assert "Review queue" not in page and "Unassigned tickets" not in page  # the operator's cards are not hers


def test_every_client_number_equals_the_total_of_the_list_it_links_to(client: Any, world: Any, clock: Any,
                                                                       app: Any) -> None:
    seed(app, world)
    support.login(client, world.user_a)
    found = figures(client.get("/").get_data(as_text=True))
    assert len(found) >= 12
    for label, (number, href) in found.items():
        assert list_total(client, href) == number, label


def test_agent_dashboard_counts_operator_wide_and_links_to_the_lists(client: Any, world: Any, clock: Any,
                                                                      app: Any) -> None:
    seeded = seed(app, world)
    support.login(client, world.agent)
    page = client.get("/").get_data(as_text=True)
    found = figures(page)
    assert by_link(found, "/support/?state=open&agent=me") == 1
    assert by_link(found, "/support/?state=open&agent=none") == 3  # Alpha's, and both of Beta's
    assert by_link(found, "/support/?state=open&breach=breached&agent=none") >= 1  # Beta's category 1 of Friday
    assert by_link(found, "/fines/?state=review&sort=received&dir=asc") == 1
    assert by_link(found, "/fines/?state=quarantined&sort=received&dir=asc") == 1
    assert by_link(found, "/fines/?urgency=cutoff_today&sort=cutoff&dir=asc&state=ready") == 1
    assert by_link(found, "/fines/?urgency=overdue&sort=cutoff&dir=asc&state=ready") == 1  # Beta's
    assert 'href="/fines/?state=ready&amp;liability=operator"' in page  # a link, not counted: see its list
    assert list_total(client, "/fines/?state=ready&liability=operator") == 1  # Beta's, complete by its cut-off
    assert by_link(found, "/fines/triage") == 2  # one to give to a client, one unreadable
    assert f'href="/fines/{seeded.review_oldest}"' in page and f'href="/support/{seeded.agent_ticket}"' in page
    assert FOREIGN_TICKET in page  # operator-wide
    for label, (number, href) in found.items():
        assert list_total(client, href) == number, label


def test_admin_keeps_the_client_list_folded_below_the_work(client: Any, world: Any, clock: Any, app: Any) -> None:
    seed(app, world)
    support.login(client, world.admin)
    page = client.get("/").get_data(as_text=True)
    assert page.index("My tickets") < page.index('<details class="card dash-clients">')
    assert "ALPHA" in page and "BETA" in page and "Clients (2)" in page


@pytest.mark.parametrize("who", ["user_a", "agent"])
def test_empty_dashboards_say_kindly_that_nothing_waits(client: Any, world: Any, clock: Any, app: Any,
                                                        who: str) -> None:
    from app.extensions import db
    from fines.models import Fine, IntakeMessage
    from sla.desk.models import Ticket, TicketEvent

    with app.app_context():  # the world's own fine and ticket go: an empty day
        for model in (TicketEvent, Ticket, Fine, IntakeMessage):
            db.session.execute(db.delete(model))
        db.session.commit()
    support.login(client, getattr(world, who))
    page = client.get("/").get_data(as_text=True)
    assert all(number == 0 for number, _href in figures(page).values())
    if who == "user_a":
        assert "Nothing needs you today: no fine waits for your information." in page
        assert "No open incident: all is running." in page
        assert "No fine has arrived this month yet." in page
    else:
        assert "Nothing needs you today: no open ticket is assigned to you." in page
        assert "Every open ticket has an agent." in page
        assert "Nothing at risk today: no complete fine is near its deadline." in page
        assert "No mail waits for triage." in page


def test_dashboard_reads_in_dutch_and_french(client: Any, world: Any, clock: Any, app: Any) -> None:
    seed(app, world)
    support.login(client, world.user_a)
    dutch = client.get("/", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    french = client.get("/", headers={"Accept-Language": "fr-BE"}).get_data(as_text=True)
    assert "Boetes die op u wachten" in dutch
    assert "Amendes qui vous attendent" in french


def test_assistance_cases_show_by_nearest_deadline_to_agents_and_to_their_own_client(client: Any, world: Any,
                                                                                    clock: Any, app: Any) -> None:
    from tests.web.test_assistance_views import _seed as seed_assistance

    case_id = seed_assistance(app, world)["case"]
    link = f'href="/assistance/cases/{case_id}"'
    support.login(client, world.agent)
    page = client.get("/").get_data(as_text=True)
    assert link in page and "Next deadline: " in page
    assert by_link(figures(page), "/assistance/?state=open") == 1
    bert, anna = app.test_client(), app.test_client()
    support.login(bert, world.user_b)
    assert link in bert.get("/").get_data(as_text=True)
    support.login(anna, world.user_a)
    page = anna.get("/").get_data(as_text=True)
    assert link not in page and by_link(figures(page), "/assistance/?state=open") == 0
    assert "No open assistance case." in page


def test_urgency_counts_in_sql_agree_with_cutoff_urgency_over_three_weeks(app: Any, world: Any, clock: Any) -> None:
    from collections import Counter
    from datetime import date, timedelta

    from app.extensions import db
    from fines.models import Fine
    from fines.web.dashboard import urgency_figures
    from fines.workflow.deadlines import cutoff_urgency
    from tests.dashboard_seed import _fine, _message

    day = date(2026, 11, 16)
    cutoffs = [day + timedelta(days=n) for n in range(-3, 19)] + [None]
    with app.test_request_context():
        from app.clock import work_calendar

        calendar = work_calendar()
        db.session.execute(db.delete(Fine))
        message = _message(world.client_a, "urgency")
        db.session.add_all([message, *(_fine(message, world.client_a, "matched", cutoff=c) for c in cutoffs)])
        db.session.flush()
        expected = Counter(cutoff_urgency(c, day, calendar).value for c in cutoffs)
        found = {f.code: f.count for f in urgency_figures(world.client_a, calendar, day)}
        db.session.rollback()
    assert found == dict(expected)


OVERVIEW_TILE = re.compile(r'<div class="tile[^"]*"><a href="([^"]+)"><strong>([\d.,\s\u202f\xa0]+)</strong>', re.S)


@pytest.mark.parametrize("who", ["user_a", "agent"])
def test_every_overview_tile_equals_the_total_of_the_list_it_links_to(client: Any, world: Any, clock: Any,
                                                                      app: Any, who: str) -> None:
    seed(app, world)
    support.login(client, getattr(world, who))
    tiles = OVERVIEW_TILE.findall(client.get("/fines/overview").get_data(as_text=True))
    assert [html.unescape(href).split("urgency=")[1].split("&")[0] for href, _ in tiles] == [
        "overdue", "cutoff_today", "this_week", "later", "unknown"]
    for href, number in tiles:
        assert list_total(client, html.unescape(href)) == _number(number), href

"""Restore requests in the browser, per role: the client asks and chooses, the agent sees the backups and restores.

Real backups are made by ``backups.services.run_backup`` into a fresh folder; the app's clock is frozen on
Monday 16 November 2026, 10:00 in Brussels.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import support

BXL = ZoneInfo("Europe/Brussels")


@pytest.fixture()
def backups_made(app: Any, world: Any, tmp_path: Path) -> Any:
    """Monday's nightly backups (06:30) of the server copy and of datacenter storage."""
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import User
    from backups import services
    from backups.policy import Tier

    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    try:
        with app.app_context():
            db.session.execute(sa.update(User).where(User.email == world.user_a).values(can_report_incidents=True))
            db.session.commit()
            for tier in (Tier.SERVER_DB, Tier.DC_DB):
                services.run_backup(app.config, db.engine, tier, datetime(2026, 11, 16, 6, 30, tzinfo=BXL),
                                    work_calendar())
        yield world
    finally:
        app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def _offered(page: str) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', page))


def _act(browser: Any, url: str, action: str, body: str = "") -> Any:
    token = support.csrf_token(browser.get(url).get_data(as_text=True))
    return browser.post(url + "/act", data={"csrf_token": token, "action": action, "body": body})


def _ask_for_a_restore(client: Any, world: Any) -> str:
    support.login(client, world.user_a)
    page = client.get("/support/new").get_data(as_text=True)
    assert "For a restore request" in page and "Data to restore" in page
    response = client.post("/support/new", data={
        "csrf_token": support.csrf_token(page), "kind": "restore", "title": "Yesterday's fines are gone",
        "description": "An import overwrote this morning's fines.", "level": "3", "impact": "all",
        "restore_what": "fines", "restore_point": "2026-11-16T09:00"})
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_a_client_asks_for_a_restore_and_sees_its_clock_but_not_the_backups(app: Any, client: Any, clock: Any,
                                                                          backups_made: Any) -> None:
    url = _ask_for_a_restore(client, backups_made)
    page = client.get(url).get_data(as_text=True)
    assert "Restore request" in page and "Restore time" in page and "1 workday" in page
    assert "16 November 2026" in page  # the moment asked for, in words
    assert "Verified backups that can serve it" not in page and "server-db-2026-11-16" not in page
    assert "leaves its retention on 18 November 2026" in page  # the client is warned too
    assert client.post(url + "/restore/done", data={"backup": "server-db-2026-11-16"}).status_code in (302, 403)
    with app.app_context():
        from app.extensions import db
        from sla.desk.models import Ticket

        ticket = db.session.scalars(sa.select(Ticket).where(Ticket.kind == "restore")).one()
        assert not [e for e in ticket.events if e.kind == "restore_done"]


def test_a_restore_request_goes_from_the_client_to_the_desk_and_back_in_the_browser(
        app: Any, client: Any, clock: Any, backups_made: Any) -> None:
    url = _ask_for_a_restore(client, backups_made)
    agent = app.test_client()
    support.login(agent, backups_made.agent)
    page = agent.get(url).get_data(as_text=True)
    assert "Verified backups that can serve it" in page
    assert "server-db-2026-11-16" in page and "dc-db-2026-11-16" in page
    # the server copy (kept 2 days) leaves retention on Wednesday, within 2 workdays: warn
    assert "leaves its retention on" in page and 'role="alert"' in page

    clock.advance(timedelta(minutes=10))
    assert _act(agent, url, "acknowledge").status_code == 302
    clock.advance(timedelta(minutes=20))
    assert "ask_choice" in _offered(agent.get(url).get_data(as_text=True))
    assert _act(agent, url, "ask_choice", "Monday 07:30 (before the import)?").status_code == 302
    assert "waiting for the client" in agent.get(url).get_data(as_text=True)

    clock.advance(timedelta(hours=2))
    client_page = client.get(url).get_data(as_text=True)
    assert "answer_choice" in _offered(client_page) and "The version to restore" in client_page
    assert _act(client, url, "answer_choice", "Monday 07:30, please.").status_code == 302

    clock.advance(timedelta(hours=1))
    page = agent.get(url).get_data(as_text=True)
    response = agent.post(url + "/restore/done", data={"csrf_token": support.csrf_token(page),
                                                       "backup": "server-db-2026-11-16"})
    assert response.status_code == 302
    page = agent.get(url).get_data(as_text=True)
    assert "Restore recorded." in page and "Restored on" in page and "In time." in page
    assert "leaves its retention" not in page  # restored: no warning any more
    client_page = client.get(url).get_data(as_text=True)
    assert "Restored on" in client_page and "data restored" in client_page

    report = agent.get("/support/reports?month=2026-11").get_data(as_text=True)
    assert "Restore requests" in report
    assert "Asked: 1 · done in time: 1 · later than the target: 0 · still open: 0" in report
    assert "Asked: 1" in client.get("/support/reports?month=2026-11").get_data(as_text=True)


def test_a_request_for_a_moment_before_every_kept_backup_says_it_came_too_late(
        app: Any, client: Any, clock: Any, backups_made: Any) -> None:
    support.login(client, backups_made.agent)
    page = client.get("/support/new").get_data(as_text=True)
    response = client.post("/support/new", data={
        "csrf_token": support.csrf_token(page), "client_id": str(backups_made.client_a), "channel": "phone",
        "kind": "restore", "title": "Contracts of last month", "description": "Lost a month ago.", "level": "2",
        "impact": "few", "restore_what": "contracts", "restore_point": "2026-10-01T12:00"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No verified backup from that moment or before is kept" in page and "SLA 7.2" in page


def test_a_restore_request_needs_its_moment_and_not_one_in_the_future(app: Any, client: Any, clock: Any,
                                                                     backups_made: Any) -> None:
    support.login(client, backups_made.user_a)
    page = client.get("/support/new").get_data(as_text=True)
    data = {"csrf_token": support.csrf_token(page), "kind": "restore", "title": "Lost", "description": "Lost.",
            "level": "2", "impact": "few", "restore_what": "file"}
    missing = client.post("/support/new", data=data)
    assert missing.status_code == 422 and "Say to which moment" in missing.get_data(as_text=True)
    future = client.post("/support/new", data={**data, "restore_point": "2026-11-17T09:00"})
    assert future.status_code == 422 and "cannot be in the future" in future.get_data(as_text=True)


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_restore_request_page_speaks_each_language(app: Any, client: Any, clock: Any, backups_made: Any,
                                                       language: str) -> None:
    url = _ask_for_a_restore(client, backups_made)
    agent = app.test_client()
    support.login(agent, backups_made.agent)
    for browser in (client, agent):
        response = browser.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200
    words = {"nl": "Herstelaanvraag", "fr": "Demande de restauration", "en": "Restore request"}[language]
    assert words in agent.get(url, headers={"Accept-Language": language}).get_data(as_text=True)


def test_the_restore_requests_of_the_month_download_as_csv(app: Any, client: Any, clock: Any,
                                                           backups_made: Any) -> None:
    _ask_for_a_restore(client, backups_made)
    text = client.get("/support/reports-restores.csv?month=2026-11").get_data(as_text=True)
    header, line = text.splitlines()
    assert header == "scope,incident,client,reported_at,target_workdays,due,restored_at,used_h,waiting_h,state,met"
    cells = line.split(",")
    assert cells[0] == cells[2] == "ALPHA" and cells[3:5] == ["2026-11-16T09:00:00+00:00", "1"]
    assert cells[6] == "" and cells[-2:] == ["running", ""]
    assert client.get("/support/reports-restores.csv?month=2026-10").get_data(as_text=True).count("\n") == 1

"""Restore requests (SLA 7.2, 7.6) on the real database, with real backups made by ``backups.services.run_backup``.

The support desk sees the verified backups through the platform's catalogue (``app.backup_catalogue``),
never by importing backups; the restore clock pauses while waiting for the client's choice of version.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

BXL = ZoneInfo("Europe/Brussels")
MON = datetime(2026, 11, 16, 6, 30, tzinfo=BXL)  # the nightly backups of Monday and Tuesday
TUE = datetime(2026, 11, 17, 6, 30, tzinfo=BXL)
WED = datetime(2026, 11, 18, 10, 0, tzinfo=BXL)  # the request


def _calendar() -> Any:
    from app.clock import work_calendar

    return work_calendar()


def _agent() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


@pytest.fixture()
def ctx(app: Any, world: Any, tmp_path: Path) -> Any:
    """Monday's and Tuesday's real backups of the server copy and of datacenter storage, in a fresh folder."""
    from app.extensions import db
    from backups import services
    from backups.policy import Tier

    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    try:
        with app.app_context():
            for when in (MON, TUE):
                for tier in (Tier.SERVER_DB, Tier.DC_DB, Tier.DC_FILES):
                    services.run_backup(app.config, db.engine, tier, when, _calendar())
            yield world
            db.session.rollback()
    finally:
        app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def _request(world: Any, what: str = "fines", point: datetime = datetime(2026, 11, 17, 12, 0, tzinfo=BXL),
             at: datetime = WED) -> Any:
    from app.extensions import db
    from app.models import Client
    from sla.desk import services

    return services.open_restore_request(
        _agent(), client=db.session.get(Client, world.client_a), reporter=None, title="Fines of yesterday lost",
        description="A wrong import overwrote yesterday's fines.", what=what, point=point, level=3,
        impact="all", channel="phone", now=at, calendar=_calendar())


def test_the_desk_sees_the_verified_backups_that_can_serve_the_request(ctx: Any) -> None:
    from sla.desk import services
    from sla.desk.clock import RetentionState, retention_state

    ticket = _request(ctx)
    candidates = services.restore_candidates(ticket)
    assert [c.ident for c in candidates] == ["server-db-2026-11-17", "dc-db-2026-11-17", "server-db-2026-11-16",
                                             "dc-db-2026-11-16"]  # fines live in the database: no file backups
    server = candidates[0]
    assert (server.storage, server.restore_workdays, server.taken_at) == ("server", 1, TUE)
    assert server.expires_at.astimezone(BXL).date().isoformat() == "2026-11-19"  # the server copy: 2 days
    assert candidates[1].storage == "datacenter" and candidates[1].restore_workdays == 2
    # the backup it needs is the server copy of Tuesday, which leaves retention on Thursday: warn
    assert retention_state(server.expires_at, WED, _calendar()) is RetentionState.LEAVING
    files = services.restore_candidates(_request(ctx, what="file"))
    assert {c.tier for c in files} == {"dc-files"}


def test_a_request_for_a_moment_before_every_kept_backup_finds_none(ctx: Any) -> None:
    from sla.desk import services
    from sla.desk.clock import RetentionState, retention_state

    ticket = _request(ctx, point=datetime(2026, 11, 15, 12, 0, tzinfo=BXL))
    assert services.restore_candidates(ticket) == []
    assert retention_state(None, WED, _calendar()) is RetentionState.NONE


def test_the_restore_clock_pauses_for_the_clients_choice_and_the_restore_is_met(ctx: Any) -> None:
    from sla.desk import reports, services

    ticket = _request(ctx)
    assert (ticket.kind, ticket.restore_what, ticket.restore_point) == ("restore", "fines",
                                                                        datetime(2026, 11, 17, 12, 0, tzinfo=BXL))
    cal = _calendar()
    services.act(ticket, "acknowledge", _agent(), now=WED.replace(hour=10, minute=20), calendar=cal)
    services.act(ticket, "ask_choice", _agent(), now=WED.replace(hour=11), calendar=cal,
                 body="Tuesday 06:30 or Monday 06:30?")
    assert ticket.state == "waiting_client" and ticket.clock_state == "paused"
    services.act(ticket, "answer_choice", _agent(), now=datetime(2026, 11, 19, 9, 0, tzinfo=BXL), calendar=cal,
                 body="Tuesday, please.", staff=False)
    server = services.restore_candidates(ticket)[0]
    # 1 workday from Wednesday 10:00: 1 h used before the wait, 6.5 h left from Thursday 09:00
    status = services.restore_status_of(ticket, datetime(2026, 11, 19, 9, 0, tzinfo=BXL), cal)
    assert status is not None and status.due == datetime(2026, 11, 19, 16, 30, tzinfo=BXL)
    services.record_restore(ticket, _agent(), server, datetime(2026, 11, 19, 11, 0, tzinfo=BXL), cal)
    assert ticket.restore_source == "server-db" and ticket.restore_workdays == 1
    done = services.restore_status_of(ticket, datetime(2026, 11, 19, 12, 0, tzinfo=BXL), cal)
    assert done is not None and done.met is True and done.elapsed.total_seconds() == 3 * 3600
    assert [e.kind for e in ticket.events if e.kind.startswith(("choice", "restore"))] == [
        "choice_asked", "choice_given", "restore_source", "restore_done"]
    restored = services.restored(ticket)
    assert restored is not None and restored.data["backup"] == "server-db-2026-11-17"

    summary = reports.monthly_restores(None, datetime(2026, 11, 1).date(), datetime(2026, 11, 30, tzinfo=BXL), cal)
    assert (summary.asked, summary.in_time, summary.breached, summary.open) == (1, 1, 0, 0)
    assert summary.lines[0].ticket_id == ticket.id and summary.lines[0].elapsed_h == 3.0


def test_a_datacenter_restore_has_two_workdays_and_late_is_breached(ctx: Any) -> None:
    from sla.desk import reports, services

    ticket = _request(ctx)
    cal = _calendar()
    services.act(ticket, "acknowledge", _agent(), now=WED.replace(hour=10, minute=20), calendar=cal)
    datacenter = next(c for c in services.restore_candidates(ticket) if c.tier == "dc-db")
    services.choose_source(ticket, _agent(), datacenter, WED.replace(hour=10, minute=30))
    status = services.restore_status_of(ticket, WED.replace(hour=11), cal)
    assert status is not None and status.workdays == 2
    assert status.due == datetime(2026, 11, 20, 10, 0, tzinfo=BXL)  # Friday 10:00
    services.record_restore(ticket, _agent(), datacenter, datetime(2026, 11, 20, 10, 30, tzinfo=BXL), cal)
    summary = reports.monthly_restores(ctx.client_a, datetime(2026, 11, 1).date(),
                                       datetime(2026, 11, 30, tzinfo=BXL), cal)
    assert (summary.asked, summary.in_time, summary.breached) == (1, 0, 1)
    assert reports.monthly_restores(ctx.client_b, datetime(2026, 11, 1).date(),
                                    datetime(2026, 11, 30, tzinfo=BXL), cal).asked == 0


def test_the_desk_refuses_what_a_restore_request_does_not_allow(ctx: Any) -> None:
    from app.services import ServiceError
    from sla.desk import services

    with pytest.raises(ServiceError, match="cannot be in the future"):
        _request(ctx, point=datetime(2026, 11, 19, 12, 0, tzinfo=BXL))
    with pytest.raises(ServiceError, match="which data"):
        _request(ctx, what="mood")
    ticket = _request(ctx)
    cal = _calendar()
    services.act(ticket, "acknowledge", _agent(), now=WED.replace(hour=10, minute=20), calendar=cal)
    services.act(ticket, "wait_client", _agent(), now=WED.replace(hour=10, minute=30), calendar=cal,
                 body="Is it urgent?")
    assert "answer_choice" not in services.available_actions(ticket, staff=False)  # a plain wait: a comment
    with pytest.raises(ServiceError, match="not asked you"):
        services.act(ticket, "answer_choice", _agent(), now=WED.replace(hour=10, minute=40), calendar=cal,
                     body="Tuesday", staff=False)
    newer = _request(ctx, point=datetime(2026, 11, 16, 12, 0, tzinfo=BXL))
    tuesday = next(c for c in services.restore_candidates(ticket) if c.ident == "server-db-2026-11-17")
    with pytest.raises(ServiceError, match="taken after the moment"):
        services.choose_source(newer, _agent(), tuesday, WED)
    incident = services.open_ticket(_agent(), client=ticket.client, reporter=None, title="Slow", description="x",
                                    level=1, impact="few", channel="phone", now=WED, calendar=cal)
    assert "ask_choice" not in services.available_actions(incident, staff=True)
    assert services.restore_status_of(incident, WED, cal) is None

"""The support desk on the real database: reporting, the life of a ticket, clocks, escalation, warnings, reports."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

BXL = ZoneInfo("Europe/Brussels")
MON = datetime(2026, 11, 23, 9, 0, tzinfo=BXL)  # a Monday, no holiday


def _calendar() -> Any:
    from app.clock import work_calendar

    return work_calendar()


def _agent() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


@pytest.fixture()
def ctx(app: Any, world: Any) -> Any:
    from app.extensions import db

    with app.app_context():
        yield world
        db.session.rollback()


def _open(world: Any, level: int = 2, impact: str = "few", at: datetime = MON, reporter: Any = None) -> Any:
    from app.extensions import db
    from app.models import Client
    from sla.desk import services

    return services.open_ticket(_agent(), client=db.session.get(Client, world.client_a), reporter=reporter,
                                title="Fines list does not load", description="Since this morning", level=level,
                                impact=impact, channel="phone", now=at, calendar=_calendar())


def test_only_authorised_reporters_of_a_client_may_report(ctx: Any) -> None:
    from app.extensions import db
    from app.models import User
    from app.services import ServiceError

    anna = db.session.get(User, ctx.user_a_id)
    with pytest.raises(ServiceError, match="authorised reporters"):
        _open(ctx, reporter=anna)
    anna.can_report_incidents = True
    ticket = _open(ctx, level=4, impact="all", reporter=anna)
    assert ticket.category == 1 and ticket.events[0].kind == "reported"


def test_life_of_a_ticket_with_a_pause_waiting_on_the_client(ctx: Any) -> None:
    from sla.desk import services

    ticket = _open(ctx, level=3, impact="substantial")  # category 3: reaction 2 h, intervention 16 h
    assert ticket.category == 3
    services.act(ticket, "acknowledge", _agent(), now=MON.replace(hour=9, minute=40), calendar=_calendar())
    services.act(ticket, "start", _agent(), now=MON.replace(hour=9, minute=45), calendar=_calendar())
    services.act(ticket, "wait_client", _agent(), now=MON.replace(hour=10), calendar=_calendar(),
                 body="Which browser do you use?")
    assert ticket.state == "waiting_client" and ticket.clock_state == "paused"
    services.act(ticket, "resume", _agent(), now=MON.replace(hour=14), calendar=_calendar())
    services.act(ticket, "resolve", _agent(), now=MON.replace(hour=15), calendar=_calendar())
    status = services.status_of(ticket, MON.replace(hour=16), _calendar())
    assert status.reaction_met is True and status.reaction_elapsed.total_seconds() == 40 * 60
    # 09:00-10:00 and 14:00-15:00 count; the wait on the client (10:00-14:00) does not.
    assert status.intervention_elapsed.total_seconds() == 2 * 3600 and status.intervention_met is True
    services.act(ticket, "close", _agent(), now=MON.replace(hour=16), calendar=_calendar())
    assert ticket.state == "closed" and not ticket.is_open and ticket.nearest_breach is None


@pytest.mark.parametrize(("state_action", "action", "staff"), [
    (None, "resolve", True),           # a new ticket is acknowledged first
    (None, "acknowledge", False),      # clients only comment
    ("acknowledge", "resume", True),   # nothing to resume
    ("acknowledge", "status_report", True),  # a status report needs a text
])
def test_refused_actions_leave_the_ticket_as_it_was(ctx: Any, state_action: str | None, action: str,
                                                    staff: bool) -> None:
    from app.services import ServiceError
    from sla.desk import services

    ticket = _open(ctx)
    if state_action:
        services.act(ticket, state_action, _agent(), now=MON.replace(hour=9, minute=30), calendar=_calendar())
    before = (ticket.state, len(ticket.events))
    with pytest.raises(ServiceError):
        services.act(ticket, action, _agent(), now=MON.replace(hour=10), calendar=_calendar(), staff=staff)
    assert (ticket.state, len(ticket.events)) == before


def test_category_3_escalates_after_8_working_hours_and_the_moment_is_recorded(ctx: Any) -> None:
    from sla.desk import services

    ticket = _open(ctx, level=2, impact="all")  # category 3
    services.act(ticket, "acknowledge", _agent(), now=MON.replace(hour=9, minute=30), calendar=_calendar())
    tuesday_noon = datetime(2026, 11, 24, 11, 0, tzinfo=BXL)
    services.refresh(ticket, tuesday_noon, _calendar())
    # Monday 09:00-12:00 and 13:00-17:00 make 7 h; the 8th ends Tuesday 09:30.
    escalations = [e for e in ticket.events if e.kind == "escalated"]
    assert ticket.category == 2 and len(escalations) == 1
    assert escalations[0].at == datetime(2026, 11, 24, 9, 30, tzinfo=BXL)
    services.refresh(ticket, tuesday_noon, _calendar())
    assert len([e for e in ticket.events if e.kind == "escalated"]) == 1  # recorded once


def test_a_correction_recomputes_the_category_from_the_report_time(ctx: Any) -> None:
    from sla.desk import services

    ticket = _open(ctx, level=1, impact="few")  # category 5
    assert ticket.category == 5
    services.correct(ticket, _agent(), level=4, impact="all", reason="nobody can log in",
                     now=MON.replace(hour=9, minute=10), calendar=_calendar())
    status = services.status_of(ticket, MON.replace(hour=9, minute=10), _calendar())
    assert ticket.category == 1 and status.reaction_due == MON.replace(hour=9, minute=30)
    assert ticket.events[-1].kind == "corrected" and ticket.events[-1].data["to"]["category"] == 1


def test_restoring_data_is_excluded_from_category_1_intervention(ctx: Any) -> None:
    from sla.desk import services

    ticket = _open(ctx, level=4, impact="all")
    cal = _calendar()
    services.act(ticket, "acknowledge", _agent(), now=MON.replace(hour=9, minute=10), calendar=cal)
    services.act(ticket, "restore_start", _agent(), now=MON.replace(hour=10), calendar=cal)
    services.act(ticket, "restore_end", _agent(), now=MON.replace(hour=14), calendar=cal)
    services.act(ticket, "resolve", _agent(), now=MON.replace(hour=15), calendar=cal)
    status = services.status_of(ticket, MON.replace(hour=15), cal)
    assert status.intervention_elapsed.total_seconds() == 2 * 3600  # 09-10 and 14-15; the restore is excluded


def test_warnings_go_to_agents_once_and_only_in_working_hours(app: Any, world: Any, smtp_sink: Any) -> None:
    from app.extensions import db
    from sla.desk import jobs

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        with app.app_context():
            ticket = _open(world, level=4, impact="all")  # category 1: reaction within 30 min
            db.session.commit()
            evening = jobs.watch_clocks(datetime(2026, 11, 23, 18, 0, tzinfo=BXL))
            assert evening["warnings"] == 0 and smtp_sink.messages == []
            first = jobs.watch_clocks(MON.replace(hour=9, minute=25))  # 25 of 30 minutes: warning
            again = jobs.watch_clocks(MON.replace(hour=9, minute=26))
            assert smtp_sink.messages == []  # the warning leaves with the commit, not before
            db.session.commit()
            assert first["warnings"] >= 1 and again["warnings"] == 0
            kinds = [e.data.get("key") for e in ticket.events if e.kind == "warning"]
            assert any(k.startswith("reaction:warning") for k in kinds)
    finally:
        app.config.update(SMTP_PORT=25)
    assert len(smtp_sink.messages) == 1 and "Reaction time nearly due" in smtp_sink.messages[0].get_content()


def test_monthly_report_counts_what_was_met(ctx: Any) -> None:
    from sla.desk import reports, services

    cal = _calendar()
    fast = _open(ctx, level=3, impact="substantial")
    services.act(fast, "acknowledge", _agent(), now=MON.replace(hour=9, minute=30), calendar=cal)
    services.act(fast, "resolve", _agent(), now=MON.replace(hour=11), calendar=cal)
    slow = _open(ctx, level=3, impact="substantial")
    services.act(slow, "acknowledge", _agent(), now=MON.replace(hour=14), calendar=cal)  # 4 h: late
    lines = reports.monthly(ctx.client_a, date(2026, 11, 1), MON.replace(hour=16), cal)
    [line] = lines
    assert line.category == 3 and line.incidents == 2 and line.reaction_met_pct == 50.0
    assert "3,2,50.0" in reports.as_csv(lines, "ALPHA")


@pytest.mark.parametrize("action", ["wait_client", "resolve", "acknowledge", "note"])
def test_an_action_on_a_ticket_whose_events_were_not_loaded_records_one_event(ctx: Any, action: str) -> None:
    """A ticket read afresh (its events not loaded yet), as a request reads it: the new event is there once."""
    from app.extensions import db
    from sla.desk import services
    from sla.desk.models import Ticket

    ticket = _open(ctx, level=3, impact="substantial")
    if action != "acknowledge":
        services.act(ticket, "acknowledge", _agent(), now=MON.replace(hour=9, minute=40), calendar=_calendar())
    db.session.commit()
    ticket_id = ticket.id
    db.session.expunge_all()
    fresh = db.session.get(Ticket, ticket_id)
    assert fresh is not None and "events" not in sa.inspect(fresh).dict  # not loaded
    event = services.act(fresh, action, _agent(), now=MON.replace(hour=10), calendar=_calendar(), body="Which browser?")
    assert [e for e in fresh.events if e is event] == [event]
    kind = event.kind
    db.session.commit()
    db.session.expunge_all()
    kinds = [e.kind for e in db.session.get(Ticket, ticket_id).events]
    assert kinds.count(kind) == 1 and len(kinds) == (2 if action == "acknowledge" else 3)


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 16, 10, 0, tzinfo=BXL),  # a Monday morning
    datetime(2026, 11, 21, 23, 0, tzinfo=BXL),  # a Saturday night: the demo counts back in working time
])
def test_the_demo_shows_tickets_in_every_clock_state_relative_to_the_apps_clock(app: Any, clock: Any,
                                                                                moment: datetime) -> None:
    from app import services as platform
    from app.extensions import db
    from sla.desk import services
    from sla.desk.demo import load_demo_tickets
    from sla.desk.models import Ticket
    from sla.uptime import services as uptime_services
    from sla.uptime.demo import load_demo_uptime
    from sla.uptime.models import MaintenanceWindow, Outage

    clock.set(moment)
    with app.app_context():
        for code, name in (("ACME", "ACME Lease NV"), ("BRAFL", "Brabant Fleet BV")):
            platform.add_client(platform.Actor("test"), code, name, "fines.fleetdesk.test")
        load_demo_tickets(app)
        load_demo_uptime(app)
        db.session.commit()
        tickets = list(db.session.scalars(sa.select(Ticket)))
        statuses = {t.title: services.status_of(t, moment, _calendar()) for t in tickets}
        cached = {t.clock_state for t in tickets}
        assert {"running", "warning", "breached", "paused", "done"} <= cached
        assert {t.state for t in tickets} >= {"new", "acknowledged", "in_progress", "waiting_client", "resolved",
                                              "closed"} - {"acknowledged"}
        assert statuses["Nobody can log in"].reaction_state.value == "warning"
        assert statuses["Search by plate returns nothing"].intervention_state.value == "met"
        assert statuses["Login slow"].intervention_state.value == "missed"
        restoring = next(t for t in tickets if t.title == "Contracts disappeared after the import")
        assert restoring.category == 1 and [e.kind for e in restoring.events][-1] == "status_report"
        restore_kinds = [e.kind for e in restoring.events]
        assert "restore_start" in restore_kinds and "restore_end" not in restore_kinds
        assert "reopen" in [e.kind for e in db.session.scalars(sa.select(Ticket).where(
            Ticket.title == "Password reset mail does not arrive")).one().events]
        assert all(t.reported_at < moment for t in tickets)
        outages = list(db.session.scalars(sa.select(Outage)))
        assert len(outages) == 3 and {o.source for o in outages} == {"probe", "manual"}
        assert all(o.ended_at is not None and o.ended_at < moment for o in outages)
        windows = list(db.session.scalars(sa.select(MaintenanceWindow)))
        assert any(w.starts_at > moment for w in windows) and any(w.ends_at < moment for w in windows)
        since = uptime_services.measured_since(_calendar())
        assert since is not None and since < moment - timedelta(days=90)

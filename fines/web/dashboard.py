"""The fines' cards on the dashboard: what a client must do and by when; what the operator must not miss.

Every figure is one grouped COUNT over indexed columns (``ix_fines_client_id_state_cutoff``,
``ix_fines_state_cutoff``, ``ix_fines_client_id_created_at``, ``ix_intake_messages_status_received_at``),
every list is LIMITed, and every figure comes with the address of the list it counts (the parameters
of the fines list: ``state``, ``urgency``, ``liability``, ``from``, ``to``, ``sort``, ``dir``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app import charts, formatting
from app.clock import now, today, work_calendar
from app.extensions import db
from app.models import Client
from app.workcalendar import WorkCalendar
from fines.models import Fine, IntakeMessage
from fines.web import labels
from fines.workflow.deadlines import Liable, Urgency, cutoff_urgency
from fines.workflow.queries import open_condition, this_week_end
from fines.workflow.states import FineState

#: Rows a list on the dashboard shows at most (the figure beside it links to the whole list).
LIST_ROWS = 10
#: The urgencies of open fines, most pressing first (``fines.workflow.deadlines.cutoff_urgency``).
URGENCIES: tuple[str, ...] = (Urgency.OVERDUE.value, Urgency.CUTOFF_TODAY.value, Urgency.THIS_WEEK.value,
                              Urgency.LATER.value, Urgency.UNKNOWN.value)
#: The urgencies at which a complete fine is at risk on the operator's side (its deadline is near).
AT_RISK: tuple[str, ...] = (Urgency.OVERDUE.value, Urgency.CUTOFF_TODAY.value, Urgency.THIS_WEEK.value)
#: The states of this month's fines, in the order work flows.
MONTH_STATES: tuple[str, ...] = tuple(state.value for state in (
    FineState.RECEIVED, FineState.READ, FineState.REVIEW, FineState.MATCHED, FineState.WAITING_INFO,
    FineState.READY, FineState.PROCESSED, FineState.CLOSED, FineState.QUARANTINED, FineState.DUPLICATE,
    FineState.CANCELLED))
#: The statuses of mail set aside (the triage screen lists both).
MAIL_ASIDE: tuple[str, ...] = ("triage", "quarantined")


@dataclass(frozen=True)
class Figure:
    """One number of a card, what it counts (a code the template words), and the list it counts."""

    code: str
    count: int
    href: str

    @property
    def tone(self) -> str:
        """How loudly the figure speaks (a CSS class; the words say the same): passed, due today, or calm."""
        return {Urgency.OVERDUE.value: "bad", Urgency.CUTOFF_TODAY.value: "warn"}.get(self.code, "")


def _urgency_case(day: date, week_end: date) -> Any:
    """The urgency of an open fine's cut-off as SQL, as ``cutoff_urgency`` decides it."""
    return sa.case((Fine.cutoff.is_(None), Urgency.UNKNOWN.value),
                   (Fine.cutoff < day, Urgency.OVERDUE.value),
                   (Fine.cutoff == day, Urgency.CUTOFF_TODAY.value),
                   (Fine.cutoff <= week_end, Urgency.THIS_WEEK.value),
                   else_=Urgency.LATER.value)


def _scoped(query: Any, client_id: int | None) -> Any:
    # The session's tenancy already keeps a client user to their own; saying it again lets the
    # (client_id, state, cutoff) index serve the count.
    return query if client_id is None else query.where(Fine.client_id == client_id)


def urgency_figures(client_id: int | None, calendar: WorkCalendar, day: date, *,
                    state: str | None = None) -> list[Figure]:
    """Open fines (or those in ``state``) by the urgency of their cut-off, in one grouped query."""
    urgency = _urgency_case(day, this_week_end(calendar, day)).label("urgency")
    kept = Fine.state == state if state else open_condition()
    query = _scoped(sa.select(urgency, sa.func.count()).select_from(Fine).where(kept), client_id)
    counts = {code: int(n) for code, n in db.session.execute(query.group_by(urgency))}
    return [Figure(code, counts.get(code, 0), url_for("fines.index", urgency=code, sort="cutoff", dir="asc",
                                                      state=state)) for code in URGENCIES]


def _month(moment: datetime, calendar: WorkCalendar) -> tuple[datetime, datetime, date, date]:
    """This month's bounds as instants (Brussels midnights) and as its first and last days."""
    local = moment.astimezone(calendar.zone)
    first = local.date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime(first.year, first.month, 1, tzinfo=calendar.zone)
    end = datetime(following.year, following.month, 1, tzinfo=calendar.zone)
    return start, end, first, following - timedelta(days=1)


def month_figures(client_id: int | None, moment: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """This month's fines (by the day they arrived) by state, in one grouped query."""
    start, end, first, last = _month(moment, calendar)
    query = _scoped(sa.select(Fine.state, sa.func.count()).where(Fine.created_at >= start, Fine.created_at < end)
                    .group_by(Fine.state), client_id)
    counts = {str(getattr(state, "value", state)): int(n) for state, n in db.session.execute(query)}
    span: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat()}
    figures = [Figure(code, counts[code], url_for("fines.index", state=code, **span))
               for code in MONTH_STATES if counts.get(code)]
    total = sum(counts.values())
    return {"month": first, "total": total, "figures": figures, "href": url_for("fines.index", **span),
            "chart": month_chart(first, figures, total) if figures else None}


def month_chart(month: date, figures: list[Figure], total: int) -> Markup:
    """This month's fines by state as bars (``app.charts``: SVG with its table of figures)."""
    text = charts.Text(
        title=_("Fines this month by state"),
        desc=_("The %(n)s fines that arrived in %(month)s, by the state they are in now.",
               n=formatting.number(total), month=formatting.month(month)),
        table_summary=_("The figures"), category_heading=_("State"))
    return Markup(charts.bar_chart(  # app.charts escapes every text
        text, [labels.label("state", f.code) for f in figures], [float(f.count) for f in figures],
        _tick, chart_id="dash-fines-month", name=_("Fines")))


def _tick(value: float) -> str:
    """A count on the chart's axis: whole numbers as they are, a half step with its decimal."""
    return formatting.number(value, 0 if value == int(value) else 1)


def waiting_for_client(client_id: int | None, calendar: WorkCalendar, day: date,
                       limit: int = LIST_ROWS) -> dict[str, Any]:
    """The fines waiting for the client, nearest cut-off first (light rows with their urgency), and how many."""
    where = (Fine.state == FineState.WAITING_INFO.value,)
    total = db.session.scalar(_scoped(sa.select(sa.func.count()).select_from(Fine).where(*where), client_id)) or 0
    light = _scoped(sa.select(Fine.id, Fine.plate, Fine.issuer, Fine.notice_number, Fine.cutoff, Fine.match_reason_code,
                              Fine.match_reason_params).where(*where), client_id)
    # Known cut-offs first, then the unknown ones: two walks of the (client_id, state, cutoff) index that
    # stop after ``limit`` rows, where one ORDER BY putting NULLs last would sort every waiting fine.
    rows = list(db.session.execute(light.where(Fine.cutoff.is_not(None)).order_by(Fine.cutoff, Fine.id).limit(limit)))
    if len(rows) < limit:
        rows += db.session.execute(light.where(Fine.cutoff.is_(None)).order_by(Fine.id).limit(limit - len(rows)))
    return {"total": total, "rows": [(row, cutoff_urgency(row.cutoff, day, calendar).value) for row in rows],
            "href": url_for("fines.index", state=FineState.WAITING_INFO.value, sort="cutoff", dir="asc")}


def client_panel() -> dict[str, Any] | None:
    """A client user's fines: what waits for them and why, how urgent their fines are, this month's."""
    client_id = current_user.client_id
    if client_id is None:
        return None
    calendar, day, moment = work_calendar(), today(), now()
    return {"waiting": waiting_for_client(client_id, calendar, day),
            "urgency": urgency_figures(client_id, calendar, day),
            "month": month_figures(client_id, moment, calendar), "today": day}


def review_queue() -> dict[str, Any]:
    """Fines an agent must check (review) or read by hand (quarantined): counts, and the oldest to check."""
    counts: dict[str, int] = {str(state): int(n) for state, n in db.session.execute(
        sa.select(Fine.state, sa.func.count()).where(Fine.state.in_((FineState.REVIEW.value,
                                                                     FineState.QUARANTINED.value)))
        .group_by(Fine.state))}
    oldest = db.session.execute(sa.select(Fine.id, Fine.created_at).where(Fine.state == FineState.REVIEW.value)
                                .order_by(Fine.created_at, Fine.id).limit(1)).first()
    figures = [Figure(state, counts.get(state, 0), url_for("fines.index", state=state, sort="received", dir="asc"))
               for state in (FineState.REVIEW.value, FineState.QUARANTINED.value)]
    return {"figures": figures, "oldest": oldest, "href": url_for("fines.queue")}


def operator_at_risk(calendar: WorkCalendar, day: date, limit: int = LIST_ROWS) -> dict[str, Any]:
    """Complete (ready) fines whose deadline is near: the operator answers if it is missed.

    A ready fine's cut-off falls five workdays before its deadline, so its deadline is near exactly
    when its cut-off is this week, today or past.
    """
    ready = FineState.READY.value
    figures = [figure for figure in urgency_figures(None, calendar, day, state=ready) if figure.code in AT_RISK]
    horizon = this_week_end(calendar, day)
    rows = db.session.execute(
        sa.select(Fine.id, Fine.plate, Fine.issuer, Fine.notice_number, Fine.deadline, Fine.cutoff,
                  Client.code.label("client_code"))
        .outerjoin(Client, Client.id == Fine.client_id)
        .where(Fine.state == ready, Fine.cutoff.is_not(None), Fine.cutoff <= horizon)
        .order_by(Fine.cutoff, Fine.id).limit(limit)).all()
    return {"figures": figures, "rows": rows, "total": sum(f.count for f in figures),
            "missed_href": url_for("fines.index", state=ready, liability=Liable.OPERATOR.value)}


def mail_aside() -> dict[str, Any]:
    """Mail set aside by intake: to give to a client (triage) or unreadable (quarantined)."""
    counts = dict(db.session.execute(
        sa.select(IntakeMessage.status, sa.func.count()).where(IntakeMessage.status.in_(MAIL_ASIDE))
        .group_by(IntakeMessage.status)).all())
    oldest = db.session.scalar(sa.select(sa.func.min(IntakeMessage.received_at))
                               .where(IntakeMessage.status.in_(MAIL_ASIDE)))
    # The triage screen lists both kinds together: one figure counts what it lists, the words split it.
    total = sum(int(n) for n in counts.values())
    return {"figure": Figure("aside", total, url_for("fines.triage")), "triage": int(counts.get("triage", 0)),
            "quarantined": int(counts.get("quarantined", 0)), "oldest": oldest}


def staff_panel() -> dict[str, Any]:
    """The operator's fines: the review queue, complete fines at risk, mail set aside."""
    calendar, day = work_calendar(), today()
    return {"queue": review_queue(), "at_risk": operator_at_risk(calendar, day), "mail": mail_aside(), "today": day}

"""The fines overview's charts: fines per month by state, and missed deadlines by who answers for them.

``fines.workflow.monthly`` counts (grouped by the database); here the counts get their words in the
reader's language, and ``app.charts`` draws them.
"""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app import charts, formatting
from fines.web import labels
from fines.workflow.deadlines import Liable
from fines.workflow.monthly import MonthCounts
from fines.workflow.states import FineState


def short_month(value: date) -> str:
    """A month on a chart's axis: ``nov. 2026``, ``Nov 2026``."""
    return format_date(value, "LLL yyyy", locale=formatting.format_locale())


def _count(value: float) -> str:
    return formatting.number(value)


def _span(months: list[MonthCounts]) -> dict[str, str]:
    return {"first": formatting.month(months[0].month), "last": formatting.month(months[-1].month)}


def states_chart(months: list[MonthCounts]) -> Markup:
    """Stacked bars: the fines that arrived each month, split by the state they are in now."""
    present = [s.value for s in FineState if any(m.by_state.get(s.value) for m in months)]
    total = sum(sum(m.by_state.values()) for m in months)
    text = charts.Text(
        title=_("Fines per month by state"),
        desc=_("The fines that arrived each month from %(first)s to %(last)s, by the state they are in now; "
               "%(n)s in all.", n=formatting.number(total), **_span(months)),
        table_summary=_("The figures"), category_heading=_("Month"), empty=_("No fine arrived in these months."))
    series = [charts.Series(labels.label("state", state), tuple(float(m.by_state.get(state, 0)) for m in months))
              for state in present]
    return Markup(charts.stacked_bar_chart(  # app.charts escapes every text
        text, [short_month(m.month) for m in months], series, _count, chart_id="fines-states"))


def liability_chart(months: list[MonthCounts]) -> Markup:
    """Grouped bars: per month of arrival, the missed deadlines the client answers for and those the operator does."""
    names = {Liable.CLIENT.value: _("Client late"), Liable.OPERATOR.value: _("Service provider late")}
    missed = sum(sum(m.by_liability.values()) for m in months)
    text = charts.Text(
        title=_("Missed deadlines per month: who bears the costs"),
        desc=_("For the fines that arrived each month from %(first)s to %(last)s, the deadlines missed because the "
               "client was late and those missed by the service provider; %(n)s in all.",
               n=formatting.number(missed), **_span(months)),
        table_summary=_("The figures"), category_heading=_("Month"), empty=_("No deadline was missed."))
    series = [charts.Series(names[party.value], tuple(float(m.by_liability.get(party.value, 0)) for m in months))
              for party in Liable]
    return Markup(charts.stacked_bar_chart(  # app.charts escapes every text
        text, [short_month(m.month) for m in months], series, _count, chart_id="fines-liability", stacked=False))

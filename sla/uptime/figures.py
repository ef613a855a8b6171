"""The uptime pages' charts: response time per probe, availability per month against the target.

The numbers come from the services (summed up by the database); here they get their words, in the
reader's language, and ``app.charts`` draws them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date, format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from app import charts, formatting
from app.workcalendar import BRUSSELS
from sla.uptime import services

#: The response-time chart's ranges: how far back, in stretches of what size.
RANGES = ("24h", "7d")


@dataclass(frozen=True)
class Span:
    """A range of the response-time chart: ``count`` buckets of ``size``."""

    size: timedelta
    count: int


SPANS = {"24h": Span(timedelta(hours=1), 24), "7d": Span(timedelta(hours=6), 28)}


def span_start(now: datetime, span: Span) -> datetime:
    """The first bucket's start: the span ends at the next bucket boundary (Belgian hours) after ``now``."""
    local = now.astimezone(BRUSSELS).replace(minute=0, second=0, microsecond=0)
    hours = int(span.size.total_seconds() // 3600)
    local = local.replace(hour=local.hour - local.hour % hours)
    end = local.astimezone(UTC) + span.size
    return end - span.size * span.count


def response_charts(range_code: str, now: datetime) -> list[Markup]:
    """One response-time chart per probe target over the range, average and slowest answer per bucket."""
    span = SPANS[range_code]
    start = span_start(now, span)
    pattern = "HH:mm" if range_code == "24h" else "EEE HH:mm"
    locale = formatting.format_locale()
    shown = []
    for number, target in enumerate(services.probe_targets()):
        buckets = services.response_buckets(target, start, span.size, span.count)
        labels = [format_datetime(b.start.astimezone(BRUSSELS), pattern, tzinfo=BRUSSELS, locale=locale)
                  for b in buckets]
        text = charts.Text(
            title=_("Response time of %(target)s", target=target),
            desc=_("Average and slowest answer per %(size)s, from %(start)s to %(end)s (Belgian time); "
                   "%(checks)s checks, %(failed)s failed.", size=formatting.duration(span.size),
                   start=formatting.when(start), end=formatting.when(start + span.size * span.count),
                   checks=formatting.number(sum(b.checks for b in buckets)),
                   failed=formatting.number(sum(b.failures for b in buckets))),
            table_summary=_("The figures"), category_heading=_("From"), empty=_("No check in this period."))
        series = [charts.Series(_("average"), tuple(b.avg_ms for b in buckets)),
                  charts.Series(_("slowest"), tuple(None if b.max_ms is None else float(b.max_ms) for b in buckets))]
        shown.append(Markup(charts.line_chart(text, labels, series, _milliseconds,  # escaped by app.charts
                                              chart_id=f"response-{number}")))
    return shown


def _milliseconds(value: float) -> str:
    return _("%(ms)s ms", ms=formatting.number(value))


def availability_chart(months: list[services.MonthRow], target: float) -> Markup:
    """The last twelve months' availability within working hours as bars, the target as a line across."""
    rows = list(reversed(months))  # oldest first, as time runs
    text = charts.Text(
        title=_("Availability per month"),
        desc=_("Availability within working hours, announced maintenance excluded, for each of the last %(n)s "
               "months, against the target of %(target)s.", n=len(rows), target=_percent(target)),
        table_summary=_("The figures"), category_heading=_("Month"), empty=_("Nothing was measured yet."))
    labels = [short_month(r.month) for r in rows]
    values = [r.availability for r in rows]
    return Markup(charts.bar_chart(  # app.charts escapes every text
        text, labels, values, _percent, chart_id="availability-months", name=_("availability"),
        threshold=charts.Threshold(target, _("target")), below_name=_("below the target"),
        y_min=min(0.95, target - 0.01), y_max=1.0))


def short_month(value: date) -> str:
    """A month on a chart's axis: ``nov. 2026``, ``Nov 2026``."""
    return format_date(value, "LLL yyyy", locale=formatting.format_locale())


def _percent(value: float) -> str:
    return formatting.percent(value * 100, 1)

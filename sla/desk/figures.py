"""The desk report's chart: SLA compliance per intervention category over twelve months.

``sla.desk.reports`` counts; here the counts get their words in the reader's language, and ``app.charts`` draws.
"""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app import charts, formatting
from sla.desk.reports import MonthCompliance

#: The categories always shown; 5 (the least urgent) joins when it has incidents.
CATEGORIES = (1, 2, 3, 4)


def short_month(value: date) -> str:
    """A month on a chart's axis: ``nov. 2026``, ``Nov 2026``."""
    return format_date(value, "LLL yyyy", locale=formatting.format_locale())


def shown_categories(months: list[MonthCompliance]) -> list[int]:
    """Categories 1 to 4, and any other that had incidents in these months."""
    return sorted(set(CATEGORIES) | {category for month in months for category in month.counts})


def compliance_chart(months: list[MonthCompliance]) -> Markup:
    """One line per category: the share of its incidents whose time limits were all met, month by month."""
    decided = sum(n for month in months for n, _met in month.counts.values())
    text = charts.Text(
        title=_("SLA compliance per category"),
        desc=_("Share of the incidents whose reaction and intervention times were met, per intervention category, "
               "for each month from %(first)s to %(last)s; %(n)s incidents with a decided time limit.",
               first=formatting.month(months[0].month), last=formatting.month(months[-1].month),
               n=formatting.number(decided)),
        table_summary=_("The figures"), category_heading=_("Month"), empty=_("No incident in these months."))
    series = [charts.Series(_("Category %(n)s", n=category), tuple(m.pct(category) for m in months))
              for category in shown_categories(months)]
    return Markup(charts.line_chart(  # app.charts escapes every text
        text, [short_month(m.month) for m in months], series, lambda v: formatting.percent(v, 0),
        chart_id="sla-compliance", y_min=0.0))

"""Support desk metrics for Prometheus; no per-client or per-ticket labels.

Every metric about tickets is labelled with one category per ticket, ``category_label``: the one it
was reported in. Escalations are counted apart (``ESCALATIONS``, by the category reached).
"""
from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sla.desk.policy import intervention_category

HOURS = (900, 1800, 3600, 7200, 4 * 3600, 8 * 3600, 16 * 3600, 24 * 3600, 48 * 3600, 96 * 3600)



def category_label(level: int, impact: str) -> str:
    """Return the category label of a ticket's metrics: the intervention category it was reported in.

    That is its level and impact's (``intervention_category``; after an agent corrects them, the
    corrected ones), never a category an escalation reached, so every metric counts a ticket under
    the same category and opened, reacted, resolved and open tickets of a category add up.
    """
    return str(intervention_category(level, impact))


TICKETS_OPENED = Counter("fleetdesk_tickets_opened", "Incidents reported, by intervention category.", ["category"])
ESCALATIONS = Counter("fleetdesk_ticket_escalations", "Automatic escalations, by the category reached.", ["to"])
BREACHES = Counter("fleetdesk_sla_breaches", "SLA clocks breached, by clock.", ["clock"])
REACTION_SECONDS = Histogram("fleetdesk_ticket_reaction_working_seconds",
                             "Working time from report to first reaction.", ["category"], buckets=HOURS)
INTERVENTION_SECONDS = Histogram("fleetdesk_ticket_intervention_working_seconds",
                                 "Working time from report to resolution (restores of category 1 excluded).",
                                 ["category"], buckets=HOURS)


class OpenTicketsCollector(Collector):
    """Open tickets by category (``category_label``) and clock state, counted in the database at scrape time."""

    def __init__(self, counts: Any) -> None:
        self._counts = counts  # () -> iterable of (level, impact, clock_state, count)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("fleetdesk_tickets_open", "Open incidents by category and clock state.",
                                   labels=["category", "clock_state"])
        tally: Tally[tuple[str, str]] = Tally()
        for level, impact, state, count in self._counts():
            tally[category_label(level, impact), state] += count
        for (category, state), count in sorted(tally.items()):
            family.add_metric([category, state], count)
        yield family

"""Support desk metrics for Prometheus; no per-client or per-ticket labels."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

HOURS = (900, 1800, 3600, 7200, 4 * 3600, 8 * 3600, 16 * 3600, 24 * 3600, 48 * 3600, 96 * 3600)

TICKETS_OPENED = Counter("fleetdesk_tickets_opened", "Incidents reported, by intervention category.", ["category"])
ESCALATIONS = Counter("fleetdesk_ticket_escalations", "Automatic escalations, by the category reached.", ["to"])
BREACHES = Counter("fleetdesk_sla_breaches", "SLA clocks breached, by clock.", ["clock"])
REACTION_SECONDS = Histogram("fleetdesk_ticket_reaction_working_seconds",
                             "Working time from report to first reaction.", ["category"], buckets=HOURS)
INTERVENTION_SECONDS = Histogram("fleetdesk_ticket_intervention_working_seconds",
                                 "Working time from report to resolution (restores of category 1 excluded).",
                                 ["category"], buckets=HOURS)


class OpenTicketsCollector(Collector):
    """Open tickets by category and clock state, counted in the database at scrape time."""

    def __init__(self, counts: Any) -> None:
        self._counts = counts  # () -> iterable of (category, clock_state, count)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("fleetdesk_tickets_open", "Open incidents by category and clock state.",
                                   labels=["category", "clock_state"])
        for category, state, count in self._counts():
            family.add_metric([str(category), state], count)
        yield family

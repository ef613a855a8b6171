"""The desk's metrics label a ticket with the category it was reported in (sla.desk.metrics.category_label)."""
from __future__ import annotations

import pytest

from sla.desk.metrics import OpenTicketsCollector, category_label


@pytest.mark.parametrize(("level", "impact", "category"), [
    (4, "all", "1"), (4, "few", "3"), (3, "all", "2"), (2, "substantial", "4"), (1, "few", "5"),
])
def test_category_label_is_the_intervention_category_of_level_and_impact(level: int, impact: str,
                                                                         category: str) -> None:
    assert category_label(level, impact) == category


def test_open_tickets_are_counted_under_the_category_they_were_reported_in() -> None:
    counts = [(4, "substantial", "running", 1), (3, "all", "running", 2), (3, "all", "breached", 1),
              (1, "few", "paused", 4)]
    [family] = OpenTicketsCollector(lambda: counts).collect()
    samples = {(s.labels["category"], s.labels["clock_state"]): s.value for s in family.samples}
    assert samples == {("2", "running"): 3, ("2", "breached"): 1, ("5", "paused"): 4}

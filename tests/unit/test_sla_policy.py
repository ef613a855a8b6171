"""The SLA policy table: level and impact give a category, a category its targets."""
from __future__ import annotations

from datetime import timedelta

import pytest

from sla.desk.policy import (
    CATEGORIES,
    IMPACTS,
    LEVELS,
    Impact,
    Targets,
    intervention_category,
    targets,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)

MATRIX = [
    # impact, level, category  (the SLA's table, row by row)
    ("all", 4, 1), ("all", 3, 2), ("all", 2, 3), ("all", 1, 4),
    ("substantial", 4, 2), ("substantial", 3, 3), ("substantial", 2, 4), ("substantial", 1, 4),
    ("few", 4, 3), ("few", 3, 4), ("few", 2, 4), ("few", 1, 5),
]


@pytest.mark.parametrize(("impact", "level", "category"), MATRIX)
def test_intervention_category_follows_the_sla_matrix(impact: str, level: int, category: int) -> None:
    assert intervention_category(level, impact) == category
    assert intervention_category(level, Impact(impact)) == category


def test_matrix_covers_every_level_and_impact() -> None:
    assert {(impact, level) for impact, level, _ in MATRIX} == {
        (impact.value, level) for impact in Impact for level in LEVELS
    }


@pytest.mark.parametrize("level", [0, 5, -1, True, 2.0, "4", None])
def test_intervention_category_rejects_unknown_levels(level: object) -> None:
    with pytest.raises(ValueError, match="level"):
        intervention_category(level, "all")  # type: ignore[arg-type]


@pytest.mark.parametrize("impact", ["ALL", "everyone", "", " all", None, 1])
def test_intervention_category_rejects_unknown_impacts(impact: object) -> None:
    with pytest.raises(ValueError, match="impact"):
        intervention_category(4, impact)  # type: ignore[arg-type]


TARGETS = [
    # category, reaction, intervention, escalate_after, escalate_to, status_every, excludes restore
    (1, 30 * M, 6 * H, None, None, 1 * H, True),
    (2, 1 * H, 8 * H, 2 * H, 1, 2 * H, False),
    (3, 2 * H, 16 * H, 8 * H, 2, 4 * H, False),
    (4, 4 * H, 24 * H, None, None, None, False),
    (5, 8 * H, 48 * H, None, None, None, False),
]


@pytest.mark.parametrize(
    ("category", "reaction", "intervention", "escalate_after", "escalate_to", "status_every",
     "excludes_restore"),
    TARGETS,
)
def test_targets_follow_the_sla_table(
    category: int,
    reaction: timedelta,
    intervention: timedelta,
    escalate_after: timedelta | None,
    escalate_to: int | None,
    status_every: timedelta | None,
    excludes_restore: bool,
) -> None:
    assert targets(category) == Targets(
        category, reaction, intervention, escalate_after, escalate_to, status_every,
        excludes_restore,
    )


def test_categories_are_one_to_five_and_escalate_towards_more_urgent() -> None:
    assert CATEGORIES == (1, 2, 3, 4, 5)
    for category in CATEGORIES:
        t = targets(category)
        assert (t.escalate_after is None) == (t.escalate_to is None)
        if t.escalate_to is not None:
            assert t.escalate_to < category
            assert targets(t.escalate_to).status_every is not None


@pytest.mark.parametrize("category", [0, 6, -1, True, 1.0, "1", None])
def test_targets_rejects_unknown_categories(category: object) -> None:
    with pytest.raises(ValueError, match="category"):
        targets(category)  # type: ignore[arg-type]


def test_targets_are_frozen() -> None:
    with pytest.raises(AttributeError):
        targets(1).reaction = H  # type: ignore[misc]


def test_levels_and_impacts_are_codes_most_severe_first() -> None:
    """The policy keeps codes only; their words are the desk's catalogue's (tests/unit/test_sla_labels.py)."""
    assert LEVELS == (4, 3, 2, 1)
    assert IMPACTS == (Impact.ALL, Impact.SUBSTANTIAL, Impact.FEW)

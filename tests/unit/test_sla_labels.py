"""The desk's words live in one catalogue (sla.desk.labels) that its forms and screens both read."""
from __future__ import annotations

from sla.desk import forms, labels
from sla.desk.policy import IMPACTS, LEVELS


def test_the_catalogue_words_every_level_and_impact_of_the_policy_in_its_order() -> None:
    assert list(labels.LABELS["level"]) == [str(level) for level in LEVELS]
    assert list(labels.LABELS["impact"]) == [impact.value for impact in IMPACTS]
    assert "cannot work" in labels.label("level", 4)
    assert "still work" in labels.label("level", "1")
    assert "20 percent" in labels.label("impact", "substantial")


def test_the_report_and_correction_forms_offer_the_catalogues_words() -> None:
    catalogue = {kind: list(labels.LABELS[kind].items()) for kind in ("level", "impact")}
    assert catalogue["level"] == forms.LEVEL_CHOICES and catalogue["impact"] == forms.IMPACT_CHOICES
    for form in (forms.TicketForm, forms.CorrectForm):
        assert form.level.kwargs["choices"] is forms.LEVEL_CHOICES
        assert form.impact.kwargs["choices"] is forms.IMPACT_CHOICES

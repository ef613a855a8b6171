"""The screens say states, reasons and liability in the user's language, read from what is stored in English."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from fines.web import labels
from fines.workflow.deadlines import DEADLINE_NAMES, LIABILITY_REASONS
from fines.workflow.matching import MATCH_REASONS, ContractPeriod, match_contract
from fines.workflow.states import MISSING, STEP_NOTES, FineState

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def request_context() -> Iterator[None]:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "app" / "translations")
    Babel(app)
    with app.test_request_context():
        yield


def _names(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template)) | set(re.findall(r"%\((\w+)\)s", template))


def test_every_stored_reason_has_a_translation_with_the_same_values(request_context: None) -> None:
    with force_locale("en"):
        for code, english in {**MATCH_REASONS, **STEP_NOTES}.items():
            assert _names(str(labels.REASONS[code])) == _names(english), code
        for code, english in LIABILITY_REASONS.items():
            assert _names(str(labels.LIABILITY[code])) == _names(english), code
        assert {k: str(v) for k, v in labels.MISSING.items()} == MISSING
        assert set(labels.DEADLINE_NAMES) == set(DEADLINE_NAMES)
        assert set(labels.LABELS["state"]) == {s.value for s in FineState}


def test_matching_reasons_read_back_unchanged_in_english_and_translated_in_dutch(request_context: None) -> None:
    day = date(2026, 10, 28)
    overlapping = [ContractPeriod(1, "K-2", "1ABC123", date(2026, 1, 1), None),
                   ContractPeriod(2, "K-1", "1ABC123", date(2026, 6, 1), None)]
    sentences = [match_contract([], "1ABC123", day).reason, match_contract(overlapping, "1ABC123", day).reason,
                 match_contract([], "", day).reason,
                 STEP_NOTES["missing"].format(number="K-1", missing=", ".join([MISSING["driver_name"],
                                                                                MISSING["driver_address"]])),
                 STEP_NOTES["matched"].format(number="K-1"), STEP_NOTES["complete"]]
    with force_locale("en"):
        english = [labels.reason_text(s) for s in sentences]
    # The same sentences, with the day written for people instead of ISO.
    assert english == [s.replace("2026-10-28", "28 October 2026") for s in sentences]
    with force_locale("nl"):
        dutch = [labels.reason_text(s) for s in sentences]
    assert dutch[0] == "Geen leasecontract voor nummerplaat 1-ABC-123 op 28 oktober 2026."
    assert dutch[1] == "2 leasecontracten voor nummerplaat 1-ABC-123 overlappen op 28 oktober 2026: K-1, K-2."
    assert dutch[3] == "contract K-1: ontbreekt de naam van de bestuurder, het postadres van de bestuurder"
    assert dutch[5] == "gegevens volledig"
    with force_locale("fr"):
        assert labels.reason_text(sentences[0]) == "Aucun contrat de leasing pour la plaque 1-ABC-123 le 28 octobre 2026."
        assert labels.reason_text("redirected") == "conducteur désigné"
        assert labels.reason_text("Called the lessee, address follows") == "Called the lessee, address follows"
        assert labels.reason_text("encrypted: the PDF asks for a password") == (
            "Le PDF est protégé par un mot de passe : il ne peut pas être lu.")
        assert labels.reason_text("Note: call back") == "Note: call back"
    assert labels.reason_text(None) == ""


@pytest.mark.parametrize("code", sorted(LIABILITY_REASONS))
def test_liability_reasons_read_the_same_in_english_and_are_translated(request_context: None, code: str) -> None:
    params = {name: f"2026-11-{n + 10}" for n, name in enumerate(sorted(_names(LIABILITY_REASONS[code]) - {"what"}))}
    values = dict(params)
    if "what" in _names(LIABILITY_REASONS[code]):
        params.update(deadline_kind="designation", deadline="2026-11-17")
        values["what"] = DEADLINE_NAMES["designation"].format(deadline="2026-11-17")
    english = LIABILITY_REASONS[code].format(**values)
    with force_locale("en"):
        said = labels.liability_text(code, params, english)
    # The English sentence, its dates written for people: "12 November 2026", never ISO.
    assert said == re.sub(r"2026-11-(\d+)", lambda m: f"{int(m.group(1))} November 2026", english)
    with force_locale("nl"):
        dutch = labels.liability_text(code, params, english)
    assert dutch != english and "2026-" not in dutch
    assert all(f"{int(value[-2:])} november 2026" in dutch for value in params.values() if value.startswith("2026"))
    assert labels.liability_text(None, {}, None) == ""


@pytest.mark.parametrize(("typed", "cents"), [("58,00", 5800), ("58.00", 5800), ("58", 5800), ("1.234,56", 123456),
                                              ("1 234,5", 123450), ("€ 12,30", 1230), ("1,234.56", 123456),
                                              ("0,05", 5)])
def test_an_amount_is_typed_in_euros_and_kept_in_cents(typed: str, cents: int) -> None:
    from fines.money import parse_euros

    assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["abc", "-5", "1.2.3", "58,5,0", ""])
def test_what_is_not_an_amount_in_euros_is_refused(typed: str) -> None:
    from fines.money import parse_euros

    with pytest.raises(ValueError):
        parse_euros(typed)


@pytest.mark.parametrize(("addressee", "client", "elsewhere"), [
    ("ACME LEASE N.V.", "ACME Lease NV", False),
    ("Acme Lease", "ACME Lease NV", False),
    ("AcmeLease nv", "ACME Lease NV", False),
    ("Brabant Fleet", "Brabant Fleet BV", False),
    ("Luxauto Lease SA", "ACME Lease NV", True),
    ("Beta Fleet BV", "Alpha Lease NV", True),  # "lease" and "fleet" say nothing about which company
    (None, "ACME Lease NV", False),  # nothing read: nothing to warn about
])
def test_a_letter_addressed_to_another_company_is_noticed(addressee: str | None, client: str, elsewhere: bool) -> None:
    from fines.workflow.matching import addressed_elsewhere

    assert addressed_elsewhere(addressee, client) is elsewhere


def test_every_note_the_extraction_writes_is_said_in_dutch(request_context: None) -> None:
    source = (ROOT / "fines" / "intake" / "extraction.py").read_text(encoding="utf-8")
    literals = set(re.findall(r'problems\.append\("([^"]+)"\)', source))
    assert len(literals) >= 5, "the scan found too few of the extraction's notes"
    assert literals <= set(labels.EXTRACTION_NOTES), sorted(literals - set(labels.EXTRACTION_NOTES))
    with force_locale("nl"):
        assert labels.extraction_note("plate does not match FR pattern") == \
            "de nummerplaat lijkt niet op een nummerplaat uit FR"
        assert labels.extraction_notes("plate missing; offence time missing") == \
            "Nummerplaat niet gevonden in de brief; het uur van de overtreding ontbreekt"
        assert labels.extraction_note("plate: 2 candidates (1ABC123, 1ABC128)") == \
            "plate: 2 candidates (1ABC123, 1ABC128)"  # a note it does not know stays as written

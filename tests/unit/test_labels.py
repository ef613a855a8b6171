"""The screens say states, reasons and liability in the user's language, read from what is stored in English."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from fines import labels
from fines.deadlines import DEADLINE_NAMES, LIABILITY_REASONS
from fines.matching import MATCH_REASONS, ContractPeriod, match_contract
from fines.workflow import MISSING, STEP_NOTES, FineState

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
        assert [labels.reason_text(s) for s in sentences] == sentences
    with force_locale("nl"):
        dutch = [labels.reason_text(s) for s in sentences]
    assert dutch[0] == "Geen leasecontract voor nummerplaat 1-ABC-123 op 2026-10-28."
    assert dutch[1] == "2 leasecontracten voor nummerplaat 1-ABC-123 overlappen op 2026-10-28: K-1, K-2."
    assert dutch[3] == "contract K-1: ontbreekt de naam van de bestuurder, het postadres van de bestuurder"
    assert dutch[5] == "gegevens volledig"
    with force_locale("fr"):
        assert labels.reason_text(sentences[0]) == "Aucun contrat de leasing pour la plaque 1-ABC-123 le 2026-10-28."
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
        assert labels.liability_text(code, params, english) == english
    with force_locale("nl"):
        dutch = labels.liability_text(code, params, english)
    assert dutch != english and all(value in dutch for value in params.values() if value.startswith("2026"))
    assert labels.liability_text(None, {}, None) == ""

"""The screens say states, reasons and liability in the user's language, from the codes and parameters stored."""
from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale

from fines.intake.mime import ReasonCode
from fines.reasons import Reason
from fines.web import labels
from fines.workflow.deadlines import DEADLINE_NAMES, LIABILITY_REASONS
from fines.workflow.matching import MATCH_CODES, ContractPeriod, match_contract
from fines.workflow.states import MISSING, STEP_CODES, FineState

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


def _catalogue(lang: str) -> dict[str, str]:
    with (ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=lang) if isinstance(m.id, str) and m.id and not m.fuzzy}


def _emitted_codes() -> set[str]:
    """Every ``Reason("<code>"`` written in the fines package (the extraction, intake, the workflow) and in the
    platform's contract matching rule the fines use (``app.fleet.matching``)."""
    codes: set[str] = set()
    for path in [*(ROOT / "fines").rglob("*.py"), ROOT / "app" / "fleet" / "matching.py"]:
        codes |= set(re.findall(r'\bReason\(\s*"(\w+)"', path.read_text(encoding="utf-8")))
    return codes


#: The catalogues a stored reason's code is said from.
def _said(code: str) -> bool:
    return code in labels.REASONS or code in labels.LABELS["outcome"] or code in labels.LABELS["quarantine"]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_reason_code_has_a_translation_with_the_same_values(request_context: None, lang: str) -> None:
    catalogue = _catalogue(lang)
    with force_locale("en"):
        english = {**{code: str(text) for code, text in labels.REASONS.items()},
                   **{f"message:{code}": str(text) for code, text in labels.MESSAGE_REASONS.items()},
                   **{f"quarantine:{code}": str(text) for code, text in labels.LABELS["quarantine"].items()},
                   **{f"outcome:{code}": str(text) for code, text in labels.LABELS["outcome"].items()},
                   **{f"missing:{code}": str(text) for code, text in labels.MISSING.items()}}
    for code, msgid in english.items():
        assert catalogue.get(msgid), f"{code}: {msgid!r} has no {lang} translation"
        assert _names(catalogue[msgid]) == _names(msgid), code


def test_every_code_the_domain_emits_is_in_the_catalogue() -> None:
    emitted = _emitted_codes()
    assert {"plate_pattern", "missing", "page_unreadable", "reference_check", "duplicate_of", "matched",
            "information_missing", "complete", "no_contract", "overlap"} <= emitted, "the scan found too few codes"
    assert all(_said(code) for code in emitted), sorted(code for code in emitted if not _said(code))
    assert set(MATCH_CODES) | set(STEP_CODES) <= set(labels.REASONS)
    assert set(MISSING) == set(labels.MISSING)
    assert set(typing.get_args(ReasonCode)) <= set(labels.LABELS["quarantine"])
    assert set(labels.LABELS["state"]) == {s.value for s in FineState}


def test_every_liability_code_is_said_with_the_same_values(request_context: None) -> None:
    with force_locale("en"):
        for code, english in LIABILITY_REASONS.items():
            assert _names(str(labels.LIABILITY[code])) == _names(english), code
    assert set(labels.DEADLINE_NAMES) == set(DEADLINE_NAMES)


def test_matching_reasons_are_said_in_each_language_with_the_day_written_for_people(request_context: None) -> None:
    day = date(2026, 10, 28)
    overlapping = [ContractPeriod(1, "K-2", "1ABC123", date(2026, 1, 1), None),
                   ContractPeriod(2, "K-1", "1ABC123", date(2026, 6, 1), None)]
    reasons = [match_contract([], "1ABC123", day).reason, match_contract(overlapping, "1ABC123", day).reason,
               match_contract([], "", day).reason,
               Reason("information_missing", {"number": "K-1", "missing": "driver_name,driver_address"}),
               Reason("matched", {"number": "K-1"}), Reason("complete")]
    assert [r.code for r in reasons if r is not None] == ["no_contract", "overlap", "no_plate",
                                                          "information_missing", "matched", "complete"]
    assert reasons[0] == Reason("no_contract", {"plate": "1-ABC-123", "day": "2026-10-28"})
    said = [(r.code, dict(r.params)) for r in reasons if r is not None]
    with force_locale("en"):
        english = [labels.reason_text(code, params) for code, params in said]
    assert english == [
        "No lease contract for plate 1-ABC-123 on 28 October 2026.",
        "2 lease contracts for plate 1-ABC-123 overlap on 28 October 2026: K-1, K-2.",
        "The fine has no plate to match a lease contract on 28 October 2026.",
        "contract K-1: missing the driver's name, the driver's postal address",
        "contract K-1", "information complete"]
    with force_locale("nl"):
        dutch = [labels.reason_text(code, params) for code, params in said]
    assert dutch[0] == "Geen leasingcontract voor nummerplaat 1-ABC-123 op 28 oktober 2026."
    assert dutch[1] == "2 leasingcontracten voor nummerplaat 1-ABC-123 overlappen op 28 oktober 2026: K-1, K-2."
    assert dutch[3] == "contract K-1: ontbreekt de naam van de bestuurder, het postadres van de bestuurder"
    assert dutch[5] == "gegevens volledig"
    with force_locale("fr"):
        assert labels.reason_text(*said[0]) == "Aucun contrat de leasing pour la plaque 1-ABC-123 le 28 octobre 2026."
        assert labels.reason_text("redirected") == "conducteur désigné"
        assert labels.reason_text("encrypted", {"detail": "the PDF asks for a password"}) == (
            "Le PDF est protégé par un mot de passe\u00a0: il ne peut pas être lu.")
        assert labels.reasons_text([{"code": "duplicate_of", "params": {"id": "7"}}]) == (
            labels.reason_text("duplicate_of", {"id": "7"}))
    assert labels.reason_text(None) == ""
    assert labels.reason_text("a_code_from_a_newer_version") == "a_code_from_a_newer_version"


def test_a_message_reason_is_said_with_its_technical_detail(request_context: None) -> None:
    with force_locale("en"):
        assert labels.message_reason("no_client", "a@x.test, b@x.test") == (
            "No client has any of these addresses: a@x.test, b@x.test")
        assert labels.message_reason("not_mail", "no headers") == (
            "These bytes are not an e-mail: no e-mail headers were found. (no headers)")
        assert labels.message_reason("no_pdf") == "No PDF was attached."
        assert labels.message_reason(None, "as it was stored") == "as it was stored"
        assert labels.message_reason(None) == ""
    with force_locale("nl"):
        assert labels.message_reason("message_too_large", "message of 31 MB exceeds the 25 MB limit") == (
            "De e-mail is groter dan FleetDesk aanvaardt. (message of 31 MB exceeds the 25 MB limit)")


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


def test_the_extractions_problems_are_said_in_dutch(request_context: None) -> None:
    from fines.intake.extraction import extract_fields

    problems = [p.as_json() for p in extract_fields("Proces-verbaal\nNummerplaat: 1-ABC-12\n").problems]
    assert problems and all(_said(str(p["code"])) for p in problems)
    with force_locale("nl"):
        assert labels.reason_text("plate_pattern", {"country": "FR"}) == \
            "de nummerplaat lijkt niet op een nummerplaat uit FR"
        assert labels.reasons_text([Reason("missing", {"field": "plate"}).as_json(),
                                    Reason("offence_time_missing").as_json()]) == \
            "Nummerplaat niet gevonden in de brief; het uur van de overtreding ontbreekt"
        assert labels.reason_text("page_unreadable", {"number": "2"}) == "pagina 2 kon niet worden gelezen"

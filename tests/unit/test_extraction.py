"""Field extraction from fine letters: notations, languages, validation, and whole unseen layouts."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

import pytest

from app.workcalendar import BRUSSELS
from fines.intake.dates import find_date, find_time
from fines.intake.extraction import FIELDS, Extraction, extract_fields
from fines.money import Money, find_structured_reference, parse_amount, structured_reference_valid
from fines.reasons import Reason

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fines"
LAYOUTS = sorted(path.stem for path in FIXTURES.glob("*.json"))


def letter(**lines: str) -> str:
    """A minimal Dutch immediate-collection letter, with lines replaced or added by keyword."""
    base = {
        "head": "FEDERALE OVERHEIDSDIENST JUSTITIE\nParket van de procureur des Konings\n"
                "Postbus 1200, 1000 Brussel\nMobiCar Lease BV\nNoorderlaan 133, 2030 Antwerpen",
        "date": "Datum: 23/03/2026",
        "title": "VOORSTEL TOT ONMIDDELLIJKE INNING",
        "ref": "Kenmerk: AN.77.L1.811509/2026",
        "plate": "Nummerplaat: 2-FEJ-436",
        "offence": "Datum van de overtreding: 14/03/2026\nUur: 15u50",
        "amount": "Te betalen bedrag: EUR 234,00",
        "reference": "Gestructureerde mededeling: +++614/2626/87222+++",
        "due": "Uiterste betaaldatum: 22/05/2026",
    }
    base.update(lines)
    return "\n".join(value for value in base.values() if value)


# --------------------------------------------------------------------------- whole layouts


@pytest.mark.parametrize("name", LAYOUTS)
def test_unseen_layout_reads_every_field(name: str) -> None:
    truth = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    result = extract_fields((FIXTURES / f"{name}.txt").read_text(encoding="utf-8"))
    got = result.as_json(name)
    wrong = {field: (got[field], truth[field]) for field in FIELDS if got[field] != truth[field]}
    assert not wrong, wrong
    assert result.problems == ()


def test_fixtures_cover_at_least_twelve_layouts_and_every_kind_but_other() -> None:
    assert len(LAYOUTS) >= 12
    kinds = {json.loads((FIXTURES / f"{name}.json").read_text())["kind"] for name in LAYOUTS}
    assert kinds == {"immediate_collection", "driver_identification", "parking", "lez", "settlement",
                     "payment_order", "foreign"}


def test_as_json_has_exactly_the_agreed_keys_and_iso_values() -> None:
    got = extract_fields(letter()).as_json("x.pdf")
    assert list(got) == ["file", *FIELDS]
    assert got["offence_at"] == "2026-03-14T15:50:00+01:00"
    assert got["letter_date"] == "2026-03-23" and got["due_date"] == "2026-05-22"
    assert got["amount_cents"] == 23400 and got["payment_reference"] == "614262687222"
    assert json.loads(json.dumps(got)) == got


def test_offence_at_is_aware_in_brussels_with_summer_time() -> None:
    result = extract_fields(letter(offence="Datum van de overtreding: 14/07/2026\nUur: 15u50"))
    assert result.offence_at == datetime(2026, 7, 14, 15, 50, tzinfo=BRUSSELS)
    assert result.as_json("f")["offence_at"] == "2026-07-14T15:50:00+02:00"


def test_clean_letter_needs_no_review() -> None:
    result = extract_fields(letter())
    assert result.problems == () and not result.needs_review
    assert all(0.0 <= value <= 1.0 for value in result.confidence.values())
    assert set(result.confidence) == set(FIELDS)


# --------------------------------------------------------------------------- notations


@pytest.mark.parametrize(("written", "expected"), [
    ("16/05/2026", date(2026, 5, 16)), ("16.05.2026", date(2026, 5, 16)), ("16-05-2026", date(2026, 5, 16)),
    ("2026-05-16", date(2026, 5, 16)), ("16 mei 2026", date(2026, 5, 16)), ("16 mai 2026", date(2026, 5, 16)),
    ("16. Mai 2026", date(2026, 5, 16)), ("1er mars 2026", date(2026, 3, 1)), ("3 März 2026", date(2026, 3, 3)),
    ("3 Marz 2026", date(2026, 3, 3)), ("14 février 2026", date(2026, 2, 14)), ("14 fevrier 2026", date(2026, 2, 14)),
    ("5 okt. 2026", date(2026, 10, 5)), ("16.05.26", date(2026, 5, 16)), ("1O/O5/2O26", date(2026, 5, 10)),
    ("maandag 16 maart 2026", date(2026, 3, 16)), ("May 16 2026", None), ("31/02/2026", None),
])
def test_find_date_reads_each_notation(written: str, expected: date | None) -> None:
    found = find_date(written)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize(("written", "expected"), [
    ("02u11", time(2, 11)), ("02h11", time(2, 11)), ("14:05", time(14, 5)), ("14.05 uur", time(14, 5)),
    ("15:50 Uhr", time(15, 50)), ("à 14h05,", time(14, 5)), ("om 18u4O", time(18, 40)), ("14 h", time(14, 0)),
    ("41 km/u", None), ("25:61", None),
])
def test_find_time_reads_each_notation(written: str, expected: time | None) -> None:
    found = find_time(written)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize(("written", "cents", "currency"), [
    ("EUR 35,00", 3500, "EUR"), ("€ 1.234,56", 123456, "EUR"), ("35,00 €", 3500, "EUR"),
    ("35.00 EUR", 3500, "EUR"), ("135 €", 13500, "EUR"), ("1 234,56 EUR", 123456, "EUR"),
    ("35,- euro", 3500, "EUR"), ("15O,OO EUR", 15000, "EUR"), ("58,00", 5800, None), ("CHF 120.00", 12000, "CHF"),
])
def test_parse_amount_reads_each_notation(written: str, cents: int, currency: str | None) -> None:
    assert parse_amount(written) == Money(cents, currency)


@pytest.mark.parametrize("written", ["16/05/2026", "PZ/5860/64086-26", "no number here"])
def test_parse_amount_ignores_dates_and_references(written: str) -> None:
    assert parse_amount(written, require_currency=True) is None


@pytest.mark.parametrize(("digits", "valid"), [
    ("346920103209", True), ("614262687222", True), ("090933755190", True),
    ("346920103208", False), ("34692010320", False), ("34692010320x", False),
    ("000000009797", True),  # remainder 0 is written 97
])
def test_structured_reference_mod97(digits: str, valid: bool) -> None:
    assert structured_reference_valid(digits) is valid


@pytest.mark.parametrize(("written", "digits"), [
    ("+++346/9201/03209+++", "346920103209"), ("***346/9201/03209***", "346920103209"),
    ("+++ 346 / 9201 / 03209 +++", "346920103209"), ("+++346/92O1/O32O9+++", "346920103209"),
])
def test_find_structured_reference_tolerates_notation_and_ocr(written: str, digits: str) -> None:
    assert find_structured_reference(f"Mededeling: {written}") == digits


@pytest.mark.parametrize(("lines", "field", "expected"), [
    ({"plate": "Nummerplaat: 1 abc 123"}, "plate", "1ABC123"),
    ({"plate": "Nummerplaat\n  1-UCC022"}, "plate", "1UCC022"),
    ({"plate": "Nummerplaat                 1 UCC O22"}, "plate", "1UCC022"),
    ({"offence": "Datum van de overtreding: 16 mei 2026\nUur: 14.05 uur"}, "offence_at", "2026-05-16T14:05:00+02:00"),
    ({"offence": "Pleegdatum/tijd: 16-05-2026 02u11"}, "offence_at", "2026-05-16T02:11:00+02:00"),
    ({"offence": "Op 16 mei 2026 om 02h11 werd een overtreding vastgesteld"}, "offence_at",
     "2026-05-16T02:11:00+02:00"),
    ({"amount": "Te betalen bedrag: € 1.234,56"}, "amount_cents", 123456),
    ({"amount": "Te betalen bedrag\n35.00 EUR"}, "amount_cents", 3500),
    ({"date": "Brussel, 23 maart 2026"}, "letter_date", "2026-03-23"),
    ({"date": "Datum : 2026-03-23"}, "letter_date", "2026-03-23"),
    ({"due": "Te betalen vóór 22 mei 2026"}, "due_date", "2026-05-22"),
    ({"due": "Te betalen voor 22/05/2026"}, "due_date", "2026-05-22"),
    ({"reference": "Gestructureerde mededeling: ***614/2626/87222***"}, "payment_reference", "614262687222"),
    ({"ref": "Ons kenmerk: PZ/5860/64086-26"}, "notice_number", "PZ/5860/64086-26"),
])
def test_notation_variants_in_a_letter(lines: dict[str, str], field: str, expected: object) -> None:
    assert extract_fields(letter(**lines)).as_json("f")[field] == expected


# --------------------------------------------------------------------------- kinds, languages, issuers


@pytest.mark.parametrize(("title", "kind"), [
    ("VOORSTEL TOT ONMIDDELLIJKE INNING", "immediate_collection"),
    ("PROPOSITION DE PERCEPTION IMMÉDIATE", "immediate_collection"),
    ("VERZOEK TOT IDENTIFICATIE VAN DE BESTUURDER", "driver_identification"),
    ("DEMANDE D'IDENTIFICATION DU CONDUCTEUR", "driver_identification"),
    ("BETALINGSUITNODIGING PARKEERRETRIBUTIE", "parking"),
    ("REDEVANCE DE STATIONNEMENT", "parking"),
    ("BESLISSING ADMINISTRATIEVE GELDBOETE LEZ", "lez"),
    ("AMENDE ZONE DE BASSES ÉMISSIONS", "lez"),
    ("VOORSTEL TOT MINNELIJKE SCHIKKING", "settlement"),
    ("PROPOSITION DE TRANSACTION", "settlement"),
    ("BEVEL TOT BETALING", "payment_order"),
    ("ORDRE DE PAIEMENT", "payment_order"),
    ("BESCHIKKING - Centraal Justitieel Incassobureau", "foreign"),
    ("AVIS DE CONTRAVENTION", "foreign"),
    ("Bußgeldbescheid", "foreign"),
    ("WELKOM BIJ ONZE NIEUWSBRIEF", "other"),
])
def test_kind_follows_the_title(title: str, kind: str) -> None:
    assert extract_fields(letter(title=title)).kind == kind


def test_boilerplate_mentioning_other_kinds_does_not_change_the_kind() -> None:
    text = letter(due="Uiterste betaaldatum: 22/05/2026\nBij gebrek aan betaling kan het openbaar ministerie "
                      "een minnelijke schikking voorstellen.\nDe identificatie van de bestuurder ...")
    assert extract_fields(text).kind == "immediate_collection"


@pytest.mark.parametrize(("text", "language"), [
    (letter(), "nl"),
    ("Avis de contravention\nLe montant de l'amende est à payer avant le 12/03/2026 pour votre véhicule", "fr"),
    ("Bußgeldbescheid\nDer Betrag ist bis zum 12.03.2026 zu zahlen. Ihr Kennzeichen", "de"),
    ("Penalty notice\nThe amount of the fine is due by 12/03/2026 for your vehicle", "en"),
])
def test_language_is_detected(text: str, language: str) -> None:
    assert extract_fields(text).language == language


@pytest.mark.parametrize(("head", "issuer"), [
    ("POLITIEZONE MECHELEN-WILLEBROEK\nDienst Verkeer", "Mechelen-Willebroek"),
    ("POLITIEZONE BRUSSEL HOOFDSTAD/ELSENE", "Brussel HOOFDSTAD/Elsene"),
    ("Zone de police Namur Capitale", "Namur Capitale"),
    ("STAD ANTWERPEN - LAGE-EMISSIEZONE", "Antwerpen"),
    ("Parkeerbedrijf Antwerpen\nKievitplein 20, 2018 Antwerpen", "Parkeerbedrijf Antwerpen"),
    ("SERVICE PUBLIC FÉDÉRAL JUSTICE\nParquet du procureur du Roi", "Parquet du procureur du Roi"),
    ("CJIB\nPostbus 50000, 8900 HA Leeuwarden", "Centraal Justitieel Incassobureau"),
])
def test_issuer_rules(head: str, issuer: str) -> None:
    text = letter(head=head + "\nMobiCar Lease BV\nNoorderlaan 133, 2030 Antwerpen")
    result = extract_fields(text)
    assert result.issuer == issuer
    assert result.addressee == "MobiCar Lease BV"


def test_driver_identification_penalty_range_is_not_an_amount() -> None:
    text = letter(title="VERZOEK TOT IDENTIFICATIE VAN DE BESTUURDER", amount="", reference="",
                  due="Antwoord uiterlijk op: 06/04/2026\ngeldboete van 1.760 tot 88.000 euro.")
    result = extract_fields(text)
    assert result.kind == "driver_identification"
    assert (result.amount_cents, result.currency, result.payment_reference) == (None, None, None)
    assert result.due_date == date(2026, 4, 6)
    assert not result.needs_review


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("lines", "problem"), [
    ({"reference": "Gestructureerde mededeling: +++614/2626/87223+++"},
     Reason("reference_check")),
    ({"date": "Datum: 01/03/2026"}, Reason("offence_after_letter")),
    ({"due": "Uiterste betaaldatum: 01/03/2026"}, Reason("due_before_letter")),
    ({"plate": "Nummerplaat: 1-ABC-12345"}, Reason("missing", {"field": "plate"})),
    ({"ref": ""}, Reason("missing", {"field": "notice_number"})),
    ({"amount": ""}, Reason("missing", {"field": "amount_cents"})),
    ({"offence": "Datum van de overtreding: 14/03/2026"}, Reason("offence_time_missing")),
])
def test_validation_problems_send_the_fine_to_review(lines: dict[str, str], problem: Reason) -> None:
    result = extract_fields(letter(**lines))
    assert problem in result.problems
    assert result.needs_review


def test_plate_of_wrong_country_pattern_is_reported() -> None:
    from app.fleet.plates import Plate, plate_is_valid

    assert not plate_is_valid(Plate("BE", "AB123CD"))


def test_empty_text_yields_an_empty_extraction_that_needs_review() -> None:
    result = extract_fields("")
    assert result == Extraction(confidence=result.confidence, problems=result.problems, language=result.language)
    assert result.kind == "other" and result.needs_review


def test_extraction_is_frozen() -> None:
    result = extract_fields(letter())
    with pytest.raises(AttributeError):
        result.kind = "parking"  # type: ignore[misc]


def test_a_structured_communication_is_written_as_on_the_transfer_form() -> None:
    from fines.money import format_structured_reference, structured_reference_valid

    assert structured_reference_valid("090933755493")
    assert format_structured_reference("090933755493") == "+++090/9337/55493+++"
    assert format_structured_reference("BE-REF-1") == "BE-REF-1"  # anything else is shown as read

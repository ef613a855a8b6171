"""OCR's slips on faxes and poor scans undone by the fields' own rules: known issuers' names, notice
numbers of a known shape, the structured reference's check, plate formats, misread labels, dates and
times, and the order in which doubtful lines are read again."""
from __future__ import annotations

from datetime import date, time

import pytest

from app.fleet.plates import Plate
from fines.intake.dates import find_date, find_time, fold
from fines.intake.extraction import extract_fields
from fines.intake.fields import (
    leading_time,
    notice_value,
    plate_value,
    read_addressee,
    read_issuer,
    reference_value,
    structured_reference,
)
from fines.intake.ocr import Line, Reading
from fines.money import structured_reference_valid


def head(*lines: str) -> list[tuple[str, str]]:
    return [(line, fold(line)) for line in lines]


@pytest.mark.parametrize(("line", "issuer"), [
    ("Parquet du procuteur du Ro:", "Parquet du procureur du Roi"),
    ("Parket yan de procureur des Konings", "Parket van de procureur des Konings"),
    ("Parquet du procureur. du Roi", "Parquet du procureur du Roi"),
    ("Agence nationale'de traitement automatise des infractions",
     "Agence nationale de traitement automatisé des infractions"),
    ("Parket van de procureur des Kanings Antwerpen.", "Parket van de procureur des Konings Antwerpen"),
    ("Parket van de procureur des Konings - Verkeersbemiddeling", "Parket van de procureur des Konings"),
])
def test_an_issuer_misread_by_a_letter_or_two_is_snapped_to_its_known_name(line: str, issuer: str) -> None:
    assert read_issuer(head("FEDERALE OVERHEIDSDIENST JUSTITIE", line)) == (issuer, 1)


def test_a_head_line_that_is_no_known_issuer_is_kept_as_written() -> None:
    assert read_issuer(head("Parkeerbeheer Klantendienst Kortrijk")) == ("Parkeerbeheer Klantendienst Kortrijk", 0)
    assert read_issuer(head("Parquet général de Liège")) == ("Parquet général de Liège", 0)


@pytest.mark.parametrize(("line", "name"), [
    ("Fleet Partners Wallonie SA.", "Fleet Partners Wallonie SA"),
    ("Autolease Vlaanderen.NV", "Autolease Vlaanderen NV"),
    ("Fleet Partners S.A.", "Fleet Partners S.A."),
])
def test_an_addressee_loses_the_full_stops_ocr_put_after_it_or_before_its_company_form(line: str,
                                                                                       name: str) -> None:
    assert read_addressee(head("Stad Gent", line, "Rue de l'Industrie 22, 1400 Nivelles"), 0)[0] == name


@pytest.mark.parametrize(("value", "notice"), [
    ("11.72.F5.922029;2026", "LI.72.F5.922029/2026"),
    ("AN:57.L8.905972:2026.", "AN.57.L8.905972/2026"),
    ("AN.15 L5 954535/2026", "AN.15.L5.954535/2026"),
    ("LI 55 F5 890528/2026", "LI.55.F5.890528/2026"),
    ("AN.31.12.118275/2026", "AN.31.L2.118275/2026"),
    ("ZPi5330/11873-26", "ZP/5330/11873-26"),
    ("PZ/591-1/26931-26", "PZ/5911/26931-26"),
    # other shapes are left as they are
    ("ME.12.L3.004512/2026", "ME.12.L3.004512/2026"), ("OP/2026/55.812.774", "OP/2026/55.812.774"),
    ("552.41.038976.7", "552.41.038976.7"), ("R495657478", "R495657478"), ("PZ/59/26931-26", "PZ/59/26931-26"),
])
def test_notice_numbers_of_a_known_shape_are_written_again_as_the_shape_says(value: str, notice: str) -> None:
    assert notice_value(value) == notice


@pytest.mark.parametrize(("text", "digits"), [
    ("+++348:8002:84218+++", "348800284218"),        # slashes read as colons
    ("+++512:4569,16592+++", "512456916592"),
    ("++4575/8337/42130+++", "575833742130"),         # the first + read as a 4: the 12 that pass the check
    ("+++444: 1 847:9761 7444", "444184797617"),     # the closing marks read as 4s
    ('*"550/1234/56741***', "550123456741"),          # a * read as a quote
    ("+++614/2626/87222+++", "614262687222"),
])
def test_a_structured_reference_is_read_through_ocr_slips_by_its_check_digits(text: str, digits: str) -> None:
    assert structured_reference_valid(digits)
    assert structured_reference(f"Mededeling {text}") == digits
    assert reference_value(text) == digits


def test_a_reference_that_passes_no_check_is_still_read_and_unmarked_digits_are_not_cut() -> None:
    assert structured_reference("+++614/2626/87223+++") == "614262687223"
    assert reference_value("5123 4567 8901 2345") == "5123456789012345"  # a Dutch payment reference


@pytest.mark.parametrize(("value", "home", "plate"), [
    ("ZUAGS41", "BE", Plate("BE", "2UAG541")),     # a Belgian letter: Z/2 and S/5 undone
    ("ZUAGS41", None, Plate("DE", "ZUAGS41")),     # a foreign one: as written
    ("B-AB.1234 die", None, Plate("DE", "BAB1234")),  # a full stop for the space of a German plate
    ("12-ABC-3", "BE", Plate("NL", "12ABC3")),     # written with its separators: its own country
    ("1-TUG436", "BE", Plate("BE", "1TUG436")),
    ("GFK 151", "BE", Plate("BE", "GFK151")),
])
def test_plates_are_repaired_by_their_formats_position_by_position(value: str, home: str | None,
                                                                   plate: Plate) -> None:
    assert plate_value(value, home) == plate


def letter(**changes: str) -> str:
    lines = {
        "head": "FEDERALE OVERHEIDSDIENST JUSTITIE\nParket van de procureur des Konings\n"
                "Postbus 1200, 1000 Brussel\nMobiCar Lease BV\nNoorderlaan 133, 2030 Antwerpen",
        "date": "Datum: 23/03/2026", "title": "VOORSTEL TOT ONMIDDELLIJKE INNING",
        "ref": "Kenmerk: AN.77.L1.811509/2026", "plate": "Nummerplaat: 2-FEJ-436",
        "offence": "Datum van de overtreding: 14/03/2026\nUur: 15u50", "amount": "Te betalen bedrag: EUR 234,00",
        "reference": "Gestructureerde mededeling: +++614/2626/87222+++", "due": "Uiterste betaaldatum: 22/05/2026",
    }
    lines.update(changes)
    return "\n".join(lines.values())


def test_a_label_misread_by_a_letter_or_two_still_finds_its_value() -> None:
    fields = extract_fields(letter(plate="Nummerpiaat: 2-FEJ-436", due="Uiterste betaaidatum: 22/05/2026",
                                   amount="Te betalen bedrog: EUR 234,00"))
    assert (fields.plate, fields.due_date, fields.amount_cents) == ("2FEJ436", date(2026, 5, 22), 23400)
    assert fields.confidence["plate"] < 0.95  # found through a misread label: less sure


def test_a_short_label_is_never_guessed_from_a_misreading() -> None:
    fields = extract_fields(letter(offence="Datum van de overtreding: 14/03/2026\nUrr: 15u50"))
    assert fields.offence_at is not None and fields.offence_at.time() == time(0, 0)


@pytest.mark.parametrize(("text", "day"), [
    ("30:07:2026", date(2026, 7, 30)), ("24:05/2026", date(2026, 5, 24)), ("14-03:2026 15.50 uur", date(2026, 3, 14)),
    ("24 tebruari 2026", date(2026, 2, 24)), ("4 me: 2026", date(2026, 5, 4)), ("7-September 2026", date(2026, 9, 7)),
    ("Datum Q3-11-2026", date(2026, 11, 3)),
])
def test_dates_are_read_through_misread_separators_months_and_digits(text: str, day: date) -> None:
    found = find_date(text)
    assert found is not None and found.value == day


def test_no_date_is_made_of_a_time_a_misread_word_or_an_impossible_month() -> None:
    assert find_date("Uur: 18:15") is None
    assert find_date("02-14-2026") is None
    assert find_date("in 12 dagen 2026") is None


def test_a_time_that_lost_its_colon_is_read_after_its_word_or_its_label() -> None:
    found = find_time("20-10-2026 om 22 15")
    assert found is not None and found.value == time(22, 15)
    assert leading_time("09 03") == time(9, 3) and leading_time("09 03 uur") == time(9, 3)
    assert leading_time("02u1 1") == time(2, 11) and leading_time("1 2") is None
    assert find_time("rijstrook 22 15 km") is None


def test_doubtful_lines_with_digits_are_read_again_first() -> None:
    prose = Line((1, 1, 1), "Indien u niet de bestuurder was", 60.0, 20.0, (0, 0, 10, 10))
    number = Line((1, 2, 1), "Kenmerk AN.15 L5 954535/2026", 80.0, 70.0, (0, 20, 10, 10))
    assert Reading((prose, number)).doubtful_lines() == [number, prose]


def test_a_speck_or_logo_read_as_a_few_letters_is_not_taken_for_the_issuer() -> None:
    assert read_issuer(head("il", "Parkeerbedrijf Antwerpen", "Kievitplein 20, 2018 Antwerpen")) == (
        "Parkeerbedrijf Antwerpen", 1)


def test_a_snapped_issuer_keeps_its_city_but_not_its_department() -> None:
    assert read_issuer(head("Parket yan de procureur des Konings - Verkeersbemiddeling")) == (
        "Parket van de procureur des Konings", 0)
    assert read_issuer(head("Parquet du procureur du Ro: de Namur")) == ("Parquet du procureur du Roi de Namur", 0)
    assert read_issuer(head("Staatsanwaltschaft Köln")) == ("Staatsanwaltschaft Köln", 0)

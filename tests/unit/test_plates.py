"""Licence plates: country detection, OCR repair, validity and national notation."""
from __future__ import annotations

import pytest

from app.fleet.plates import Plate, format_plate, normalise_plate, plate_is_valid


@pytest.mark.parametrize(("raw", "country", "text"), [
    ("1-ABC-123", "BE", "1ABC123"),
    ("1 abc 123", "BE", "1ABC123"),
    ("2FEJ436", "BE", "2FEJ436"),
    ("1-JCY986", "BE", "1JCY986"),
    ("WAH-650", "BE", "WAH650"),
    ("123-ABC", "BE", "123ABC"),
    ("12-ABC-3", "NL", "12ABC3"),
    ("AB-123-C", "NL", "AB123C"),
    ("1-ABC-23", "NL", "1ABC23"),
    ("AB-CD-12", "NL", "ABCD12"),
    ("AB-123-CD", "FR", "AB123CD"),
    ("1234 AB 75", "FR", "1234AB75"),
    ("B-AB 1234", "DE", "BAB1234"),
    ("M-X 12E", "DE", "MX12E"),
    ("AB 1234", "LU", "AB1234"),
    ("123456", "LU", "123456"),
])
def test_normalise_plate_detects_country_from_notation(raw: str, country: str, text: str) -> None:
    plate = normalise_plate(raw)
    assert plate == Plate(country, text)
    assert plate is not None and plate_is_valid(plate)


@pytest.mark.parametrize(("raw", "text"), [
    ("1-UCCO22", "1UCC022"),   # O read for 0 in a digit position
    ("l-ABC-123", "1ABC123"),  # l read for 1
    ("1-A8C-123", "1ABC123"),  # 8 read for B in a letter position
])
def test_normalise_plate_repairs_ocr_confusions(raw: str, text: str) -> None:
    assert normalise_plate(raw) == Plate("BE", text)


def test_ambiguous_compact_plate_prefers_belgium() -> None:
    assert normalise_plate("KAB123") == Plate("BE", "KAB123")
    assert normalise_plate("K-AB 123") == Plate("DE", "KAB123")


@pytest.mark.parametrize("raw", ["", "-", "A", "THIS IS NOT A PLATE AT ALL"])
def test_normalise_plate_rejects_non_plates(raw: str) -> None:
    assert normalise_plate(raw) is None


def test_normalise_plate_with_country_keeps_an_invalid_plate_for_review() -> None:
    plate = normalise_plate("AB-123-CD", "BE")
    assert plate == Plate("BE", "AB123CD")
    assert plate is not None and not plate_is_valid(plate)


def test_normalise_plate_with_country_repairs_to_that_country() -> None:
    assert normalise_plate("1-ABC-l23", "BE") == Plate("BE", "1ABC123")


@pytest.mark.parametrize(("plate", "written"), [
    (Plate("BE", "1ABC123"), "1-ABC-123"),
    (Plate("BE", "ABC123"), "ABC-123"),
    (Plate("NL", "12ABC3"), "12-ABC-3"),
    (Plate("NL", "AB123C"), "AB-123-C"),
    (Plate("FR", "AB123CD"), "AB-123-CD"),
    (Plate("FR", "1234AB75"), "1234 AB 75"),
    (Plate("LU", "AB1234"), "AB 1234"),
    (Plate("DE", "BAB1234", district=1), "B-AB 1234"),
    (Plate("DE", "BAB1234"), "BAB1234"),  # split unknown: compact text
    (Plate("XX", "Q1"), "Q1"),
])
def test_format_plate_writes_national_notation(plate: Plate, written: str) -> None:
    assert format_plate(plate) == written


def test_german_split_survives_a_round_trip_but_not_equality() -> None:
    plate = normalise_plate("HH-AB 12")
    assert plate is not None and format_plate(plate) == "HH-AB 12"
    assert plate == Plate("DE", "HHAB12")


@pytest.mark.parametrize(("plate", "valid"), [
    (Plate("BE", "1ABC123"), True), (Plate("BE", "AB123CD"), False), (Plate("FR", "AB123CD"), True),
    (Plate("NL", "1ABC23"), True), (Plate("LU", "AB1234"), True), (Plate("DE", "BAB1234"), True),
    (Plate("DE", "1234"), False), (Plate("XX", "ABC"), False),
])
def test_plate_is_valid_checks_the_country_pattern(plate: Plate, valid: bool) -> None:
    assert plate_is_valid(plate) is valid

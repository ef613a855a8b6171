"""OCR output as text: Tesseract's TSV read into lines and confidences, specks dropped, OCR letters folded."""
from __future__ import annotations

import pytest

from fines.intake.dates import find_date, fold
from fines.intake.fields import notice_value
from fines.intake.judge import judge_fields
from fines.intake.ocr import Line, Reading, from_tsv, tidy

HEAD = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def row(block: int, par: int, line: int, word: int, left: int, top: int, conf: float, text: str) -> str:
    return f"5\t1\t{block}\t{par}\t{line}\t{word}\t{left}\t{top}\t{10 * len(text)}\t20\t{conf}\t{text}"


TSV = "\n".join([
    HEAD,
    "1\t1\t0\t0\t0\t0\t0\t0\t1000\t1400\t-1\t",
    row(1, 1, 1, 1, 100, 50, 96.0, "Kenmerk:"),
    row(1, 1, 1, 2, 200, 50, 62.5, "AN.77.L1.811509/2026"),
    row(1, 1, 1, 3, 420, 50, 21.0, "|"),
    row(1, 1, 2, 1, 100, 80, 95.0, "Nummerplaat:"),
    row(1, 1, 2, 2, 240, 80, 93.0, "‘2-FEJ-436"),
    row(2, 1, 1, 1, 100, 200, 90.0, "Bedrag"),
    row(2, 1, 1, 2, 170, 200, 97.0, "€"),
    row(2, 1, 1, 3, 190, 200, 97.0, "234,00"),
])


def test_tsv_becomes_lines_in_reading_order_with_a_blank_line_between_blocks() -> None:
    reading = Reading(from_tsv(TSV))
    assert reading.text == "Kenmerk: AN.77.L1.811509/2026\nNummerplaat: 2-FEJ-436\n\nBedrag € 234,00"
    first = reading.lines[0]
    assert first.key == (1, 1, 1) and first.lowest == 62.5
    assert first.box == (100, 50, 200 + 10 * len("AN.77.L1.811509/2026") - 100, 20)


def test_confidence_is_weighted_by_word_length() -> None:
    line = from_tsv(TSV)[0]
    assert line.confidence == pytest.approx((96.0 * 8 + 62.5 * 20) / 28)


def test_doubtful_lines_are_the_least_sure_first() -> None:
    reading = Reading(from_tsv(TSV))
    assert [line.key for line in reading.doubtful_lines()] == [(1, 1, 1)]
    assert Reading((Line((1, 1, 1), "ok", 99.0, 99.0, (0, 0, 1, 1)),)).doubtful_lines() == []


@pytest.mark.parametrize(("word", "confidence", "kept"), [
    ("|", 21.0, ""), ("-", 40.0, ""), ("-", 92.0, "-"), ("€", 30.0, "€"), ("+++", 50.0, "+++"),
    ("‘GNT/PR/2026/88121", 88.0, "GNT/PR/2026/88121"), ("l'Industrie", 95.0, "l'Industrie"),
])
def test_specks_read_as_punctuation_are_dropped_and_stray_quotes_trimmed(word: str, confidence: float,
                                                                           kept: str) -> None:
    assert tidy(word, confidence) == kept


def test_dotless_i_read_by_ocr_folds_to_i_and_dates_survive_it() -> None:
    assert fold("Polızeiverwaltungsamt") == "polizeiverwaltungsamt"
    found = find_date("Betalen uiterlijk op 4 meı 2026")
    assert found is not None and found.value.isoformat() == "2026-05-04"


def test_the_judge_counts_doubts_and_tells_the_letter_language() -> None:
    letter = "\n".join([
        "FEDERALE OVERHEIDSDIENST JUSTITIE", "Parket van de procureur des Konings", "Postbus 1200, 1000 Brussel",
        "MobiCar Lease BV", "Noorderlaan 133, 2030 Antwerpen", "Datum: 23/03/2026",
        "VOORSTEL TOT ONMIDDELLIJKE INNING", "Kenmerk: AN.77.L1.811509/2026", "Nummerplaat: 2-FEJ-436",
        "Datum van de overtreding: 14/03/2026", "Uur: 15u50", "Te betalen bedrag: EUR 234,00",
        "Gestructureerde mededeling: +++614/2626/87222+++", "Uiterste betaaldatum: 22/05/2026",
    ])
    clean = judge_fields(letter)
    assert clean.settled and clean.languages == "nld"
    broken = judge_fields(letter.replace("+++614/2626/87222+++", "+++614/2626/87223+++").replace("Kenmerk", "Kenrnerk"))
    assert broken.doubts >= 2 and not broken.settled
    assert judge_fields("#~ unreadable ~#").languages is None


@pytest.mark.parametrize(("value", "notice"), [
    ("AN:31.L2.118275/2026", "AN.31.L2.118275/2026"), ("AN.31:L2.118275/2026", "AN.31.L2.118275/2026"),
    ("LEZ-2026-459077", "LEZ-2026-459077"), ("09:03", None),
])
def test_notice_number_with_a_full_stop_read_as_a_colon_is_mended(value: str, notice: str | None) -> None:
    assert notice_value(value) == notice


@pytest.mark.parametrize("value", ["L1.36.F3.340363/2026", "Li.36.F3.340363/2026", "LI.36.F3.340363/2026"])
def test_french_federal_notice_number_read_with_a_one_for_its_i_is_mended(value: str) -> None:
    assert notice_value(value) == "LI.36.F3.340363/2026"

"""Contract CSV import and export: what Belgian spreadsheets send, what is refused, round trips."""
from __future__ import annotations

from datetime import date

import pytest

from app.fleet.contracts_csv import (
    MAX_ROWS,
    ContractRow,
    ParsedCsv,
    RowError,
    parse_contracts_csv,
    write_contracts_csv,
)
from app.fleet.instructions import Instruction
from tests import support

HEADER = "client_code,contract_number,plate,driver,start_date,end_date,instruction"
GOOD = "LEASEA,LEASEA-1001,1-ABC-123,Tom Claes,2025-02-01,2026-05-27,recharge"
KNOWN = {"LEASEA", "FLEETB", "MOBIC"}


def parse(text: str, *, default: str | None = None, known: set[str] | None = KNOWN,
          allowed: set[str] | None = None) -> ParsedCsv:
    return parse_contracts_csv(text, default_client_code=default, known_client_codes=known,
                               allowed_client_codes=allowed)


def test_a_good_row_is_normalised() -> None:
    parsed = parse(f"{HEADER}\n{GOOD}\n")
    assert parsed.errors == []
    assert parsed.rows == [ContractRow(client_code="LEASEA", contract_number="LEASEA-1001", plate="1ABC123",
                                       plate_country="BE", driver="Tom Claes", start_date=date(2025, 2, 1),
                                       end_date=date(2026, 5, 27), instruction=Instruction.RECHARGE)]
    assert parsed.rows[0].line == 2


BAD_ROWS = [
    # the data row (after a good header), the expected (line, column, message fragment)
    ("NOPE,X-1,1ABC123,Tom,2025-01-01,,redirect", ("client_code", "Unknown client code 'NOPE'")),
    (",X-1,1ABC123,Tom,2025-01-01,,redirect", ("client_code", "client_code is empty")),
    ("LEASEA,,1ABC123,Tom,2025-01-01,,redirect", ("contract_number", "contract_number is empty")),
    ("LEASEA,X-1,,Tom,2025-01-01,,redirect", ("plate", "plate is empty")),
    ("LEASEA,X-1,!!!,Tom,2025-01-01,,redirect", ("plate", "Not a valid licence plate: '!!!'")),
    ("LEASEA,X-1,1ABC123,Tom,,,redirect", ("start_date", "start_date is empty")),
    ("LEASEA,X-1,1ABC123,Tom,2025-13-01,,redirect", ("start_date", "Not a date: '2025-13-01'")),
    ("LEASEA,X-1,1ABC123,Tom,31/02/2025,,redirect", ("start_date", "Not a date: '31/02/2025'")),
    ("LEASEA,X-1,1ABC123,Tom,next monday,,redirect", ("start_date", "Not a date")),
    ("LEASEA,X-1,1ABC123,Tom,0202-01-01,,redirect", ("start_date", "Not a date: '0202-01-01'")),
    ("LEASEA,X-1,1ABC123,Tom,2025-01-01,soon,redirect", ("end_date", "Not a date: 'soon'")),
    ("LEASEA,X-1,1ABC123,Tom,2025-02-01,2025-01-31,redirect",
     ("end_date", "end_date 2025-01-31 is before start_date 2025-02-01")),
    ("LEASEA,X-1,1ABC123,Tom,2025-01-01,,pay", ("instruction", "Unknown instruction 'pay'")),
    ("LEASEA,X-1,1ABC123,Tom,2025-01-01,,", ("instruction", "instruction is empty")),
    ("LEASEA," + "X" * 65 + ",1ABC123,Tom,2025-01-01,,redirect", ("contract_number", "longer than 64")),
]


@pytest.mark.parametrize(("row", "expected"), BAD_ROWS, ids=[e[1] for _, e in BAD_ROWS])
def test_bad_rows_are_reported_on_their_line(row: str, expected: tuple[str, str]) -> None:
    parsed = parse(f"{HEADER}\n{GOOD}\n{row}\n")
    column, fragment = expected
    assert [(e.line, e.column) for e in parsed.errors] == [(3, column)]
    assert fragment in parsed.errors[0].message
    assert [r.contract_number for r in parsed.rows] == ["LEASEA-1001"]  # the bad row is left out


def test_every_problem_of_a_row_is_reported() -> None:
    parsed = parse(f"{HEADER}\nLEASEA,,??,Tom,yesterday,,maybe\n")
    assert [e.column for e in parsed.errors] == ["contract_number", "plate", "start_date", "instruction"]
    assert {e.line for e in parsed.errors} == {2}


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("client_code,contract_number,plate,driver,start_date,instruction", "end_date"),
        ("contract_number,plate,driver,start_date,end_date,instruction", "client_code"),
        ("client_code,number,plate,driver,from,end_date,instruction", "contract_number, start_date"),
        ("client_code,contract_number,plate,plate,driver,start_date,end_date,instruction", "more than once: plate"),
    ],
)
def test_header_problems_are_one_error_on_line_1(header: str, fragment: str) -> None:
    parsed = parse(f"{header}\n{GOOD}\n")
    assert len(parsed.errors) == 1
    assert (parsed.errors[0].line, parsed.errors[0].column) == (1, None)
    assert fragment in parsed.errors[0].message
    assert parsed.rows == []


def test_client_code_may_come_from_the_importer() -> None:
    text = "contract_number,plate,driver,start_date,end_date,instruction\nX-1,1ABC123,Tom,2025-01-01,,redirect\n"
    parsed = parse(text, default="FLEETB", allowed={"FLEETB"})
    assert parsed.errors == []
    assert parsed.rows[0].client_code == "FLEETB"


def test_a_client_user_cannot_import_another_clients_rows() -> None:
    text = f"{HEADER}\n{GOOD}\nFLEETB,F-1,1ABC123,Jan,2025-01-01,,redirect\nNOPE,N-1,1ABC123,Jan,2025-01-01,,redirect\n"
    parsed = parse(text, default="FLEETB", allowed={"FLEETB"})
    assert [(e.line, e.column) for e in parsed.errors] == [(2, "client_code"), (4, "client_code")]
    # An unknown code is refused as "not yours" too, so a client cannot probe which clients exist.
    assert all("You may not import contracts for client code" in e.message for e in parsed.errors)
    assert [r.contract_number for r in parsed.rows] == ["F-1"]


def test_duplicate_contract_number_within_a_client() -> None:
    text = (f"{HEADER}\n{GOOD}\nLEASEA,LEASEA-1001,2XYZ789,Ann,2025-01-01,,redirect\n"
            "MOBIC,LEASEA-1001,2XYZ789,Ann,2025-01-01,,redirect\n")  # same number at another client: fine
    parsed = parse(text)
    assert parsed.errors == [RowError(3, "contract_number", "repeated_number", {"number": "LEASEA-1001",
                                                                                 "first_line": 2})]
    assert parsed.errors[0].message == "Contract number LEASEA-1001 appears again (first on line 2)."
    assert [(r.client_code, r.line) for r in parsed.rows] == [("LEASEA", 2), ("MOBIC", 4)]


@pytest.mark.parametrize(
    ("second", "overlapping"),
    [
        ("LEASEA,L-2,1ABC123,Ann,2026-05-27,,redirect", True),            # shares the end day
        ("LEASEA,L-2,1ABC123,Ann,2026-05-28,,redirect", False),           # starts the day after
        ("LEASEA,L-2,1ABC123,Ann,2024-01-01,2025-02-01,redirect", True),  # ends on the start day
        ("LEASEA,L-2,1ABC123,Ann,2024-01-01,2025-01-31,redirect", False),
        ("LEASEA,L-2,1ABC123,Ann,2020-01-01,,redirect", True),            # open-ended before
        ("MOBIC,L-2,1ABC123,Ann,2026-01-01,,redirect", False),            # another client
        ("LEASEA,L-2,2XYZ789,Ann,2026-01-01,,redirect", False),           # another plate
    ],
)
def test_overlapping_periods_of_one_plate(second: str, overlapping: bool) -> None:
    parsed = parse(f"{HEADER}\n{GOOD}\n{second}\n")
    if overlapping:
        assert [(e.line, e.column) for e in parsed.errors] == [(3, "plate")]
        assert "Plate 1-ABC-123 has overlapping contracts: L-2" in parsed.errors[0].message
        assert "LEASEA-1001 on line 2" in parsed.errors[0].message
    else:
        assert parsed.errors == []
        assert len(parsed.rows) == 2


def test_excel_semicolons_bom_crlf_blank_lines_and_belgian_dates() -> None:
    text = ("\ufeffClient_Code;Contract Number;Plate;Driver;Start_Date;End_Date;Instruction\r\n"
            "\r\n"
            "LEASEA;L-1;1-abc-123;\"Claes; Tom\";01/02/2025;27/05/2026;Doorbelasten\r\n"
            ";;;;;;\r\n"
            "LEASEA;L-2;1-ABC-123;Marie Dubois;28.05.2026;;VERLEGGEN\r\n"
            "LEASEA;L-3;2XYZ789;Luc;2026-01-01;;Désigner\r\n"
            "LEASEA;L-4;2XYZ788;Luc;2026-01-01;;refacturer\r\n"
            "\r\n"
            "LEASEA;L-5;2XYZ787;Luc;2026-01-01;;bogus\r\n")
    parsed = parse(text)
    assert [(e.line, e.column) for e in parsed.errors] == [(9, "instruction")]
    assert [(r.contract_number, r.line, r.instruction) for r in parsed.rows] == [
        ("L-1", 3, Instruction.RECHARGE), ("L-2", 5, Instruction.REDIRECT), ("L-3", 6, Instruction.REDIRECT),
        ("L-4", 7, Instruction.RECHARGE)]
    assert parsed.rows[0].driver == "Claes; Tom"
    assert (parsed.rows[0].start_date, parsed.rows[0].end_date) == (date(2025, 2, 1), date(2026, 5, 27))
    assert parsed.rows[1].end_date is None


def test_a_value_spanning_lines_moves_the_line_numbers() -> None:
    text = f'{HEADER},driver_address\nLEASEA,L-1,1ABC123,Tom,2025-01-01,,redirect,"Rue Haute 1\n1000 Brussel"\n' \
           "LEASEA,L-2,2XYZ789,Ann,2025-01-01,,pay,\n"
    parsed = parse(text)
    assert parsed.rows[0].driver_address == "Rue Haute 1\n1000 Brussel"
    assert [(e.line, e.column) for e in parsed.errors] == [(4, "instruction")]


@pytest.mark.parametrize(
    ("plate", "country", "stored", "error"),
    [
        ("AB-123-C", "", ("NL", "AB123C"), None),
        ("AB123C", "nl", ("NL", "AB123C"), None),
        ("B-AB 1234", "DE", ("DE", "BAB1234"), None),
        ("WX 1234", "PL", ("PL", "WX1234"), None),          # a country plates.py does not know: accepted as is
        ("1ABC123", "NL", None, "Not a valid NL licence plate"),
        ("1ABC123", "Belgium", None, "two-letter country code"),
    ],
)
def test_plate_country_column(plate: str, country: str, stored: tuple[str, str] | None, error: str | None) -> None:
    parsed = parse(f"{HEADER},plate_country\nLEASEA,L-1,{plate},Tom,2025-01-01,,redirect,{country}\n")
    if error is None:
        assert parsed.errors == []
        assert (parsed.rows[0].plate_country, parsed.rows[0].plate) == stored
    else:
        assert error in parsed.errors[0].message


def test_bad_email_is_reported() -> None:
    parsed = parse(f"{HEADER},driver_email\n{GOOD},tom.example.com\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(2, "driver_email")]


def test_empty_file_and_header_only() -> None:
    assert parse("").errors == [RowError(1, None, "empty_file")]
    assert parse("").errors[0].message == "The file is empty: it needs a header line."
    assert parse("\ufeff\n\n").errors[0].line == 1
    header_only = parse(HEADER + "\n")
    assert (header_only.rows, header_only.errors) == ([], [])


def test_too_many_rows_is_one_error() -> None:
    rows = "\n".join(f"LEASEA,L-{i},1ABC123,Tom,2025-01-01,,redirect" for i in range(MAX_ROWS + 1))
    parsed = parse(f"{HEADER}\n{rows}\n")
    assert parsed.rows == []
    assert len(parsed.errors) == 1
    assert "more than 200,000" in parsed.errors[0].message


def test_unreadable_csv_is_reported_not_raised() -> None:
    huge = "x" * 200_000  # beyond the csv module's field size limit
    parsed = parse(f"{HEADER}\n{GOOD}\nLEASEA,L-2,1ABC123,{huge},2025-01-01,,redirect\n")
    assert any(e.line == 3 and "cannot be read as CSV" in e.message for e in parsed.errors)


ROUND_TRIP = [
    ContractRow(client_code="LEASEA", contract_number="LEASEA-1001", plate="1ABC123", plate_country="BE",
                driver="Tom Claes", start_date=date(2025, 2, 1), end_date=date(2026, 5, 27),
                instruction=Instruction.RECHARGE),
    ContractRow(client_code="LEASEA", contract_number="=HYPERLINK(\"x\")", plate="AB123C", plate_country="NL",
                driver="-Marie, \"Mimi\" Dubois", start_date=date(2026, 5, 28), end_date=None,
                instruction=Instruction.REDIRECT, driver_email="marie@example.be",
                driver_address="Rue Haute 1\n1000 Bruxelles", vehicle="@Tesla Model 3"),
    ContractRow(client_code="MOBIC", contract_number="M-1", plate="BAB1234", plate_country="DE", driver=None,
                start_date=date(2026, 1, 1), end_date=None, instruction=Instruction.REDIRECT),
]


def test_export_then_import_round_trips() -> None:
    text = write_contracts_csv(ROUND_TRIP)
    assert text.splitlines()[0] == HEADER + ",plate_country,driver_email,driver_address,vehicle"
    parsed = parse(text)
    assert parsed.errors == []
    assert parsed.rows == ROUND_TRIP


def test_export_guards_against_spreadsheet_formulas() -> None:
    text = write_contracts_csv(ROUND_TRIP)
    assert "'=HYPERLINK" in text and "'@Tesla" in text and "'-Marie" in text


def test_export_accepts_the_instruction_as_a_plain_string() -> None:
    row = ContractRow(client_code="LEASEA", contract_number="L-1", plate="1ABC123", plate_country="BE",
                      driver="Tom", start_date=date(2025, 1, 1), end_date=None,
                      instruction="recharge")  # type: ignore[arg-type]
    assert row.instruction is Instruction.RECHARGE
    assert parse(write_contracts_csv([row])).rows == [row]


def test_the_corpus_contracts_parse_without_errors() -> None:
    text = (support.require_sample_corpus("contracts.csv") / "contracts.csv").read_text(encoding="utf-8")
    parsed = parse(text)
    assert parsed.errors == []
    assert len(parsed.rows) == sum(1 for line in text.splitlines()[1:] if line.strip())
    assert parse(write_contracts_csv(parsed.rows)).rows == parsed.rows

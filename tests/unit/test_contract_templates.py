"""The contract CSV's template and headers in nl, fr and en, ``client_code`` implied or refused, the
redirect warning, and the bounded report of fines matched again (pure: no app, no database)."""
from __future__ import annotations

from datetime import date

import pytest

from app.fleet import SHOWN, RematchCollector, Rematched, RematchReport
from app.fleet.contracts_csv import (
    COLUMNS,
    EXTRA_COLUMNS,
    HEADERS,
    TEMPLATE_LANGUAGES,
    ContractRow,
    RowError,
    parse_contracts_csv,
    template_csv,
)
from app.fleet.instructions import Instruction

KNOWN = {"ALPHA", "BETA"}


def _as_client(text: str, own: str = "ALPHA") -> tuple[list[ContractRow], list[RowError], list[RowError]]:
    parsed = parse_contracts_csv(text, default_client_code=own, known_client_codes=KNOWN, allowed_client_codes={own})
    return parsed.rows, parsed.errors, parsed.warnings


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_the_client_users_template_round_trips_through_the_importer(language: str) -> None:
    rows, errors, warnings = _as_client(template_csv(language, None))
    assert errors == [] and warnings == []
    [row] = rows
    assert (row.client_code, row.contract_number, row.plate, row.plate_country) == ("ALPHA", "LC-2026-0001",
                                                                                    "1ABC123", "BE")
    assert (row.start_date, row.end_date, row.instruction) == (date(2026, 1, 1), date(2029, 12, 31),
                                                               Instruction.REDIRECT)
    assert row.driver and row.driver_address and row.driver_email and row.vehicle


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_the_staff_template_names_the_client_and_round_trips(language: str) -> None:
    text = template_csv(language, "BETA")
    parsed = parse_contracts_csv(text, default_client_code=None, known_client_codes=KNOWN, allowed_client_codes=None)
    assert parsed.errors == [] and [r.client_code for r in parsed.rows] == ["BETA"]


@pytest.mark.parametrize(("language", "separator"), [("nl", ";"), ("fr", ";"), ("en", ",")])
def test_the_template_writes_the_headers_in_its_language(language: str, separator: str) -> None:
    header = template_csv(language, None).splitlines()[0].split(separator)
    names = HEADERS.get(language, {})
    assert header == [names.get(c, c) for c in COLUMNS + EXTRA_COLUMNS if c != "client_code"]


@pytest.mark.parametrize("header", [
    "Contractnummer;Nummerplaat;Bestuurder;Startdatum;Einddatum;Instructie",
    "numéro contrat;PLAQUE;Conducteur;Date début;date-fin;instruction",
    "numero_contrat;plaque;conducteur;date_debut;date_fin;instruction",  # accents left out
])
def test_dutch_and_french_headers_are_read_whatever_their_case_and_accents(header: str) -> None:
    rows, errors, _warnings = _as_client(f"{header}\nC-1;1-abc-123;Tom;01/02/2026;;doorbelasten\n")
    assert errors == [] and [(r.contract_number, r.plate, r.start_date) for r in rows] == [
        ("C-1", "1ABC123", date(2026, 2, 1))]


def test_client_code_is_implied_for_a_client_user_even_with_an_empty_cell() -> None:
    text = ("client_code,contract_number,plate,driver,start_date,end_date,instruction\n"
            ",C-1,1ABC123,Tom,2026-01-01,,recharge\n")
    rows, errors, _warnings = _as_client(text)
    assert errors == [] and [r.client_code for r in rows] == ["ALPHA"]


@pytest.mark.parametrize("code", ["BETA", "beta", "NOPE"])
def test_a_client_code_naming_another_client_is_refused_on_its_line_whether_it_exists_or_not(code: str) -> None:
    text = ("client_code,contract_number,plate,driver,start_date,end_date,instruction\n"
            "ALPHA,C-1,1ABC123,Tom,2026-01-01,,recharge\n"
            f"{code},C-2,2DEF456,Tom,2026-01-01,,recharge\n")
    rows, errors, _warnings = _as_client(text)
    assert [(e.line, e.column, e.code, dict(e.params)) for e in errors] == [
        (3, "client_code", "client_not_allowed", {"code": code})]
    assert [r.contract_number for r in rows] == ["C-1"]


@pytest.mark.parametrize(("driver", "address", "columns"), [
    ("", "", "driver, driver_address"),
    ("Tom", "", "driver_address"),
    ("", "Markt 1, 8000 Brugge", "driver"),
])
def test_a_redirect_row_without_the_drivers_name_or_address_is_imported_with_a_warning(
        driver: str, address: str, columns: str) -> None:
    text = ("contract_number,plate,driver,start_date,end_date,instruction,driver_address\n"
            f'C-1,1ABC123,{driver},2026-01-01,,redirect,"{address}"\n'
            "C-2,2DEF456,,2026-01-01,,recharge,\n")
    rows, errors, warnings = _as_client(text)
    assert errors == [] and len(rows) == 2
    [warning] = warnings
    assert (warning.line, warning.code, dict(warning.params)) == (2, "redirect_needs_driver",
                                                                  {"columns": columns, "number": "C-1"})
    assert warning.message.startswith("A redirect needs the driver's name and postal address")


def _record(fine_id: int, waiting: bool) -> Rematched:
    if waiting:
        return Rematched("fines", fine_id, "waiting_info", "no_contract", {"plate": "1-ABC-123", "day": "2026-06-10"})
    return Rematched("fines", fine_id, "ready", contract="C-1")


def test_the_rematch_report_keeps_the_first_records_of_each_kind_and_counts_them_all() -> None:
    collect = RematchCollector(limit=3)
    for fine_id in range(1, 11):
        collect.add(_record(fine_id, waiting=fine_id % 2 == 0))
    report = collect.report(looked_at=12)
    assert (report.looked_at, report.matched, report.waiting) == (12, 5, 5)
    assert [r.id for r in report.matched_records] == [1, 3, 5]
    assert [r.id for r in report.waiting_records] == [2, 4, 6]


def test_reports_of_several_clients_add_up_within_the_bound() -> None:
    first = RematchReport(SHOWN, 0, SHOWN, tuple(_record(i, True) for i in range(SHOWN)))
    second = RematchReport(2, 1, 1, (_record(1000, False), _record(1001, True)))
    total = first + second
    assert (total.looked_at, total.matched, total.waiting) == (SHOWN + 2, 1, SHOWN + 1)
    assert len(total.waiting_records) == SHOWN and [r.id for r in total.matched_records] == [1000]

"""Matching a fine to the lease contract of its plate on the offence date."""
from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from app.fleet.contracts_csv import parse_contracts_csv
from fines.reasons import Reason
from fines.workflow.matching import ContractPeriod, match_contract, overlaps
from tests import support


def period(id: int, number: str, plate: str, start: date, end: date | None) -> ContractPeriod:
    return ContractPeriod(id=id, contract_number=number, plate=plate, start_date=start, end_date=end)


# One plate over three contracts with a gap, another plate, and a plate reused after a long pause.
TOM = period(1, "LEASEA-1001", "1ABC123", date(2025, 2, 1), date(2026, 5, 27))
MARIE = period(2, "LEASEA-1002", "1ABC123", date(2026, 5, 28), date(2026, 12, 14))
KARIM = period(3, "LEASEA-1003", "1ABC123", date(2027, 1, 13), None)
OTHER = period(4, "LEASEA-1004", "2XYZ789", date(2024, 1, 1), None)
CONTRACTS = [TOM, MARIE, KARIM, OTHER]


@pytest.mark.parametrize(
    ("plate", "offence", "expected"),
    [
        ("1ABC123", date(2025, 2, 1), TOM),        # start day included
        ("1ABC123", date(2026, 5, 27), TOM),       # end day included
        ("1ABC123", date(2026, 5, 28), MARIE),     # the next contract's first day
        ("1ABC123", date(2026, 12, 14), MARIE),
        ("1ABC123", date(2027, 1, 13), KARIM),
        ("1ABC123", date(2040, 6, 1), KARIM),      # open-ended
        ("1-abc-123", date(2026, 3, 14), TOM),     # notation does not matter
        (" 1 ABC 123 ", date(2026, 3, 14), TOM),
        ("2-XYZ-789", date(2026, 3, 14), OTHER),
    ],
)
def test_match_prefers_contract_active_at_offence_time(plate: str, offence: date, expected: ContractPeriod) -> None:
    result = match_contract(CONTRACTS, plate, offence)
    assert result.contract == expected
    assert result.reason is None


@pytest.mark.parametrize(
    ("plate", "offence", "reason"),
    [
        # before the first, in the gap, the gap's last day
        ("1ABC123", date(2025, 1, 31), Reason("no_contract", {"plate": "1-ABC-123", "day": "2025-01-31"})),
        ("1ABC123", date(2026, 12, 15), Reason("no_contract", {"plate": "1-ABC-123", "day": "2026-12-15"})),
        ("1ABC123", date(2027, 1, 12), Reason("no_contract", {"plate": "1-ABC-123", "day": "2027-01-12"})),
        ("1-DEF-456", date(2026, 3, 14), Reason("no_contract", {"plate": "1-DEF-456", "day": "2026-03-14"})),
        # French
        ("AB-123-CD", date(2026, 3, 14), Reason("no_contract", {"plate": "AB-123-CD", "day": "2026-03-14"})),
        ("??", date(2026, 3, 14), Reason("no_plate", {"day": "2026-03-14"})),
    ],
)
def test_no_contract_explains_plate_and_date(plate: str, offence: date, reason: Reason) -> None:
    result = match_contract(CONTRACTS, plate, offence)
    assert result.contract is None
    assert result.reason == reason


def test_overlapping_contracts_are_not_guessed_between() -> None:
    twin = period(9, "LEASEA-0999", "1ABC123", date(2026, 5, 1), date(2026, 6, 30))
    result = match_contract([*CONTRACTS, twin], "1ABC123", date(2026, 5, 27))
    assert result.contract is None
    assert result.reason == Reason("overlap", {"count": "2", "plate": "1-ABC-123", "day": "2026-05-27",
                                               "numbers": "LEASEA-0999, LEASEA-1001"})
    # Outside the overlap the twin alone runs.
    assert match_contract([*CONTRACTS, twin], "1ABC123", date(2026, 6, 30)).contract is None
    assert match_contract([*CONTRACTS, twin], "1ABC123", date(2026, 7, 1)).contract == MARIE


def test_plate_reused_after_other_plates_in_candidates_only_matches_its_own() -> None:
    result = match_contract([OTHER], "1ABC123", date(2026, 3, 14))
    assert result.contract is None


def test_country_given_formats_the_reason_in_that_country() -> None:
    result = match_contract([], "AB123C", date(2026, 3, 14), country="NL")
    assert result.reason == Reason("no_contract", {"plate": "AB-123-C", "day": "2026-03-14"})


def test_a_datetime_offence_is_refused() -> None:
    with pytest.raises(TypeError):
        match_contract(CONTRACTS, "1ABC123", datetime(2026, 3, 14, 12))


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ([TOM, MARIE, KARIM, OTHER], []),
        ([TOM, period(5, "B", "1-ABC-123", date(2026, 5, 27), None)], [("LEASEA-1001", "B")]),  # one shared day
        ([KARIM, period(5, "B", "1ABC123", date(2030, 1, 1), date(2030, 1, 1))], [("LEASEA-1003", "B")]),  # open
        ([period(5, "A", "1ABC123", date(2026, 1, 1), None),
          period(6, "B", "1ABC123", date(2026, 2, 1), date(2026, 2, 28)),
          period(7, "C", "1ABC123", date(2026, 3, 1), None)],
         [("A", "B"), ("A", "C")]),
        ([period(5, "A", "1ABC123", date(2026, 1, 1), date(2026, 12, 31)),
          period(6, "B", "2XYZ789", date(2026, 1, 1), date(2026, 12, 31))], []),  # different plates
    ],
)
def test_overlaps_lists_every_pair_sharing_a_day(periods: list[ContractPeriod],
                                                 expected: list[tuple[str, str]]) -> None:
    assert [(a.contract_number, b.contract_number) for a, b in overlaps(periods)] == expected


def test_corpus_fines_match_their_expected_contracts() -> None:
    CORPUS = support.require_sample_corpus("contracts.csv", "expected_matches.csv")
    parsed = parse_contracts_csv((CORPUS / "contracts.csv").read_text(encoding="utf-8"),
                                 default_client_code=None, known_client_codes=None, allowed_client_codes=None)
    assert parsed.errors == []
    by_client: dict[str, list[ContractPeriod]] = {}
    for index, row in enumerate(parsed.rows):
        by_client.setdefault(row.client_code, []).append(
            ContractPeriod(index, row.contract_number, row.plate, row.start_date, row.end_date))
    with (CORPUS / "expected_matches.csv").open(encoding="utf-8", newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert expected
    for wanted in expected:
        offence_day = date.fromisoformat(wanted["offence_at"][:10])  # Brussels local time already
        result = match_contract(by_client.get(wanted["client_code"], []), wanted["plate"], offence_day)
        found = result.contract.contract_number if result.contract else ""
        assert found == wanted["contract_number"], (wanted, result.reason)
        assert (result.reason is None) == bool(found)

"""The assistance rules, worked by hand from the seeds' numbers (002 Optimco, 003 AG Top Mobility, 000 providers).

Every case starts from one ordinary breakdown (Tuesday 10 March 2026, 08:00 in Brussels, roadside
assistance at 09:00, the car back on Thursday 12 March 09:00: 48 h) under a cover in force since
1 January 2026, and changes only what the row is about.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.workcalendar import WorkCalendar
from assistance.clocks import (
    AssignmentFacts,
    add_months,
    assignment_compliance,
    case_deadlines,
    monthly_compliance,
    provider_clocks,
)
from assistance.invoices import InvoiceLine, check_invoice, days_beyond
from assistance.rules import RULES, place_of
from assistance.terms import (
    Body,
    CaseFacts,
    Cause,
    CoverTerms,
    Exclusion,
    Formula,
    Product,
    Replacement,
    VehicleFacts,
    Verdict,
)
from assistance.verdict import FINDING_CODES, check

BRU = ZoneInfo("Europe/Brussels")
CAL = WorkCalendar.belgium()
OPTIMCO, AG = Product.OPTIMCO, Product.AG_TOP_MOBILITY


def at(day: str, hhmm: str = "08:00") -> datetime:
    """A moment in Brussels."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=BRU)


def cover(product: Product = OPTIMCO, **changes: Any) -> CoverTerms:
    base = CoverTerms(product=product, formula=Formula.ONE_VEHICLE if product is AG else None, upgrade=False,
                      start=date(2026, 1, 1), premium_paid=date(2025, 12, 20), signed=date(2025, 12, 1),
                      end=date(2027, 1, 1))
    return replace(base, **changes)


def vehicle(**changes: Any) -> VehicleFacts:
    return replace(VehicleFacts(plate="1ABC123", registered="BE", max_mass_kg=1800, body=Body.CAR), **changes)


def case(**changes: Any) -> CaseFacts:
    base = CaseFacts(cause=Cause.BREAKDOWN, at=at("2026-03-10"), country="BE", assistance_called_at_once=True,
                     police_tow=False, helper_arrived_at=at("2026-03-10", "09:00"),
                     immobilised_until=at("2026-03-12", "09:00"), repairable_within_3_workdays=None,
                     exclusions=frozenset())
    return replace(base, **changes)


def judge(product: Product = OPTIMCO, *, c: dict[str, Any] | None = None, v: dict[str, Any] | None = None,
          k: dict[str, Any] | None = None) -> Verdict:
    return check(cover(product, **(c or {})), vehicle(**(v or {})), case(**(k or {})), calendar=CAL)


def effects(verdict: Verdict) -> dict[str, str]:
    return {f.code: f.effect for f in verdict.reasons}


# -- the entitlement table (DOMAIN.md "Entitlements"), row by row ----------------------------------------

ENTITLEMENTS = [
    # id, product, cover changes, vehicle changes, case changes, (category, max_days, unit, return_by)
    ("002 6.3 Belgium: at most B, 7 consecutive days", OPTIMCO, {}, {}, {},
     ("B", 7, "days", date(2026, 3, 16))),
    ("002 6.4 c abroad repairable: B for 3 workdays", OPTIMCO, {}, {}, {"country": "FR",
                                                                      "repairable_within_3_workdays": True},
     ("B", 3, "workdays", date(2026, 3, 12))),
    ("002 6.4 c over a weekend: Fri, Mon, Tue", OPTIMCO, {}, {}, {
        "country": "FR", "repairable_within_3_workdays": True, "at": at("2026-03-13"),
        "helper_arrived_at": None, "immobilised_until": None},
     ("B", 3, "workdays", date(2026, 3, 17))),
    ("002 6.4 c over Easter Monday (Belgian workdays)", OPTIMCO, {}, {}, {
        "country": "DE", "repairable_within_3_workdays": True, "at": at("2026-04-03"),
        "helper_arrived_at": None, "immobilised_until": None},
     ("B", 3, "workdays", date(2026, 4, 8))),
    ("002 6.6 abroad not repaired in 3 workdays: B, 7 days", OPTIMCO, {}, {}, {
        "country": "IT", "repairable_within_3_workdays": False},
     ("B", 7, "days", date(2026, 3, 16))),
    ("002 abroad, repair outlook read from the expected end (Fri 13 = 3rd workday)", OPTIMCO, {}, {}, {
        "country": "NL", "immobilised_until": at("2026-03-13", "17:00")},
     ("B", 3, "workdays", date(2026, 3, 12))),
    ("002 abroad, expected end Mon 16 is beyond 3 workdays", OPTIMCO, {}, {}, {
        "country": "NL", "immobilised_until": at("2026-03-16", "09:00")},
     ("B", 7, "days", date(2026, 3, 16))),
    ("002 Belgium: a van still gets at most B", OPTIMCO, {}, {"body": Body.VAN}, {},
     ("B", 7, "days", date(2026, 3, 16))),
    ("003 IV.2 a Belgium: B, 15 consecutive days", AG, {}, {}, {},
     ("B", 15, "days", date(2026, 3, 24))),
    ("003 IV.2 a Belgium: a monospace gets a monospace", AG, {}, {"body": Body.MONOSPACE}, {},
     ("monospace", 15, "days", date(2026, 3, 24))),
    ("003 IV.2 a Belgium: a minibus gets a monospace", AG, {}, {"body": Body.MINIBUS}, {},
     ("monospace", 15, "days", date(2026, 3, 24))),
    ("003 IV.2 a Belgium: a motorhome gets a monospace", AG, {}, {"body": Body.MOTORHOME}, {},
     ("monospace", 15, "days", date(2026, 3, 24))),
    ("003 upgrade option: E-class/A6/5-series for a car", AG, {"upgrade": True}, {}, {},
     ("upgrade-E", 15, "days", date(2026, 3, 24))),
    ("003 upgrade option: a van of the same volume up to 20 m3", AG, {"upgrade": True}, {"body": Body.VAN}, {},
     ("van-20m3", 15, "days", date(2026, 3, 24))),
    ("003 without upgrade a van gets B", AG, {}, {"body": Body.VAN}, {},
     ("B", 15, "days", date(2026, 3, 24))),
    ("003 IV.2 b abroad: B, 7 consecutive days", AG, {}, {}, {"country": "ES",
                                                             "repairable_within_3_workdays": True},
     ("B", 7, "days", date(2026, 3, 16))),
    ("003 IV.1 b abroad, not repairable: replacement in Belgium by IV.2 a", AG, {}, {"body": Body.MINIBUS}, {
        "country": "ES", "repairable_within_3_workdays": False},
     ("monospace", 15, "days", date(2026, 3, 24))),
]


@pytest.mark.parametrize(("product", "c", "v", "k", "expected"), [row[1:] for row in ENTITLEMENTS],
                         ids=[row[0] for row in ENTITLEMENTS])
def test_entitlement_table_gives_the_seed_replacement_vehicle(product: Product, c: dict[str, Any],
                                                              v: dict[str, Any], k: dict[str, Any],
                                                              expected: tuple[str, int, str, date]) -> None:
    verdict = judge(product, c=c, v=v, k=k)
    assert verdict.covered, verdict.reasons
    assert verdict.replacement is not None, verdict.reasons
    r = verdict.replacement
    assert (r.category, r.max_days, r.unit, r.return_by) == expected
    assert effects(verdict)["replacement"] == "grants"


CAPS = [
    # id, product, case changes, item, (max_cents, max_count, per), where ("caps" or "alternatives")
    ("002 6.1 towing not organised: 250 EUR", OPTIMCO, {}, "towing", (25000, None, "case"), "caps"),
    ("002 6.4 hotel in Belgium: 100 EUR per passenger", OPTIMCO, {}, "hotel", (10000, None, "passenger"), "caps"),
    ("002 6.4 hotel in Belgium: at most 250 EUR", OPTIMCO, {}, "hotel_total", (25000, None, "case"), "caps"),
    ("002 6.2 parts above 500 EUR need a guarantee", OPTIMCO, {}, "parts_guarantee", (50000, None, "case"), "caps"),
    ("002 1.5 3° transport at most the residual value", OPTIMCO, {}, "transport", (None, None, "case"), "caps"),
    ("002 6.4 a hotel abroad: 100 EUR per room", OPTIMCO, {"country": "FR", "repairable_within_3_workdays": True},
     "hotel", (10000, None, "room"), "alternatives"),
    ("002 6.4 a hotel abroad: at most 800 EUR", OPTIMCO, {"country": "FR", "repairable_within_3_workdays": True},
     "hotel_total", (80000, None, "case"), "alternatives"),
    ("002 6.4 b continuing the trip: 350 EUR", OPTIMCO, {"country": "FR", "repairable_within_3_workdays": True},
     "continue_trip", (35000, None, "case"), "alternatives"),
    ("002 6.5 repatriation of the vehicle", OPTIMCO, {"country": "FR", "repairable_within_3_workdays": False},
     "repatriation", (None, None, "case"), "alternatives"),
    ("002 6.5 guarding a wreck: at most 10 days", OPTIMCO, {"country": "FR", "repairable_within_3_workdays": False},
     "guarding_days", (None, 10, "case"), "caps"),
    ("003 IV.1 towing not organised: 250 EUR", AG, {}, "towing", (25000, None, "case"), "caps"),
    ("003 IV.2 b hotel abroad: 125 EUR per insured", AG, {"country": "ES", "repairable_within_3_workdays": True},
     "hotel", (12500, None, "insured"), "caps"),
    ("003 IV.2 b continuing the trip: 250 EUR", AG, {"country": "ES", "repairable_within_3_workdays": True},
     "continue_trip", (25000, None, "case"), "alternatives"),
    ("003 IV.4 guarding: at most 10 days", AG, {}, "guarding_days", (None, 10, "case"), "caps"),
    ("003 IV.6 parts above 500 EUR paid in advance", AG, {}, "parts_guarantee", (50000, None, "case"), "caps"),
]


@pytest.mark.parametrize(("product", "k", "item", "expected", "where"), [row[1:] for row in CAPS],
                         ids=[row[0] for row in CAPS])
def test_caps_and_alternatives_carry_the_seed_amounts(product: Product, k: dict[str, Any], item: str,
                                                      expected: tuple[int | None, int | None, str], where: str) -> None:
    verdict = judge(product, k=k)
    caps = {c.item: c for c in getattr(verdict, where)}
    assert item in caps, (where, [c.item for c in getattr(verdict, where)])
    assert (caps[item].max_cents, caps[item].max_count, caps[item].per) == expected
    assert caps[item].ref.startswith("002" if product is OPTIMCO else "003")


# -- exclusions ----------------------------------------------------------------------------------------------

EXCLUSIONS = [
    (OPTIMCO, Exclusion.MAINTENANCE, "exclusion_maintenance", "002 7.1.4"),
    (OPTIMCO, Exclusion.REPEATED_DEFECT, "exclusion_repeated_defect", "002 7.1.5"),
    (OPTIMCO, Exclusion.RACE, "exclusion_race", "002 7.1.2"),
    (OPTIMCO, Exclusion.ALCOHOL, "exclusion_alcohol", "002 7.1.24"),
    (AG, Exclusion.MAINTENANCE, "exclusion_maintenance", "003 I.14"),
    (AG, Exclusion.RACE, "exclusion_race", "003 XII.1"),
    (AG, Exclusion.ALCOHOL, "exclusion_alcohol", "003 XII.1"),
]


@pytest.mark.parametrize(("product", "exclusion", "code", "ref"), EXCLUSIONS)
def test_each_exclusion_takes_the_case_out_of_the_cover(product: Product, exclusion: Exclusion, code: str,
                                                        ref: str) -> None:
    verdict = judge(product, k={"exclusions": frozenset({exclusion})})
    assert not verdict.covered
    assert [(f.code, f.ref, f.effect) for f in verdict.reasons] == [(code, ref, "excludes")]
    assert verdict.replacement is None and not verdict.caps and not verdict.deadlines


def test_an_exclusion_the_product_does_not_have_is_only_noted() -> None:
    verdict = judge(AG, k={"exclusions": frozenset({Exclusion.REPEATED_DEFECT})})
    assert verdict.covered
    assert effects(verdict)["exclusion_not_in_product"] == "note"


def test_several_exclusions_are_all_given_in_a_fixed_order() -> None:
    verdict = judge(k={"exclusions": frozenset({Exclusion.ALCOHOL, Exclusion.MAINTENANCE})})
    assert verdict.codes() == ("exclusion_maintenance", "exclusion_alcohol")


# -- when the cover is in force --------------------------------------------------------------------------------

START = [
    # id, product, cover changes, case changes, covered, code
    ("premium never paid", OPTIMCO, {"premium_paid": None}, {}, False, "premium_unpaid"),
    ("002 1.4 premium paid on the start day: not yet on that day", OPTIMCO, {"premium_paid": date(2026, 1, 1)},
     {"cause": Cause.ACCIDENT, "at": at("2026-01-01", "10:00")}, False, "premium_paid_late"),
    ("002 1.4 premium paid on the start day: covered the day after", OPTIMCO, {"premium_paid": date(2026, 1, 1)},
     {"cause": Cause.ACCIDENT, "at": at("2026-01-02", "00:00")}, True, "covered"),
    ("002 1.4 premium paid late: covered from the day after payment", OPTIMCO, {"premium_paid": date(2026, 3, 9)},
     {}, True, "covered"),
    ("002 1.4 premium paid on the day of the case", OPTIMCO, {"premium_paid": date(2026, 3, 10)}, {}, False,
     "premium_paid_late"),
    ("003 premium paid on the day of the case", AG, {"premium_paid": date(2026, 3, 10)}, {}, True, "covered"),
    ("before the start date", OPTIMCO, {}, {"at": at("2025-12-31", "23:00")}, False, "before_cover_start"),
    ("002 8.4 the end date is no longer covered", OPTIMCO, {"end": date(2026, 3, 10)}, {}, False, "cover_ended"),
    ("the day before the end date is covered", OPTIMCO, {"end": date(2026, 3, 11)}, {}, True, "covered"),
    ("003 the end date is no longer covered", AG, {"end": date(2026, 3, 10)}, {}, False, "cover_ended"),
    ("002 8.3 breakdown on the 4th day after signing", OPTIMCO, {"signed": date(2026, 3, 6)}, {}, False,
     "waiting_period"),
    ("002 8.3 breakdown at 23:59 on the 4th day after signing", OPTIMCO, {"signed": date(2026, 3, 5)},
     {"at": at("2026-03-09", "23:59")}, False, "waiting_period"),
    ("002 8.3 breakdown at 00:00 (Brussels) on the 5th day after signing", OPTIMCO, {"signed": date(2026, 3, 5)},
     {"at": datetime(2026, 3, 9, 23, 0, tzinfo=UTC)}, True, "covered"),
    ("002 8.3 vandalism on the 2nd day after signing", OPTIMCO, {"signed": date(2026, 3, 8)},
     {"cause": Cause.VANDALISM}, False, "waiting_period"),
    ("002 8.3 theft on the 2nd day after signing", OPTIMCO, {"signed": date(2026, 3, 8)},
     {"cause": Cause.THEFT}, False, "waiting_period"),
    ("002 8.3 an accident on the day of signing is covered", OPTIMCO, {"signed": date(2026, 3, 10)},
     {"cause": Cause.ACCIDENT}, True, "covered"),
    ("002 1.1 6° a fire is an accident: covered the day after signing", OPTIMCO, {"signed": date(2026, 3, 9)},
     {"cause": Cause.FIRE}, True, "covered"),
    ("003 has no waiting period", AG, {"signed": date(2026, 3, 9)}, {}, True, "covered"),
    ("002 without a signing date: noted, not refused", OPTIMCO, {"signed": None}, {}, True, "signing_unknown"),
]


@pytest.mark.parametrize(("product", "c", "k", "covered", "code"), [row[1:] for row in START],
                         ids=[row[0] for row in START])
def test_cover_start_rules(product: Product, c: dict[str, Any], k: dict[str, Any], covered: bool, code: str) -> None:
    verdict = judge(product, c=c, k=k)
    assert verdict.covered is covered, verdict.reasons
    assert code in verdict.codes()


def test_waiting_period_finding_names_the_first_covered_day() -> None:
    verdict = judge(c={"signed": date(2026, 3, 6)})
    found = next(f for f in verdict.reasons if f.code == "waiting_period")
    assert dict(found.params) == {"day": "2026-03-10", "signed": "2026-03-06", "from": "2026-03-11",
                                  "cause": "breakdown"}
    assert found.ref == "002 8.3"


# -- the 24 h immobilisation and the call at the moment ----------------------------------------------------------

IMMOBILISATION = [
    # id, case changes, replacement granted, code, towing cap (cents)
    ("immobilised 48 h from the helper's arrival", {}, True, "replacement", 25000),
    ("immobilised exactly 24 h from the helper's arrival",
     {"immobilised_until": at("2026-03-11", "09:00")}, True, "replacement", 25000),
    ("immobilised 23 h 59 from the helper's arrival",
     {"immobilised_until": at("2026-03-11", "08:59")}, False, "immobilisation_too_short", 25000),
    ("24 h from the case but 23 h from the helper's arrival: counted from the helper",
     {"immobilised_until": at("2026-03-11", "08:00")}, False, "immobilisation_too_short", 25000),
    ("no helper came: counted from the case's moment",
     {"helper_arrived_at": None, "immobilised_until": at("2026-03-11", "08:00")}, True, "replacement", 25000),
    ("immobilisation not known yet", {"immobilised_until": None}, False, "immobilisation_unknown", 25000),
    ("assistance not called at the moment", {"assistance_called_at_once": False}, False, "replacement_needs_call", 0),
    ("not called, but the police ordered the tow", {"assistance_called_at_once": False, "police_tow": True},
     True, "replacement", 25000),
    ("police tow does not lift the 24 h condition",
     {"assistance_called_at_once": False, "police_tow": True, "helper_arrived_at": None,
      "immobilised_until": at("2026-03-10", "18:00")}, False, "immobilisation_too_short", 25000),
]


@pytest.mark.parametrize(("k", "granted", "code", "towing"), [row[1:] for row in IMMOBILISATION],
                         ids=[row[0] for row in IMMOBILISATION])
def test_002_belgium_replacement_needs_the_call_and_24_hours(k: dict[str, Any], granted: bool, code: str,
                                                            towing: int) -> None:
    verdict = judge(OPTIMCO, k=k)
    assert verdict.covered
    assert (verdict.replacement is not None) is granted
    assert code in verdict.codes()
    cap = verdict.cap("towing")
    assert cap is not None and cap.max_cents == towing


def test_tow_not_asked_for_withholds_reimbursement_and_alternatives() -> None:
    verdict = judge(OPTIMCO, k={"assistance_called_at_once": False, "country": "FR",
                                "repairable_within_3_workdays": True})
    assert effects(verdict)["tow_not_requested"] == "withholds"
    assert verdict.alternatives == ()
    assert verdict.replacement is None


def test_003_abroad_has_no_24_hour_condition() -> None:
    verdict = judge(AG, k={"country": "FR", "repairable_within_3_workdays": True,
                           "immobilised_until": at("2026-03-10", "15:00")})
    assert verdict.replacement is not None


def test_abroad_without_a_repair_outlook_withholds_the_replacement() -> None:
    verdict = judge(OPTIMCO, k={"country": "FR", "immobilised_until": None})
    assert verdict.covered and verdict.replacement is None
    assert effects(verdict)["repair_time_unknown"] == "withholds"


# -- the vehicle: mass, registration ------------------------------------------------------------------------

VEHICLES = [
    # id, product, vehicle changes, covered, code
    ("3.5 t is within the limit", OPTIMCO, {"max_mass_kg": 3500}, True, "covered"),
    ("3 501 kg is above 002's limit", OPTIMCO, {"max_mass_kg": 3501}, False, "mass_over_limit"),
    ("3 501 kg is above 003's limit", AG, {"max_mass_kg": 3501}, False, "mass_over_limit"),
    ("unknown mass is noted", OPTIMCO, {"max_mass_kg": None}, True, "mass_unknown"),
    ("002 takes vehicles registered in Belgium only", OPTIMCO, {"registered": "NL"}, False, "registration_country"),
    ("003 has no registration rule", AG, {"registered": "NL"}, True, "covered"),
]


@pytest.mark.parametrize(("product", "v", "covered", "code"), [row[1:] for row in VEHICLES],
                         ids=[row[0] for row in VEHICLES])
def test_vehicle_limits(product: Product, v: dict[str, Any], covered: bool, code: str) -> None:
    verdict = judge(product, v=v)
    assert verdict.covered is covered
    assert code in verdict.codes()


# -- the territory --------------------------------------------------------------------------------------------

TERRITORY = [
    # product, country code, covered, code
    (OPTIMCO, "FR", True, "covered"),
    (OPTIMCO, "es", True, "covered"),
    (OPTIMCO, "ES-AN", True, "covered"),
    (OPTIMCO, "PT", True, "covered"),
    (OPTIMCO, "GB", True, "covered"),
    (OPTIMCO, "CH", True, "covered"),
    (OPTIMCO, "ES-CN", False, "territory_excluded_region"),
    (OPTIMCO, "IC", False, "territory_excluded_region"),
    (OPTIMCO, "ES-CE", False, "territory_excluded_region"),
    (OPTIMCO, "ES-ML", False, "territory_excluded_region"),
    (OPTIMCO, "EA", False, "territory_excluded_region"),
    (OPTIMCO, "PT-20", False, "territory_excluded_region"),
    (OPTIMCO, "PT-30", False, "territory_excluded_region"),
    (OPTIMCO, "FR-974", False, "territory_excluded_region"),
    (OPTIMCO, "RE", False, "territory_excluded_region"),
    (OPTIMCO, "GP", False, "territory_excluded_region"),
    (OPTIMCO, "FR-GF", False, "territory_excluded_region"),
    (OPTIMCO, "RU", False, "territory_sanctioned"),
    (OPTIMCO, "BY", False, "territory_sanctioned"),
    (OPTIMCO, "UA-43", False, "territory_sanctioned"),
    (OPTIMCO, "UA", False, "territory_not_covered"),
    (OPTIMCO, "MA", False, "territory_not_covered"),
    (OPTIMCO, "AL", False, "territory_not_covered"),
    (OPTIMCO, "TR", False, "territory_province_needed"),
    (OPTIMCO, "TR-34", True, "covered"),
    (OPTIMCO, "TR-22", True, "covered"),
    (OPTIMCO, "TR-06", False, "territory_not_covered"),
    (AG, "MA", True, "covered"),
    (AG, "AL", True, "covered"),
    (AG, "ES-CN", True, "covered"),
    (AG, "RU", False, "territory_not_covered"),
    (AG, "US", False, "territory_not_covered"),
]


@pytest.mark.parametrize(("product", "country", "covered", "code"), TERRITORY)
def test_territory(product: Product, country: str, covered: bool, code: str) -> None:
    verdict = judge(product, k={"country": country, "repairable_within_3_workdays": True})
    assert verdict.covered is covered
    assert code in verdict.codes()


def test_place_codes_read_alpha2_subdivisions_and_reserved_codes() -> None:
    assert place_of("fr") is not None and place_of("fr").country == "FR"  # type: ignore[union-attr]
    assert place_of("IC") is not None and place_of("IC").country == "ES"  # type: ignore[union-attr]
    assert place_of("PT-30") is not None and place_of("PT-30").code == "PT-30"  # type: ignore[union-attr]
    assert place_of("XX") is None and place_of("ZZ-1") is None and place_of("France") is None


STAYS = [
    # product, trip started, case day, covered
    (OPTIMCO, "2026-01-10", "2026-04-09", True),  # 1.2 7°: the first 3 months end on 9 April
    (OPTIMCO, "2026-01-10", "2026-04-10", False),
    (OPTIMCO, "2025-11-30", "2026-02-27", True),  # 3 months from 30 November: up to 27 February
    (OPTIMCO, "2025-11-30", "2026-02-28", False),
    (AG, "2026-01-01", "2026-03-31", True),  # III e: day 90
    (AG, "2026-01-01", "2026-04-01", False),  # day 91
]


@pytest.mark.parametrize(("product", "started", "day", "covered"), STAYS)
def test_stay_limit_abroad(product: Product, started: str, day: str, covered: bool) -> None:
    verdict = judge(product, k={"country": "FR", "repairable_within_3_workdays": True, "at": at(day),
                                "helper_arrived_at": None, "immobilised_until": None,
                                "trip_started": date.fromisoformat(started)})
    assert verdict.covered is covered
    assert ("stay_limit" in verdict.codes()) is not covered


def test_stay_limit_does_not_apply_at_home() -> None:
    assert judge(k={"trip_started": date(2025, 1, 1)}).covered


# -- deadlines (calendar time, 24/7) ------------------------------------------------------------------------

def _due(deadlines: tuple[Any, ...], code: str) -> datetime:
    return next(d.due for d in deadlines if d.code == code)


def test_theft_police_report_receipt_within_24_hours_across_summer_time() -> None:
    moment = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # summer time starts in the night of 28-29 March
    for product, ref in ((OPTIMCO, "002 1.6"), (AG, "003 IV.3 b")):
        deadlines = case_deadlines(Cause.THEFT, moment, replacement=None, replacement_start=None, product=product)
        receipt = next(d for d in deadlines if d.code == "police_report_receipt")
        assert receipt.due == datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
        assert receipt.ref == ref


def test_no_police_report_deadline_without_a_theft() -> None:
    deadlines = case_deadlines(Cause.BREAKDOWN, at("2026-03-10"), replacement=None, replacement_start=None,
                               product=OPTIMCO)
    assert "police_report_receipt" not in {d.code for d in deadlines}


def test_proof_of_costs_within_3_months_for_003_only() -> None:
    deadlines = case_deadlines(Cause.BREAKDOWN, at("2026-01-31", "10:00"), replacement=None,
                               replacement_start=None, product=AG)
    assert _due(deadlines, "proof_of_costs") == datetime(2026, 4, 30, 8, 0, tzinfo=UTC)  # 10:00 summer time
    assert "proof_of_costs" not in {d.code for d in case_deadlines(
        Cause.BREAKDOWN, at("2026-01-31"), replacement=None, replacement_start=None, product=OPTIMCO)}


@pytest.mark.parametrize(("product", "due", "ref"), [
    (OPTIMCO, datetime(2026, 2, 28, 9, 0, tzinfo=UTC), "002 2.2"),  # 1 month, the month's last day
    (AG, datetime(2026, 4, 30, 8, 0, tzinfo=UTC), "003 XIII.6"),  # 3 months
])
def test_repayment_of_uncovered_advances(product: Product, due: datetime, ref: str) -> None:
    deadlines = case_deadlines(Cause.BREAKDOWN, at("2026-01-20"), costs_advanced_at=at("2026-01-31", "10:00"),
                               replacement=None, replacement_start=None, product=product)
    repay = next(d for d in deadlines if d.code == "repay_advances")
    assert (repay.due, repay.ref) == (due, ref)


def test_return_of_the_replacement_vehicle_at_the_end_of_its_last_day() -> None:
    verdict = judge()
    assert _due(verdict.deadlines, "return_replacement") == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    counted = case_deadlines(Cause.BREAKDOWN, at("2026-03-10"), replacement=Replacement("B", 7, "days", "002 6.3"),
                             replacement_start=date(2026, 3, 20), product=OPTIMCO)
    assert _due(counted, "return_replacement") == datetime(2026, 3, 26, 23, 0, tzinfo=UTC)


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


ACCEPTED = at("2026-03-10", "10:00")


@pytest.mark.parametrize(("proposed", "appointment_due"), [
    (None, datetime(2026, 3, 11, 9, 0, tzinfo=UTC)),  # 000 4.2: 24 h after acceptance
    (at("2026-03-12", "14:00"), datetime(2026, 3, 12, 13, 0, tzinfo=UTC)),  # the customer proposed later
    (at("2026-03-10", "15:00"), datetime(2026, 3, 11, 9, 0, tzinfo=UTC)),  # earlier: the 24 h stand
])
def test_provider_clocks_contact_2h_appointment_24h(proposed: datetime | None, appointment_due: datetime) -> None:
    contact, appointment = provider_clocks(ACCEPTED, proposed)
    assert contact.due == datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    assert (contact.code, contact.ref) == ("provider_contact", "000 4.2")
    assert appointment.due == appointment_due


@pytest.mark.parametrize(("facts", "now", "contact", "appointment", "missing"), [
    (AssignmentFacts(ACCEPTED, contacted_at=ACCEPTED + timedelta(hours=2)), ACCEPTED + timedelta(hours=3),
     True, None, ("photo_arrival", "photo_after", "mandate")),
    (AssignmentFacts(ACCEPTED, contacted_at=ACCEPTED + timedelta(hours=2, minutes=1)), ACCEPTED + timedelta(hours=3),
     False, None, ("photo_arrival", "photo_after", "mandate")),
    (AssignmentFacts(ACCEPTED), ACCEPTED + timedelta(hours=1), None, None, ("photo_arrival", "photo_after", "mandate")),
    (AssignmentFacts(ACCEPTED), ACCEPTED + timedelta(hours=25), False, False,
     ("photo_arrival", "photo_after", "mandate")),
    (AssignmentFacts(ACCEPTED, contacted_at=ACCEPTED, appointment_at=ACCEPTED + timedelta(hours=30),
                     customer_proposed_at=ACCEPTED + timedelta(hours=30), photos_arrival=True, photos_after=True,
                     mandate_signed=True), ACCEPTED + timedelta(days=2), True, True, ()),
    (AssignmentFacts(ACCEPTED, photos_arrival=True, mandate_signed=True), ACCEPTED, None, None, ("photo_after",)),
])
def test_assignment_compliance(facts: AssignmentFacts, now: datetime, contact: bool | None,
                               appointment: bool | None, missing: tuple[str, ...]) -> None:
    judged = assignment_compliance(facts, now)
    assert (judged.contact_on_time, judged.appointment_on_time, judged.missing) == (contact, appointment, missing)
    assert judged.invoice_allowed is (missing == ())


def test_monthly_compliance_per_provider() -> None:
    complete = {"photos_arrival": True, "photos_after": True, "mandate_signed": True}
    rows = monthly_compliance([
        ("Takel Gent", AssignmentFacts(ACCEPTED, contacted_at=ACCEPTED + timedelta(hours=1),
                                       appointment_at=ACCEPTED + timedelta(hours=5), **complete)),
        ("Takel Gent", AssignmentFacts(ACCEPTED, contacted_at=ACCEPTED + timedelta(hours=3),
                                       appointment_at=ACCEPTED + timedelta(hours=5))),
        ("Auto Lyon", AssignmentFacts(ACCEPTED)),
        ("Auto Lyon", AssignmentFacts(at("2026-04-01"))),  # another month
    ], date(2026, 3, 1), now=at("2026-04-02"))
    assert [(r.provider, r.assignments, r.contact_on_time_pct, r.appointment_on_time_pct, r.documents_complete_pct)
            for r in rows] == [("Auto Lyon", 1, 0.0, 0.0, 0.0), ("Takel Gent", 2, 50.0, 100.0, 50.0)]


# -- invoice checks ---------------------------------------------------------------------------------------

def line(item: str, cents: int, quantity: int = 1) -> InvoiceLine:
    return InvoiceLine(item, item, quantity, cents)


INVOICES = [
    # id, case changes, lines, keywords, [(accepted, refused, codes)]
    ("002 6.1 towing not organised: 250 EUR", {"police_tow": True}, [line("towing", 30000)], {},
     [(25000, 5000, ["invoice_over_cap"])]),
    ("towing cap shared by two lines", {"police_tow": True}, [line("towing", 20000), line("towing", 10000)], {},
     [(20000, 0, []), (5000, 5000, ["invoice_over_cap"])]),
    ("tow not asked for: nothing", {"assistance_called_at_once": False}, [line("towing", 10000)], {},
     [(0, 10000, ["invoice_over_cap"])]),
    ("002 6.4 hotel in Belgium, 3 passengers: at most 250 EUR", {}, [line("hotel", 35000)], {"passengers": 3},
     [(25000, 10000, ["invoice_over_cap"])]),
    ("002 6.4 hotel in Belgium, 2 passengers: 200 EUR", {}, [line("hotel", 35000)], {"passengers": 2},
     [(20000, 15000, ["invoice_over_cap"])]),
    ("002 6.4 a hotel abroad: 4 room-nights at 100 EUR", {"country": "FR", "repairable_within_3_workdays": True},
     [line("hotel", 50000, 4)], {}, [(40000, 10000, ["invoice_over_cap"])]),
    ("002 6.4 a hotel abroad: at most 800 EUR", {"country": "FR", "repairable_within_3_workdays": True},
     [line("hotel", 120000, 10)], {}, [(80000, 40000, ["invoice_over_cap"])]),
    ("002 6.4 b continuing the trip: 350 EUR", {"country": "FR", "repairable_within_3_workdays": True},
     [line("continue_trip", 40000)], {}, [(35000, 5000, ["invoice_over_cap"])]),
    ("replacement vehicle days beyond the 7", {}, [line("replacement_vehicle", 50000, 10)], {},
     [(35000, 15000, ["invoice_days_beyond"])]),
    ("replacement vehicle within the 7 days", {}, [line("replacement_vehicle", 30000, 6)], {}, [(30000, 0, [])]),
    ("no replacement vehicle: its invoice refused", {"immobilised_until": at("2026-03-10", "12:00")},
     [line("replacement_vehicle", 5000, 1)], {}, [(0, 5000, ["invoice_no_replacement"])]),
    ("002 6.2 parts above 500 EUR without guarantee", {}, [line("parts", 60000)], {},
     [(0, 60000, ["invoice_parts_guarantee"])]),
    ("002 6.2 parts above 500 EUR with guarantee", {}, [line("parts", 60000)], {"parts_guarantee": True},
     [(60000, 0, [])]),
    ("parts up to 500 EUR", {}, [line("parts", 50000)], {}, [(50000, 0, [])]),
    ("transport at most the residual value", {}, [line("transport", 150000)], {"residual_value_cents": 100000},
     [(100000, 50000, ["invoice_over_cap"])]),
    ("002 6.5 guarding at most 10 days", {"country": "FR", "repairable_within_3_workdays": False},
     [line("guarding", 24000, 12)], {}, [(20000, 4000, ["invoice_over_cap"])]),
    ("not an assistance cost", {}, [line("fuel", 8000)], {}, [(0, 8000, ["invoice_item_not_covered"])]),
    ("uncovered case: everything refused", {"exclusions": frozenset({Exclusion.RACE})},
     [line("towing", 10000), line("hotel", 5000)], {},
     [(0, 10000, ["invoice_case_not_covered"]), (0, 5000, ["invoice_case_not_covered"])]),
]


@pytest.mark.parametrize(("k", "lines", "kw", "expected"), [row[1:] for row in INVOICES],
                         ids=[row[0] for row in INVOICES])
def test_invoice_check(k: dict[str, Any], lines: list[InvoiceLine], kw: dict[str, Any],
                       expected: list[tuple[int, int, list[str]]]) -> None:
    checked = check_invoice(judge(OPTIMCO, k=k), lines, **kw)
    assert [(c.accepted_cents, c.refused_cents, [f.code for f in c.reasons]) for c in checked.lines] == expected
    assert checked.accepted_cents == sum(e[0] for e in expected)
    assert checked.refused_cents == sum(e[1] for e in expected)


def test_003_hotel_abroad_per_insured() -> None:
    verdict = judge(AG, k={"country": "ES", "repairable_within_3_workdays": True})
    checked = check_invoice(verdict, [line("hotel", 40000, 2)], passengers=3)
    assert (checked.accepted_cents, checked.refused_cents) == (37500, 2500)


@pytest.mark.parametrize(("returned", "beyond"), [
    (date(2026, 3, 16), 0), (date(2026, 3, 12), 0), (date(2026, 3, 18), 2)])
def test_days_beyond_the_replacement_entitlement_are_the_drivers(returned: date, beyond: int) -> None:
    replacement = judge().replacement
    assert replacement is not None
    assert days_beyond(replacement, date(2026, 3, 10), returned, CAL) == beyond
    workdays = Replacement("B", 3, "workdays", "002 6.4 c")
    assert days_beyond(workdays, date(2026, 3, 13), date(2026, 3, 18), CAL) == 1  # last day Tue 17


# -- the tables themselves ----------------------------------------------------------------------------------

def test_every_table_row_carries_a_seed_reference() -> None:
    for table in RULES.values():
        refs = [table.vehicle.registered_ref, table.vehicle.mass_ref, table.start.premium_ref, table.territory.ref,
                table.call.ref, table.deadlines.theft_ref, table.deadlines.repay_ref, *table.exclusions.values()]
        for row in table.entitlements:
            refs += [row.ref, row.call_ref, *(c.ref for c in (*row.caps, *row.alternatives))]
        refs += [c.ref for c in table.caps]
        assert all(ref[:3] in ("002", "003") for ref in refs), refs


def test_every_code_the_verdicts_above_give_is_listed() -> None:
    verdicts = [judge(p, c=c, v=v, k=k) for _, p, c, v, k, _ in ENTITLEMENTS]
    verdicts += [judge(p, c=c, k=k) for _, p, c, k, _, _ in START]
    verdicts += [judge(k=k) for _, k, _, _, _ in IMMOBILISATION]
    verdicts += [judge(p, v=v) for _, p, v, _, _ in VEHICLES]
    verdicts += [judge(p, k={"country": country}) for p, country, _, _ in TERRITORY]
    verdicts += [
        judge(k={"exclusions": frozenset(Exclusion)}),
        judge(AG, k={"exclusions": frozenset({Exclusion.REPEATED_DEFECT})}),
        judge(c={"upgrade": True, "formula": Formula.ALL_VEHICLES}),
        judge(AG, c={"upgrade": True}, v={"body": Body.MINIBUS}),
        judge(k={"country": "FR", "immobilised_until": None}),
        judge(k={"country": "FR", "trip_started": date(2025, 1, 1)}),
    ]
    seen = {code for verdict in verdicts for code in verdict.codes()}
    # the tables in force take every body and have a row for every place: two codes wait for a new product
    assert seen == set(FINDING_CODES) - {"body_not_covered", "no_entitlement"}


def test_a_changed_table_changes_the_verdict_without_code() -> None:
    """The rules are data: a table where the police tow also lifts the 24 h gives the replacement vehicle."""
    table = RULES[OPTIMCO]
    home = replace(table.entitlements[0], police_tow_lifts_immobilisation=True)
    rules = {**RULES, OPTIMCO: replace(table, entitlements=(home, *table.entitlements[1:]))}
    facts = case(assistance_called_at_once=False, police_tow=True, helper_arrived_at=None,
                 immobilised_until=at("2026-03-10", "18:00"))
    assert check(cover(), vehicle(), facts, calendar=CAL).replacement is None
    granted = check(cover(), vehicle(), facts, calendar=CAL, rules=rules).replacement
    assert granted is not None and (granted.category, granted.max_days) == ("B", 7)

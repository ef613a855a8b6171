"""Check a case against its cover: covered or not with every reason, then what it gives and withholds.

Pure: standard library, ``app.workcalendar`` and the assistance values, tables and clocks. ``check``
reads only the product's table (``assistance.rules``), so a new product needs no code here.

Covered or not (effect ``excludes``): the vehicle (country of registration, maximum authorised
mass, body), the dates (start; premium received, the cover starting at the earliest the day after
for 002; end date, on which the cover has ended at 00:00; 002's claims other than accidents from
00:00 on the 5th day after signing), the territory (home country; countries abroad; regions cut
out; sanctioned countries and regions; Turkey only in its European provinces; the stay limit when
``trip_started`` is known) and the exclusions. Days are Brussels days (``clocks.day_of``).

Then, for a covered case (effects ``grants``/``withholds``/``note``): help not asked for at the
moment gives no reimbursement and no replacement vehicle, unless the police ordered the tow
(towing not organised by the insurer is then reimbursed up to its cap); the entitlement row for the
place and the repair outlook (abroad: repairable within 3 workdays, given or derived from the
expected end of the repair on the Belgian working calendar); the replacement vehicle's conditions
(002 in Belgium: immobilised at least 24 h from the roadside helper's arrival, or from the case's
moment when no helper came); its category, length and last day; the caps, the alternatives and
the deadlines.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from app.workcalendar import WorkCalendar, require_aware
from assistance.clocks import add_months, case_deadlines, day_of
from assistance.rules import RULES, Entitlement, Place, ProductRules, Territory, place_of
from assistance.terms import (
    Cap,
    CaseFacts,
    CoverTerms,
    Exclusion,
    Finding,
    Product,
    Replacement,
    VehicleFacts,
    Verdict,
    finding,
)

__all__ = ["FINDING_CODES", "check", "return_by"]

#: Every code ``check`` can give, in the order it gives them.
FINDING_CODES: tuple[str, ...] = (
    # the vehicle
    "registration_country", "mass_over_limit", "mass_unknown", "body_not_covered",
    # the dates
    "premium_unpaid", "before_cover_start", "premium_paid_late", "cover_ended", "waiting_period",
    "signing_unknown",
    # the territory
    "territory_sanctioned", "territory_excluded_region", "territory_not_covered", "territory_province_needed",
    "stay_limit",
    # the exclusions
    *(f"exclusion_{e.value}" for e in Exclusion), "exclusion_not_in_product",
    # the cover's options
    "formula_not_offered", "upgrade_not_offered",
    # covered
    "covered",
    # what it gives and withholds
    "tow_not_requested", "police_tow", "repair_outlook_derived", "repair_time_unknown", "no_entitlement",
    "replacement_needs_call", "immobilisation_unknown", "immobilisation_too_short", "upgrade_not_for_body",
    "replacement",
)


def _vehicle(table: ProductRules, vehicle: VehicleFacts) -> list[Finding]:
    rules = table.vehicle
    found: list[Finding] = []
    if rules.registered_in is not None and vehicle.registered.strip().upper() != rules.registered_in:
        found.append(finding("registration_country", rules.registered_ref,
                             {"registered": vehicle.registered.upper(), "required": rules.registered_in}, "excludes"))
    if vehicle.max_mass_kg is None:
        found.append(finding("mass_unknown", rules.mass_ref, {"limit_kg": rules.max_mass_kg}, "note"))
    elif vehicle.max_mass_kg > rules.max_mass_kg:
        found.append(finding("mass_over_limit", rules.mass_ref,
                             {"mass_kg": vehicle.max_mass_kg, "limit_kg": rules.max_mass_kg}, "excludes"))
    if vehicle.body not in rules.bodies:
        found.append(finding("body_not_covered", rules.bodies_ref, {"body": vehicle.body.value}, "excludes"))
    return found


def in_force_from(table: ProductRules, cover: CoverTerms) -> date | None:
    """The first day the cover is in force (``None`` while the premium is unpaid)."""
    if cover.premium_paid is None:
        return None
    return max(cover.start, cover.premium_paid + timedelta(days=table.start.premium_delay_days))


def _dates(table: ProductRules, cover: CoverTerms, case: CaseFacts, day: date) -> list[Finding]:
    rules = table.start
    found: list[Finding] = []
    first = in_force_from(table, cover)
    if cover.premium_paid is None:
        found.append(finding("premium_unpaid", rules.premium_ref, {}, "excludes"))
    elif day < cover.start:
        found.append(finding("before_cover_start", rules.premium_ref, {"day": day, "start": cover.start}, "excludes"))
    elif first is not None and day < first:
        found.append(finding("premium_paid_late", rules.premium_ref,
                             {"day": day, "premium_paid": cover.premium_paid, "from": first}, "excludes"))
    if cover.end is not None and day >= cover.end:
        found.append(finding("cover_ended", rules.end_ref, {"day": day, "end": cover.end}, "excludes"))
    if rules.waiting_days is not None and case.cause not in rules.waiting_exempt:
        if cover.signed is None:
            found.append(finding("signing_unknown", rules.waiting_ref, {"waiting_days": rules.waiting_days}, "note"))
        elif day < (waiting_end := cover.signed + timedelta(days=rules.waiting_days)):
            found.append(finding("waiting_period", rules.waiting_ref,
                                 {"day": day, "signed": cover.signed, "from": waiting_end,
                                  "cause": case.cause.value}, "excludes"))
    return found


def _place(territory: Territory, place: Place) -> Finding | None:
    code = place.code
    if code in territory.sanctioned or place.country in territory.sanctioned:
        return finding("territory_sanctioned", territory.sanctioned_ref, {"country": code}, "excludes")
    if code in territory.excluded_regions:
        return finding("territory_excluded_region", territory.regions_ref,
                       {"country": code, "region": territory.excluded_regions[code]}, "excludes")
    if place.country not in territory.countries:
        return finding("territory_not_covered", territory.ref, {"country": code}, "excludes")
    provinces = territory.only_subdivisions.get(place.country)
    if provinces is not None and code == place.country:
        return finding("territory_province_needed", territory.ref, {"country": code}, "excludes")
    if provinces is not None and code not in provinces:
        return finding("territory_not_covered", territory.ref, {"country": code}, "excludes")
    return None


def _stay(territory: Territory, case: CaseFacts, day: date) -> Finding | None:
    limit, started = territory.stay, case.trip_started
    if limit is None or started is None:
        return None
    if limit.months is not None:
        last = add_months(started, limit.months) - timedelta(days=1)
    else:
        last = started + timedelta(days=(limit.days or 0) - 1)
    if day <= last:
        return None
    return finding("stay_limit", limit.ref, {"trip_started": started, "last_day": last, "day": day}, "excludes")


def _territory(table: ProductRules, place: Place, case: CaseFacts, day: date) -> list[Finding]:
    territory = table.territory
    if place.country == territory.home:
        return []
    return [f for f in (_place(territory, place), _stay(territory, case, day)) if f is not None]


def _exclusions(table: ProductRules, case: CaseFacts) -> list[Finding]:
    found: list[Finding] = []
    for exclusion in Exclusion:  # the enum's order, whatever the order the facts came in
        if exclusion not in case.exclusions:
            continue
        ref = table.exclusions.get(exclusion)
        if ref is None:
            found.append(finding("exclusion_not_in_product", "", {"exclusion": exclusion.value}, "note"))
        else:
            found.append(finding(f"exclusion_{exclusion.value}", ref, {}, "excludes"))
    return found


def _options(table: ProductRules, cover: CoverTerms) -> list[Finding]:
    found: list[Finding] = []
    if cover.formula is not None and cover.formula not in table.formulas:
        found.append(finding("formula_not_offered", table.upgrade_ref, {"formula": cover.formula.value}, "note"))
    if cover.upgrade and not table.upgrade_offered:
        found.append(finding("upgrade_not_offered", table.upgrade_ref, {}, "note"))
    return found


def return_by(start: date, max_days: int, unit: str, calendar: WorkCalendar) -> date:
    """The last day of an entitlement of ``max_days`` days or workdays, the start day being day 1."""
    if unit == "workdays":
        return calendar.add_workdays(start - timedelta(days=1), max_days)
    return start + timedelta(days=max_days - 1)


def _repairable(table: ProductRules, case: CaseFacts, day: date, calendar: WorkCalendar) -> tuple[bool | None,
                                                                                                  list[Finding]]:
    if case.repairable_within_3_workdays is not None:
        return case.repairable_within_3_workdays, []
    if case.immobilised_until is None:
        return None, [finding("repair_time_unknown", table.repair_window_ref,
                              {"workdays": table.repair_window_workdays}, "withholds")]
    limit = calendar.add_workdays(day, table.repair_window_workdays)
    until = day_of(case.immobilised_until)
    return until <= limit, [finding("repair_outlook_derived", table.repair_window_ref,
                                    {"until": until, "limit": limit, "workdays": table.repair_window_workdays},
                                    "note")]


def _immobilisation(row: Entitlement, case: CaseFacts) -> Finding | None:
    if row.min_immobilisation_hours is None or (case.police_tow and row.police_tow_lifts_immobilisation):
        return None
    if case.immobilised_until is None:
        return finding("immobilisation_unknown", row.immobilisation_ref, {"min_hours": row.min_immobilisation_hours},
                       "withholds")
    since = case.helper_arrived_at or case.at
    lasted = require_aware(case.immobilised_until, "immobilised_until") - require_aware(since, "helper_arrived_at")
    if lasted >= timedelta(hours=row.min_immobilisation_hours):
        return None
    return finding("immobilisation_too_short", row.immobilisation_ref,
                   {"hours": f"{max(lasted, timedelta(0)) / timedelta(hours=1):g}",
                    "min_hours": row.min_immobilisation_hours}, "withholds")


def _category(table: ProductRules, row: Entitlement, cover: CoverTerms, vehicle: VehicleFacts) -> tuple[str,
                                                                                                         list[Finding]]:
    if cover.upgrade and table.upgrade_offered and row.upgrade:
        if vehicle.body in row.upgrade:
            return row.upgrade[vehicle.body], []
        return row.by_body.get(vehicle.body, row.category), [
            finding("upgrade_not_for_body", row.upgrade_ref, {"body": vehicle.body.value}, "note")]
    return row.by_body.get(vehicle.body, row.category), []


def _replacement(table: ProductRules, row: Entitlement, cover: CoverTerms, vehicle: VehicleFacts, case: CaseFacts,
                 day: date, calendar: WorkCalendar) -> tuple[Replacement | None, list[Finding]]:
    if row.requires_call and not (case.assistance_called_at_once or case.police_tow):
        return None, [finding("replacement_needs_call", row.call_ref, {}, "withholds")]
    refused = _immobilisation(row, case)
    if refused is not None:
        return None, [refused]
    category, notes = _category(table, row, cover, vehicle)
    last = return_by(day, row.max_days, row.unit, calendar)
    granted = Replacement(category, row.max_days, row.unit, row.ref, last)
    return granted, [*notes, finding("replacement", row.ref, {"category": category, "max_days": row.max_days,
                                                              "unit": row.unit, "return_by": last}, "grants")]


def _towing(table: ProductRules, case: CaseFacts) -> tuple[Cap, list[Finding], bool]:
    """The towing cap, its findings, and whether help counts as asked for."""
    call = table.call
    if case.police_tow:
        return (Cap("towing", call.towing_cap_cents, None, "case", call.towing_ref),
                [finding("police_tow", call.police_tow_ref, {"max_cents": call.towing_cap_cents}, "note")], True)
    if not case.assistance_called_at_once:
        refused = finding("tow_not_requested", call.ref, {}, "withholds")
        return Cap("towing", 0, None, "case", call.ref), [refused], False
    return Cap("towing", call.towing_cap_cents, None, "case", call.towing_ref), [], True


def _entitlements(table: ProductRules, cover: CoverTerms, vehicle: VehicleFacts, case: CaseFacts, place: Place,
                  day: date, calendar: WorkCalendar) -> tuple[list[Finding], Replacement | None, tuple[Cap, ...],
                                                              tuple[Cap, ...]]:
    towing, found, asked = _towing(table, case)
    abroad = place.country != table.territory.home
    repairable: bool | None = None
    if abroad:
        repairable, outlook = _repairable(table, case, day, calendar)
        found += outlook
        if repairable is None:
            return found, None, (towing, *table.caps), ()
    row = table.entitlement(abroad, repairable)
    if row is None:
        return [*found, finding("no_entitlement", "", {}, "note")], None, (towing, *table.caps), ()
    replacement, given = _replacement(table, row, cover, vehicle, case, day, calendar)
    found += given
    if not asked:  # help not asked for at the moment: nothing is reimbursed (002 1.5 1°, 003 III d)
        return found, replacement, (towing, *table.caps), ()
    return found, replacement, (towing, *row.caps, *table.caps), row.alternatives


def check(cover: CoverTerms, vehicle: VehicleFacts, case: CaseFacts, *, calendar: WorkCalendar,
          rules: Mapping[Product, ProductRules] = RULES) -> Verdict:
    """Judge ``case`` of ``vehicle`` under ``cover``; ``calendar`` counts workdays (the Belgian one)."""
    table = rules[cover.product]
    day = day_of(case.at)
    place = place_of(case.country)
    if place is None:
        raise ValueError(f"unknown country or region code {case.country!r}")
    reasons = [*_vehicle(table, vehicle), *_dates(table, cover, case, day), *_territory(table, place, case, day),
               *_exclusions(table, case), *_options(table, cover)]
    if any(f.effect == "excludes" for f in reasons):
        return Verdict(False, tuple(reasons), None, (), (), ())
    first = in_force_from(table, cover)
    reasons.append(finding("covered", table.start.premium_ref, {"from": first or cover.start}, "grants"))
    found, replacement, caps, alternatives = _entitlements(table, cover, vehicle, case, place, day, calendar)
    deadlines = case_deadlines(case.cause, case.at, replacement=replacement, replacement_start=day,
                               product=cover.product, rules=rules)
    return Verdict(True, (*reasons, *found), replacement, alternatives, caps, deadlines)

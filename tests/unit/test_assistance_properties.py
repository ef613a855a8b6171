"""Properties of the assistance check over generated covers, vehicles and cases (Hypothesis)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.workcalendar import WorkCalendar
from assistance.check_input import parse_check_input
from assistance.clocks import day_of
from assistance.rules import RULES, place_of
from assistance.terms import Body, CaseFacts, Cause, CoverTerms, Exclusion, Formula, Product, VehicleFacts, Verdict
from assistance.verdict import check

CAL = WorkCalendar.belgium()
ZONES = (UTC, ZoneInfo("Europe/Brussels"), ZoneInfo("Europe/Lisbon"), ZoneInfo("Europe/Istanbul"))
PLACES = ("BE", "FR", "DE", "NL", "ES", "IT", "PT", "GB", "CH", "TR", "MA", "UA", "RU", "US", "AL", "ES-CN", "IC",
          "EA", "ES-ML", "PT-20", "PT-30", "FR-974", "GP", "RE", "TR-34", "TR-06", "UA-43", "BE-VAN", "ES-AN")

days = st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 6, 1))


@st.composite
def covers(draw: st.DrawFn) -> CoverTerms:
    product = draw(st.sampled_from(Product))
    start = draw(days)
    before = st.dates(min_value=start - timedelta(days=60), max_value=start - timedelta(days=1))
    around = st.dates(min_value=start - timedelta(days=60), max_value=start + timedelta(days=60))
    return CoverTerms(
        product=product,
        formula=draw(st.none() | st.sampled_from(Formula)),
        upgrade=draw(st.booleans()),
        start=start,
        premium_paid=draw(st.one_of(before, before, around, st.none())),  # mostly paid in time
        signed=draw(st.none() | st.dates(min_value=start - timedelta(days=30), max_value=start + timedelta(days=10))),
        end=draw(st.none() | st.dates(min_value=start, max_value=start + timedelta(days=800))),
    )


vehicles = st.builds(VehicleFacts, plate=st.just("1ABC123"),
                     registered=st.sampled_from(("BE", "BE", "BE", "NL", "FR")),
                     max_mass_kg=st.none() | st.integers(min_value=400, max_value=3500)
                     | st.integers(min_value=400, max_value=7500), body=st.sampled_from(Body))


@st.composite
def cases(draw: st.DrawFn, around: date | None = None) -> CaseFacts:
    if around is None:
        moment = draw(st.datetimes(min_value=datetime(2024, 6, 1), max_value=datetime(2028, 6, 1)))
    else:  # mostly while the cover runs
        offset = draw(st.timedeltas(min_value=timedelta(days=-20), max_value=timedelta(days=400)))
        moment = datetime.combine(around, datetime.min.time()) + offset
    at = moment.replace(tzinfo=draw(st.sampled_from(ZONES)))
    arrived = draw(st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=6)))
    until = draw(st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
    return CaseFacts(
        cause=draw(st.sampled_from(Cause)),
        at=at,
        country=draw(st.sampled_from(("BE", "BE", "FR", "DE", "ES")) | st.sampled_from(PLACES)),
        assistance_called_at_once=draw(st.sampled_from((True, True, False))),
        police_tow=draw(st.booleans()),
        helper_arrived_at=None if arrived is None else at + arrived,
        immobilised_until=None if until is None else at + until,
        repairable_within_3_workdays=draw(st.none() | st.booleans()),
        exclusions=draw(st.just(frozenset()) | st.frozensets(st.sampled_from(Exclusion), max_size=2)),
        trip_started=draw(st.none() | st.dates(min_value=at.date() - timedelta(days=200), max_value=at.date())),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[CoverTerms, VehicleFacts, CaseFacts]:
    """A cover, a vehicle and a case, the case mostly within the cover's first year."""
    cover = draw(covers())
    return cover, draw(vehicles), draw(cases(around=draw(st.sampled_from((cover.start, cover.start, None)))))


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_an_entitlement_never_exceeds_its_maximum(scenario: tuple[CoverTerms, VehicleFacts, CaseFacts]) -> None:
    cover, vehicle, case = scenario
    verdict = check(cover, vehicle, case, calendar=CAL)
    table = RULES[cover.product]
    r = verdict.replacement
    if r is not None:
        assert verdict.covered
        assert r.max_days <= max(row.max_days for row in table.entitlements)
        assert any((row.ref, row.max_days, row.unit) == (r.ref, r.max_days, r.unit) for row in table.entitlements)
        start = day_of(case.at)
        assert r.return_by is not None
        if r.unit == "days":
            assert r.return_by == start + timedelta(days=r.max_days - 1)
        else:
            assert CAL.is_workday(r.return_by)
            assert CAL.workdays_between(start - timedelta(days=1), r.return_by) == r.max_days
        assert r.return_by >= start
    allowed = {(c.item, c.max_cents, c.max_count, c.per) for c in table.caps}
    for row in table.entitlements:
        allowed |= {(c.item, c.max_cents, c.max_count, c.per) for c in (*row.caps, *row.alternatives)}
    for cap in (*verdict.caps, *verdict.alternatives):
        if cap.item == "towing":
            assert cap.max_cents is not None and 0 <= cap.max_cents <= table.call.towing_cap_cents
        else:
            assert (cap.item, cap.max_cents, cap.max_count, cap.per) in allowed


def _outside_dates(cover: CoverTerms, day: date) -> bool:
    delay = timedelta(days=RULES[cover.product].start.premium_delay_days)
    return (cover.premium_paid is None or day < cover.start or day < cover.premium_paid + delay
            or (cover.end is not None and day >= cover.end))


def _outside_territory(product: Product, code: str) -> bool:
    territory = RULES[product].territory
    place = place_of(code)
    assert place is not None
    if place.country == territory.home:
        return False
    provinces = territory.only_subdivisions.get(place.country)
    return (place.country not in territory.countries or code in territory.excluded_regions
            or code in territory.sanctioned or place.country in territory.sanctioned
            or (provinces is not None and code not in provinces))


def _outside_vehicle(product: Product, vehicle: VehicleFacts) -> bool:
    rules = RULES[product].vehicle
    return ((vehicle.max_mass_kg is not None and vehicle.max_mass_kg > rules.max_mass_kg)
            or (rules.registered_in is not None and vehicle.registered != rules.registered_in))


@settings(max_examples=600, deadline=None)
@given(scenarios())
def test_a_case_outside_the_covers_dates_territory_or_vehicles_is_never_covered(
        scenario: tuple[CoverTerms, VehicleFacts, CaseFacts]) -> None:
    cover, vehicle, case = scenario
    verdict = check(cover, vehicle, case, calendar=CAL)
    outside = (_outside_dates(cover, day_of(case.at)) or _outside_territory(cover.product, case.country)
               or _outside_vehicle(cover.product, vehicle))
    if outside:
        assert not verdict.covered
        assert any(f.effect == "excludes" for f in verdict.reasons)
        assert verdict.replacement is None and not verdict.caps and not verdict.deadlines
    if verdict.covered:
        assert not any(f.effect == "excludes" for f in verdict.reasons)


def _json(cover: CoverTerms, vehicle: VehicleFacts, case: CaseFacts, exclusions: list[str]) -> dict[str, Any]:
    def iso(t: datetime | None) -> str | None:
        return None if t is None else t.isoformat()
    return {
        "cover": {"product": cover.product.value, "formula": cover.formula and cover.formula.value,
                  "upgrade": cover.upgrade, "start": cover.start.isoformat(),
                  "premium_paid": cover.premium_paid and cover.premium_paid.isoformat(),
                  "signed": cover.signed and cover.signed.isoformat(), "end": cover.end and cover.end.isoformat()},
        "vehicle": {"plate": vehicle.plate, "registered": vehicle.registered, "max_mass_kg": vehicle.max_mass_kg,
                    "body": vehicle.body.value},
        "case": {"cause": case.cause.value, "at": iso(case.at), "country": case.country,
                 "assistance_called_at_once": case.assistance_called_at_once, "police_tow": case.police_tow,
                 "helper_arrived_at": iso(case.helper_arrived_at), "immobilised_until": iso(case.immobilised_until),
                 "repairable_within_3_workdays": case.repairable_within_3_workdays, "exclusions": exclusions,
                 "trip_started": None},
    }


def _said(verdict: Verdict) -> dict[str, object]:
    return verdict.as_json(lambda f: f.code)


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.data())
def test_the_verdict_does_not_depend_on_the_order_of_the_exclusions(
        scenario: tuple[CoverTerms, VehicleFacts, CaseFacts], data: st.DataObject) -> None:
    cover, vehicle, case = scenario
    listed = [e.value for e in Exclusion if e in case.exclusions]
    shuffled = data.draw(st.permutations(listed))
    repeated = shuffled + data.draw(st.lists(st.sampled_from(listed), max_size=3)) if listed else shuffled
    first = check(*parse_check_input(_json(cover, vehicle, case, listed)), calendar=CAL)
    second = check(*parse_check_input(_json(cover, vehicle, case, repeated)), calendar=CAL)
    assert _said(first) == _said(second)
    assert first == second

"""The assistance conditions as data: one ``ProductRules`` table per insurer product, each row with its seed reference.

Pure: standard library and ``assistance.terms``. A new insurer product is a new entry in ``RULES``,
not new code: ``assistance.verdict`` only reads these tables. References name the seed and its
section: ``002 6.3`` is seed 002 (Optimco, Europ Assistance) article 6.3, ``003 IV.2 a`` seed 003
(AG Insurance Top Mobility & Travel Assist) chapter IV, 2 a. Amounts are cents, taxes included.

Places
------
A case's ``country`` is an ISO 3166-1 alpha-2 code (``FR``), or an ISO 3166-2 subdivision code
(``ES-CN``, ``PT-20``, ``TR-34``: the country is its first two letters; a subdivision matters only
where a table names it), or one of the exceptionally reserved codes ``IC`` (Canary Islands) and
``EA`` (Ceuta and Melilla), which count as Spain; ``XK`` (Kosovo, user-assigned) is accepted too.
``place_of`` reads it; anything else is refused by ``assistance.check_input``. The French overseas
departments and collectivities may come as their own alpha-2 codes (``GP``, ``RE``...) or as
subdivisions of France (``FR-971``, ``FR-GP``...); either way they are excluded regions for 002.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from assistance.terms import Body, Cap, Cause, Exclusion, Formula, Product, Unit

__all__ = [
    "COUNTRIES",
    "RULES",
    "CallRule",
    "DeadlineRules",
    "Entitlement",
    "Place",
    "ProductRules",
    "StartRules",
    "StayLimit",
    "Territory",
    "VehicleRules",
    "place_of",
]

#: ISO 3166-1 alpha-2: the 249 officially assigned codes.
COUNTRIES: frozenset[str] = frozenset([
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
])

#: Codes outside ISO 3166-1's assigned set that a case may still give, and the country they are in.
RESERVED_CODES: Mapping[str, str] = MappingProxyType({"IC": "ES", "EA": "ES", "XK": "XK"})

_SUBDIVISION = re.compile(r"^([A-Z]{2})-([A-Z0-9]{1,3})$")


@dataclass(frozen=True)
class Place:
    """Where a case happened: its country (alpha-2) and the code as given (a subdivision, or the country)."""

    country: str
    code: str


def place_of(code: str) -> Place | None:
    """Read an alpha-2, ISO 3166-2 or reserved code (``fr``, ``ES-CN``, ``IC``); ``None`` when unknown."""
    text = code.strip().upper()
    if text in COUNTRIES:
        return Place(text, text)
    if text in RESERVED_CODES:
        return Place(RESERVED_CODES[text], text)
    match = _SUBDIVISION.match(text)
    if match and match.group(1) in COUNTRIES:
        return Place(match.group(1), text)
    return None


@dataclass(frozen=True)
class StayLimit:
    """How long a stay abroad stays covered: events after ``months`` months or ``days`` days are not."""

    months: int | None
    days: int | None
    ref: str


@dataclass(frozen=True)
class Territory:
    """Where vehicle assistance applies: the home country, the countries abroad, and what is cut out."""

    home: str
    countries: frozenset[str]
    ref: str
    #: code (country or subdivision) -> region key, cut out of a listed country or always out.
    excluded_regions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    regions_ref: str = ""
    #: countries and regions never covered (war, sanctions, travel bans).
    sanctioned: frozenset[str] = frozenset()
    sanctioned_ref: str = ""
    #: countries covered only in some subdivisions (Turkey's European part): country -> subdivisions.
    only_subdivisions: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    stay: StayLimit | None = None


@dataclass(frozen=True)
class VehicleRules:
    """Which vehicles the product covers."""

    registered_in: str | None
    registered_ref: str
    max_mass_kg: int
    mass_ref: str
    bodies: frozenset[Body]
    bodies_ref: str


@dataclass(frozen=True)
class StartRules:
    """When a cover is in force.

    In force from the later of ``start`` and ``premium_paid`` + ``premium_delay_days`` until the
    end date (exclusive: the cover ends on it at 00:00). Claims whose cause is not in
    ``waiting_exempt`` start only at 00:00 (Brussels) on day ``signed`` + ``waiting_days``.
    """

    premium_delay_days: int
    premium_ref: str
    end_ref: str
    waiting_days: int | None = None
    waiting_exempt: frozenset[Cause] = frozenset()
    waiting_ref: str = ""


@dataclass(frozen=True)
class CallRule:
    """Help must be asked for at the moment of the facts; towing not organised by the insurer is capped."""

    ref: str
    police_tow_ref: str
    towing_cap_cents: int
    towing_ref: str


@dataclass(frozen=True)
class Entitlement:
    """One row of the entitlement table: where, whether repairable within 3 workdays, and what it gives.

    ``abroad`` False is the home country; ``repairable`` None matches either. The replacement
    vehicle is ``category`` (or ``by_body[body]``; with the upgrade option ``upgrade[body]``) for at
    most ``max_days`` ``unit``. It needs help asked for at once (unless the police ordered the tow)
    when ``requires_call``, and an immobilisation of at least ``min_immobilisation_hours`` counted
    from the roadside helper's arrival (from the case's moment when no helper came), unless
    ``police_tow_lifts_immobilisation`` and the police ordered the tow.
    """

    key: str
    abroad: bool
    repairable: bool | None
    category: str
    max_days: int
    unit: Unit
    ref: str
    by_body: Mapping[Body, str] = field(default_factory=lambda: MappingProxyType({}))
    upgrade: Mapping[Body, str] = field(default_factory=lambda: MappingProxyType({}))
    upgrade_ref: str = ""
    requires_call: bool = True
    call_ref: str = ""
    min_immobilisation_hours: int | None = None
    immobilisation_ref: str = ""
    #: whether a tow the police ordered also lifts the minimum immobilisation (002 6.3 says it lifts
    #: only the duty to call at once: False there)
    police_tow_lifts_immobilisation: bool = False
    caps: tuple[Cap, ...] = ()
    alternatives: tuple[Cap, ...] = ()


@dataclass(frozen=True)
class DeadlineRules:
    """The insured's deadlines: theft report receipt (hours), proof of costs and repayment (months)."""

    theft_report_hours: int | None
    theft_ref: str
    proof_months: int | None
    proof_ref: str
    repay_months: int | None
    repay_ref: str


@dataclass(frozen=True)
class ProductRules:
    """Everything ``assistance.verdict.check`` needs to know about one product."""

    product: Product
    formulas: frozenset[Formula]
    upgrade_offered: bool
    upgrade_ref: str
    vehicle: VehicleRules
    start: StartRules
    territory: Territory
    call: CallRule
    exclusions: Mapping[Exclusion, str]
    entitlements: tuple[Entitlement, ...]
    caps: tuple[Cap, ...]
    deadlines: DeadlineRules
    #: where the repair is judged: "workdays" on the Belgian working calendar.
    repair_window_workdays: int = 3
    repair_window_ref: str = ""

    def entitlement(self, abroad: bool, repairable: bool | None) -> Entitlement | None:
        """The first row matching the place and the repair outlook."""
        for row in self.entitlements:
            if row.abroad == abroad and row.repairable in (None, repairable):
                return row
        return None


def _cap(item: str, euros: int | None, ref: str, per: str | None = "case", count: int | None = None) -> Cap:
    return Cap(item, None if euros is None else euros * 100, count, per, ref)


# -- seed 002: Optimco travel assistance with replacement car --------------------------------------

#: 1.2 5°: the European countries where article 6 (vehicle assistance) applies, besides Belgium.
_OPTIMCO_COUNTRIES = frozenset([
    "AD", "BA", "BG", "CY", "DK", "DE", "EE", "FI", "FR", "GI", "GR", "GB", "HU", "IE", "IS", "IT",
    "HR", "LV", "LI", "LT", "LU", "MT", "MC", "NL", "NO", "MK", "AT", "PL", "PT", "RO", "SM", "RS",
    "SK", "SI", "ES", "CZ", "TR", "VA", "SE", "CH",
])

#: 1.2 5°: France without its overseas territories, Spain without the Canaries, Ceuta and Melilla,
#: Portugal without Madeira and the Azores.
_FRENCH_OVERSEAS = (
    "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF",
    "FR-971", "FR-972", "FR-973", "FR-974", "FR-976",
    "FR-GP", "FR-MQ", "FR-GF", "FR-RE", "FR-YT", "FR-PM", "FR-BL", "FR-MF", "FR-WF", "FR-PF", "FR-NC", "FR-TF",
    "FR-CP",
)
_OPTIMCO_REGIONS: Mapping[str, str] = MappingProxyType({
    "ES-CN": "canary_islands", "IC": "canary_islands",
    "ES-CE": "ceuta_melilla", "ES-ML": "ceuta_melilla", "EA": "ceuta_melilla",
    "PT-20": "azores", "PT-30": "madeira",
    **{code: "french_overseas" for code in _FRENCH_OVERSEAS},
})

#: 1.2 6°: always excluded, even when listed (the list in force when the seed was written).
_OPTIMCO_SANCTIONED = frozenset({
    "KP", "SY", "VE", "IR", "BY", "AF", "MM", "RU",
    # the Ukrainian regions annexed by the Russian Federation: Crimea, Sevastopol, Donetsk, Luhansk,
    # Zaporizhzhia, Kherson
    "UA-43", "UA-40", "UA-14", "UA-09", "UA-23", "UA-65",
})

#: 1.2 5° "Turkey (European part)": the provinces of Eastern Thrace. Istanbul (TR-34) and Çanakkale
#: (TR-17) lie on both continents and are taken as European; a case in Turkey must name its province.
_TURKEY_EUROPEAN = frozenset({"TR-22", "TR-39", "TR-59", "TR-34", "TR-17"})

_OPTIMCO_GENERAL_CAPS = (
    _cap("parts_guarantee", 500, "002 6.2"),  # parts above this need a payment guarantee
    _cap("transport", None, "002 1.5 3°"),  # at most the vehicle's residual value
)

OPTIMCO = ProductRules(
    product=Product.OPTIMCO,
    formulas=frozenset(),
    upgrade_offered=False,
    upgrade_ref="002 1.5 6°",
    vehicle=VehicleRules(
        registered_in="BE", registered_ref="002 1.1 5°",
        max_mass_kg=3500, mass_ref="002 1.1 5°",
        bodies=frozenset(Body), bodies_ref="002 1.1 5°",
    ),
    start=StartRules(
        premium_delay_days=1, premium_ref="002 1.4",
        end_ref="002 8.4",
        waiting_days=5, waiting_exempt=frozenset({Cause.ACCIDENT, Cause.FIRE}),  # fire: 1.1 6°
        waiting_ref="002 8.3",
    ),
    territory=Territory(
        home="BE", countries=_OPTIMCO_COUNTRIES, ref="002 1.2 5°",
        excluded_regions=_OPTIMCO_REGIONS, regions_ref="002 1.2 5°",
        sanctioned=_OPTIMCO_SANCTIONED, sanctioned_ref="002 1.2 6°",
        only_subdivisions=MappingProxyType({"TR": _TURKEY_EUROPEAN}),
        stay=StayLimit(months=3, days=None, ref="002 1.2 7°"),
    ),
    call=CallRule(ref="002 6.1", police_tow_ref="002 6.1", towing_cap_cents=25000, towing_ref="002 6.1"),
    exclusions=MappingProxyType({
        Exclusion.MAINTENANCE: "002 7.1.4",
        Exclusion.REPEATED_DEFECT: "002 7.1.5",
        Exclusion.RACE: "002 7.1.2",
        Exclusion.ALCOHOL: "002 7.1.24",
    }),
    entitlements=(
        Entitlement(
            key="home", abroad=False, repairable=None, category="B", max_days=7, unit="days", ref="002 6.3",
            requires_call=True, call_ref="002 6.3",
            min_immobilisation_hours=24, immobilisation_ref="002 6.3",
            caps=(_cap("hotel", 100, "002 6.4", per="passenger"), _cap("hotel_total", 250, "002 6.4")),
        ),
        Entitlement(
            key="abroad_repairable", abroad=True, repairable=True, category="B", max_days=3, unit="workdays",
            ref="002 6.4 c", requires_call=True, call_ref="002 6.4",
            alternatives=(_cap("hotel", 100, "002 6.4 a", per="room"), _cap("hotel_total", 800, "002 6.4 a"),
                          _cap("continue_trip", 350, "002 6.4 b")),
        ),
        Entitlement(
            key="abroad_not_repairable", abroad=True, repairable=False, category="B", max_days=7, unit="days",
            ref="002 6.6", requires_call=True, call_ref="002 6.4",
            caps=(_cap("guarding_days", None, "002 6.5", count=10),),
            alternatives=(_cap("repatriation", None, "002 6.5"), _cap("continue_trip", 350, "002 6.6"),
                          _cap("hotel", 100, "002 6.5", per="room", count=1)),
        ),
    ),
    caps=_OPTIMCO_GENERAL_CAPS,
    deadlines=DeadlineRules(
        theft_report_hours=24, theft_ref="002 1.6",
        proof_months=None, proof_ref="",
        repay_months=1, repay_ref="002 2.2",
    ),
    repair_window_ref="002 6.4",
)


# -- seed 003: AG Insurance Top Mobility & Travel Assist -------------------------------------------

#: II.2 a: Belgium and the countries for which the green card is valid: the members of the green card
#: system (Council of Bureaux) with Monaco, San Marino, the Vatican and Gibraltar, which their
#: neighbours' bureaux cover; Russia, Belarus and Iran are suspended from the system. The card's own
#: list of countries is what counts; change this table when it changes.
_GREEN_CARD = frozenset([
    "AL", "AD", "AT", "BA", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB",
    "GI", "GR", "HR", "HU", "IE", "IL", "IS", "IT", "LI", "LT", "LU", "LV", "MA", "MC", "MD", "ME",
    "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "SM", "TN", "TR", "UA", "VA",
])

_MONOSPACE_BODIES = (Body.MONOSPACE, Body.MINIBUS, Body.MOTORHOME)

AG_TOP_MOBILITY = ProductRules(
    product=Product.AG_TOP_MOBILITY,
    formulas=frozenset(Formula),
    upgrade_offered=True,
    upgrade_ref="003 IV.2 a",
    vehicle=VehicleRules(
        registered_in=None, registered_ref="003 I.18",
        max_mass_kg=3500, mass_ref="003 I.18",
        bodies=frozenset(Body), bodies_ref="003 I.18",
    ),
    start=StartRules(premium_delay_days=0, premium_ref="003 XIII.3", end_ref="003 III a"),
    territory=Territory(
        home="BE", countries=_GREEN_CARD, ref="003 II.2 a",
        stay=StayLimit(months=None, days=90, ref="003 III e"),
    ),
    call=CallRule(ref="003 III d", police_tow_ref="003 III d", towing_cap_cents=25000, towing_ref="003 IV.1"),
    exclusions=MappingProxyType({
        Exclusion.MAINTENANCE: "003 I.14",  # maintenance is no technical incident
        Exclusion.RACE: "003 XII.1",
        Exclusion.ALCOHOL: "003 XII.1",
    }),
    entitlements=(
        Entitlement(
            key="home", abroad=False, repairable=None, category="B", max_days=15, unit="days", ref="003 IV.2 a",
            by_body=MappingProxyType(dict.fromkeys(_MONOSPACE_BODIES, "monospace")),
            upgrade=MappingProxyType({Body.CAR: "upgrade-E", Body.MONOSPACE: "upgrade-E", Body.VAN: "van-20m3"}),
            upgrade_ref="003 IV.2 a", requires_call=True, call_ref="003 III h",
        ),
        Entitlement(
            key="abroad_repairable", abroad=True, repairable=True, category="B", max_days=7, unit="days",
            ref="003 IV.2 b", requires_call=True, call_ref="003 III h",
            caps=(_cap("hotel", 125, "003 IV.2 b", per="insured"),),
            alternatives=(_cap("continue_trip", 250, "003 IV.2 b"),),
        ),
        Entitlement(
            # not repairable within 3 workdays: the vehicle is brought home and a replacement vehicle
            # is given in Belgium by the rules of IV.2 a
            key="abroad_not_repairable", abroad=True, repairable=False, category="B", max_days=15, unit="days",
            ref="003 IV.1 b",
            by_body=MappingProxyType(dict.fromkeys(_MONOSPACE_BODIES, "monospace")),
            upgrade=MappingProxyType({Body.CAR: "upgrade-E", Body.MONOSPACE: "upgrade-E", Body.VAN: "van-20m3"}),
            upgrade_ref="003 IV.2 a", requires_call=True, call_ref="003 III h",
            caps=(_cap("hotel", 125, "003 IV.1 b", per="room", count=1),),
            alternatives=(_cap("repatriation", None, "003 IV.1 b"),),
        ),
    ),
    caps=(
        _cap("parts_guarantee", 500, "003 IV.6"),
        _cap("transport", None, "003 III i"),
        _cap("guarding_days", None, "003 IV.4", count=10),
    ),
    deadlines=DeadlineRules(
        theft_report_hours=24, theft_ref="003 IV.3 b",
        proof_months=3, proof_ref="003 XIII.5.1 B",
        repay_months=3, repay_ref="003 XIII.6",
    ),
    repair_window_ref="003 IV.2 b",
)

RULES: Mapping[Product, ProductRules] = MappingProxyType({
    Product.OPTIMCO: OPTIMCO,
    Product.AG_TOP_MOBILITY: AG_TOP_MOBILITY,
})


"""What the assistance codes say, in the reader's language: findings, invoice reasons, input errors and names.

The pure core stores codes and string parameters (``assistance.terms.Finding``); the words are here
once, for the screens and for ``fleetdesk assistance check`` (English there: no request, the
default locale). Parameters are shown as the language writes them: ISO dates as long dates,
``*_cents`` as amounts, and the coded ones (``category``, ``unit``, ``body``, ``cause``,
``exclusion``, ``region``, ``item``, ``expected``) by their own names below.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app import formatting
from assistance.terms import Finding

__all__ = [
    "BODIES", "CATEGORIES", "CAUSES", "DEADLINES", "DOCUMENTS", "EXCLUSIONS", "EXPECTED", "FINDINGS",
    "INPUT_ERRORS", "INVOICE_REASONS", "ITEMS", "PER", "REGIONS", "UNITS", "error_text", "finding_text", "name",
]

#: ``assistance.verdict.FINDING_CODES``: why a case is covered or not, and what it gives or withholds.
FINDINGS: dict[str, LazyString] = {
    "registration_country": _l("The vehicle is registered in %(registered)s; the cover only takes vehicles "
                               "registered in %(required)s."),
    "mass_over_limit": _l("The vehicle's maximum authorised mass (%(mass_kg)s kg) is above the cover's limit "
                          "of %(limit_kg)s kg."),
    "mass_unknown": _l("The vehicle's maximum authorised mass is not known; the cover takes vehicles up to "
                       "%(limit_kg)s kg."),
    "body_not_covered": _l("The cover does not take this type of vehicle (%(body)s)."),
    "premium_unpaid": _l("The premium has not been received: the cover is not in force."),
    "before_cover_start": _l("The case (%(day)s) is before the cover's start date (%(start)s)."),
    "premium_paid_late": _l("The premium was received on %(premium_paid)s, so the cover is in force from "
                            "%(from)s only, after the case (%(day)s)."),
    "cover_ended": _l("The cover ended on %(end)s, before the case (%(day)s)."),
    "waiting_period": _l("For a claim other than an accident (%(cause)s) the cover is in force from %(from)s "
                         "only (00:00 on the fifth day after signing on %(signed)s); the case was on %(day)s."),
    "signing_unknown": _l("The signing date is not known: claims other than accidents are covered from 00:00 "
                          "on day %(waiting_days)s after signing only."),
    "territory_sanctioned": _l("%(country)s is never covered (war, sanctions or a travel ban)."),
    "territory_excluded_region": _l("%(region)s (%(country)s) is outside the cover's territory."),
    "territory_not_covered": _l("Vehicle assistance does not apply in %(country)s."),
    "territory_province_needed": _l("In %(country)s only the European part is covered: give the province as "
                                    "an ISO 3166-2 code."),
    "stay_limit": _l("The stay abroad began on %(trip_started)s and is covered up to %(last_day)s only; the "
                     "case was on %(day)s."),
    "exclusion_maintenance": _l("Excluded: the vehicle was immobilised for maintenance."),
    "exclusion_repeated_defect": _l("Excluded: the same defect for the third time within 12 months."),
    "exclusion_race": _l("Excluded: a motor race or rally."),
    "exclusion_alcohol": _l("Excluded: blood alcohol above 1.5 g/l."),
    "exclusion_not_in_product": _l("This product has no exclusion for %(exclusion)s."),
    "formula_not_offered": _l("This product has no formula %(formula)s; the formula is ignored."),
    "upgrade_not_offered": _l("This product has no upgrade option for the replacement vehicle; the option "
                              "is ignored."),
    "covered": _l("The case falls under the cover (in force from %(from)s)."),
    "tow_not_requested": _l("Assistance was not called at the moment: towing and other help not asked for are "
                            "not reimbursed, and there is no replacement vehicle."),
    "police_tow": _l("The police ordered the tow: towing not organised by the insurer is reimbursed up to "
                     "%(max_cents)s."),
    "repair_outlook_derived": _l("The repair is expected to end on %(until)s; %(workdays)s workdays end on "
                                 "%(limit)s."),
    "repair_time_unknown": _l("Abroad, the entitlement depends on whether the repair takes at most %(workdays)s "
                              "workdays, which is not known yet."),
    "no_entitlement": _l("No entitlement applies to this case."),
    "replacement_needs_call": _l("No replacement vehicle: assistance must be called at the moment of the "
                                 "immobilisation, unless the police ordered the tow."),
    "immobilisation_unknown": _l("A replacement vehicle needs an immobilisation of at least %(min_hours)s hours "
                                 "from the roadside assistance's arrival; its length is not known yet."),
    "immobilisation_too_short": _l("No replacement vehicle: the immobilisation lasted %(hours)s hours from the "
                                   "roadside assistance's arrival, less than %(min_hours)s hours."),
    "upgrade_not_for_body": _l("The upgrade option does not apply to this type of vehicle (%(body)s)."),
    "replacement": _l("Replacement vehicle: %(category)s for at most %(max_days)s %(unit)s, to be returned by "
                      "%(return_by)s."),
}

#: ``assistance.invoices.INVOICE_CODES``: why an invoice line is refused in part or in full.
INVOICE_REASONS: dict[str, LazyString] = {
    "invoice_case_not_covered": _l("Refused: the case is not covered."),
    "invoice_item_not_covered": _l("Refused: %(item)s is not an assistance cost."),
    "invoice_over_cap": _l("Above the cap for %(item)s: %(allowed_cents)s accepted."),
    "invoice_days_beyond": _l("Replacement vehicle: %(days)s days used for at most %(max_days)s %(unit)s; the "
                              "days beyond are for the driver or the lessee."),
    "invoice_no_replacement": _l("Refused: the case gives no replacement vehicle."),
    "invoice_parts_guarantee": _l("Refused: parts above %(cap_cents)s need a payment guarantee."),
    "invoice_residual_value_unknown": _l("Transport is capped at the vehicle's residual value, which is not "
                                         "known."),
    "invoice_not_in_entitlement": _l("Refused: the case gives nothing for %(item)s."),
}

#: ``assistance.check_input.ERROR_CODES``: what is wrong with the input of ``fleetdesk assistance check``.
INPUT_ERRORS: dict[str, LazyString] = {
    "unreadable": _l("The file %(path)s cannot be read."),
    "bad_json": _l("The input is not valid JSON (line %(line)s, column %(column)s)."),
    "not_an_object": _l("A JSON object is expected here."),
    "missing": _l("This key is missing."),
    "unknown_key": _l("Unknown key %(key)s."),
    "bad_type": _l("Expected: %(expected)s."),
    "bad_date": _l("%(value)s is not a date (YYYY-MM-DD)."),
    "bad_time": _l("%(value)s is not a time with its offset (YYYY-MM-DDTHH:MM+01:00)."),
    "naive_time": _l("%(value)s has no offset from UTC (add +01:00, +02:00 or Z)."),
    "unknown_value": _l("%(value)s is not one of %(allowed)s."),
    "unknown_country": _l("%(value)s is not an ISO 3166 country or subdivision code."),
    "bad_number": _l("%(value)s is not a positive whole number."),
    "out_of_order": _l("This moment is before %(before)s."),
    "out_of_range": _l("%(value)s is outside the dates the check reads (%(earliest)s to %(latest)s)."),
}

#: ``assistance.check_input.EXPECTED``.
EXPECTED: dict[str, LazyString] = {
    "value": _l("a value, not null"),
    "text": _l("text"),
    "boolean": _l("true or false"),
    "date": _l("a date"),
    "time": _l("a time"),
    "list": _l("a list"),
}

#: ``Deadline.code``: what is due (assistance.clocks).
DEADLINES: dict[str, LazyString] = {
    "police_report_receipt": _l("receipt of the police report of the theft"),
    "proof_of_costs": _l("proof of the costs"),
    "repay_advances": _l("repayment of advanced costs the cover does not include"),
    "return_replacement": _l("return of the replacement vehicle"),
    "provider_contact": _l("the provider contacts the customer"),
    "provider_appointment": _l("the provider's appointment with the customer"),
}

#: ``Cap.item`` and ``InvoiceLine.item``.
ITEMS: dict[str, LazyString] = {
    "towing": _l("towing not organised by the insurer"),
    "hotel": _l("hotel"),
    "hotel_total": _l("hotel, in total"),
    "continue_trip": _l("continuing the trip"),
    "parts_guarantee": _l("parts without payment guarantee"),
    "parts": _l("parts"),
    "transport": _l("transport of the vehicle"),
    "repatriation": _l("repatriation of the vehicle"),
    "guarding_days": _l("guarding days"),
    "guarding": _l("guarding"),
    "replacement_vehicle": _l("replacement vehicle"),
}

#: ``Cap.per``.
PER: dict[str, LazyString] = {
    "case": _l("per case"),
    "passenger": _l("per passenger"),
    "insured": _l("per insured person"),
    "room": _l("per room"),
}

#: ``Replacement.category``.
CATEGORIES: dict[str, LazyString] = {
    "B": _l("category B"),
    "monospace": _l("a monospace"),
    "upgrade-E": _l("an E-Class, A6 or 5 Series"),
    "van-20m3": _l("a van of the same volume, up to 20 m³"),
}

#: ``Replacement.unit``.
UNITS: dict[str, LazyString] = {"days": _l("consecutive days"), "workdays": _l("workdays")}

BODIES: dict[str, LazyString] = {
    "car": _l("car"), "monospace": _l("monospace"), "minibus": _l("minibus"), "motorhome": _l("motorhome"),
    "van": _l("van"),
}

CAUSES: dict[str, LazyString] = {
    "breakdown": _l("breakdown"), "accident": _l("accident"), "vandalism": _l("vandalism"), "theft": _l("theft"),
    "fire": _l("fire"),
}

EXCLUSIONS: dict[str, LazyString] = {
    "maintenance": _l("immobilisation for maintenance"),
    "repeated_defect": _l("a third identical defect within 12 months"),
    "race": _l("a motor race"),
    "alcohol": _l("blood alcohol above 1.5 g/l"),
}

#: ``assistance.rules`` excluded regions.
REGIONS: dict[str, LazyString] = {
    "canary_islands": _l("The Canary Islands"),
    "ceuta_melilla": _l("Ceuta and Melilla"),
    "madeira": _l("Madeira"),
    "azores": _l("The Azores"),
    "french_overseas": _l("The French overseas territories"),
}

#: ``assistance.clocks.DOCUMENTS``: what a provider's invoice needs.
DOCUMENTS: dict[str, LazyString] = {
    "photo_arrival": _l("photo on arrival"),
    "photo_after": _l("photo after the work"),
    "mandate": _l("signed mandate"),
}

_NAMED: Mapping[str, Mapping[str, LazyString]] = {
    "category": CATEGORIES, "unit": UNITS, "body": BODIES, "cause": CAUSES, "exclusion": EXCLUSIONS,
    "region": REGIONS, "item": ITEMS, "expected": EXPECTED,
}


def name(kind: str, code: str) -> str:
    """The words for a coded value (``name("item", "hotel")``); an unknown code as it is."""
    words = _NAMED.get(kind, {}).get(code)
    return str(words) if words is not None else code


def _shown(key: str, value: str) -> str:
    if key in _NAMED:
        return name(key, value)
    if key.endswith("_cents"):
        try:
            return formatting.money(int(value))
        except ValueError:
            return value
    if len(value) == 10 and value[4] == "-":
        try:
            return formatting.day_long(date.fromisoformat(value))
        except ValueError:
            return value
    return value


def _say(template: LazyString | None, code: str, params: Mapping[str, str]) -> str:
    if template is None:
        return code
    try:
        return str(template) % {key: _shown(key, str(value)) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):  # stored by an older version with other parameters
        return code


def finding_text(finding: Finding) -> str:
    """Say a verdict's or an invoice check's finding in the reader's language."""
    return _say(FINDINGS.get(finding.code, INVOICE_REASONS.get(finding.code)), finding.code, finding.params)


def error_text(code: str, params: Mapping[str, str]) -> str:
    """Say an input error of ``assistance.check_input`` (or the CLI's file) in the reader's language."""
    return _say(INPUT_ERRORS.get(code), code, params)

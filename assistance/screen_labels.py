"""The assistance screens' own words: states, products, formulas, provider steps, cover-import problems, and the
codes the services store (why no contract or no cover was found). The core's codes (findings, deadlines, items,
causes...) are worded by ``assistance.labels``; ``reason_text`` says either kind of stored reason.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext

from assistance import labels
from assistance.covers_csv import RowError
from assistance.terms import Finding

STATES: Mapping[str, Any] = {"open": lazy_pgettext("assistance case", "open"),
                              "closed": lazy_pgettext("assistance case", "closed")}

PRODUCTS: Mapping[str, Any] = {
    "optimco": _l("Optimco travel assistance with replacement car"),
    "ag-top-mobility": _l("AG Insurance Top Mobility & Travel Assist"),
}

FORMULAS: Mapping[str, Any] = {
    "": _l("no formula"),
    "one-vehicle": _l("one vehicle"),
    "two-vehicles": _l("two vehicles"),
    "all-vehicles": _l("all vehicles"),
}

ISSUERS: Mapping[str, Any] = {"insurer": _l("insurer"), "provider": _l("provider")}

#: How an invoice's lines came in.
SOURCES: Mapping[str, Any] = {"typed": _l("typed in"), "pdf": _l("read from the PDF")}

#: ``assistance.services.PROVIDER_EVENTS``.
PROVIDER_EVENTS: Mapping[str, Any] = {
    "contacted": _l("Contacted the customer"),
    "appointment": _l("Appointment held"),
    "customer_proposed": _l("Customer proposed a later appointment"),
    "photos_arrival": _l("Photos on arrival received"),
    "photos_after": _l("Photos after the work received"),
    "mandate_signed": _l("Signed mandate received"),
}

#: Stored by the services, not by the core: why no cover, and why no contract (``app.fleet.matching``).
SERVICE_REASONS: Mapping[str, Any] = {
    "no_cover": _l("No assistance cover of this client names the vehicle %(plate)s."),
    "no_plate": _l("No plate was given, so no lease contract could be found."),
    "no_contract": _l("No lease contract of plate %(plate)s runs on %(day)s."),
    "overlap": _l("%(count)s lease contracts of plate %(plate)s run on %(day)s: %(numbers)s."),
}

#: ``assistance.covers_csv.ERROR_CODES`` in the reader's language.
IMPORT_ERRORS: Mapping[str, Any] = {
    "empty_file": _l("The file is empty: it needs a header line."),
    "unreadable": _l("The file cannot be read as CSV here: %(detail)s."),
    "too_many_rows": _l("The file has more than %(limit)s lines."),
    "repeated_columns": _l("Column(s) appear more than once: %(columns)s."),
    "missing_columns": _l("Missing required column(s): %(columns)s."),
    "no_vehicle_column": _l("The file needs a plate or a contract_number column."),
    "empty": _l("%(column)s is empty."),
    "too_long": _l("%(column)s is longer than %(limit)s characters."),
    "bad_product": _l("Unknown product '%(value)s' (optimco or ag-top-mobility)."),
    "bad_formula": _l("Unknown formula '%(value)s' (one-vehicle, two-vehicles or all-vehicles)."),
    "bad_upgrade": _l("upgrade must be yes or no, not '%(value)s'."),
    "bad_date": _l("%(column)s: not a date: '%(value)s' (write YYYY-MM-DD or DD/MM/YYYY)."),
    "end_before_start": _l("end_date %(end)s is before start_date %(start)s."),
    "bad_plate": _l("Not a valid licence plate: '%(value)s'."),
    "no_vehicle": _l("Give a plate or a contract number."),
    "unknown_contract": _l("There is no lease contract %(value)s."),
    "differs": _l("Policy %(policy)s has another %(column)s on line %(first_line)s."),
    "repeated_vehicle": _l("Policy %(policy)s names this vehicle again (first on line %(first_line)s)."),
    "too_many_vehicles": _l("Policy %(policy)s with formula %(formula)s covers at most %(limit)s vehicle(s)."),
}


def import_error(error: RowError) -> str:
    """A cover-import problem in the reader's language."""
    words = IMPORT_ERRORS.get(error.code)
    if words is None:
        return error.message
    try:
        return str(words) % {k: str(v) for k, v in error.params.items()}
    except (KeyError, ValueError):
        return error.message


def reason_text(reason: Mapping[str, Any]) -> str:
    """A stored reason (``{"code", "ref", "params", "effect"}``) in the reader's language."""
    code, params = str(reason.get("code", "")), dict(reason.get("params") or {})
    words = SERVICE_REASONS.get(code)
    if words is not None:
        try:
            return str(words) % {k: str(v) for k, v in params.items()}
        except (KeyError, ValueError):
            return code
    return labels.finding_text(Finding(code, str(reason.get("ref", "")), params,
                                       reason.get("effect", "note")))


def name(table: Mapping[str, Any], code: str | None) -> str:
    """A coded value's words from ``table`` (the code itself when unknown)."""
    words = table.get(code or "")
    return str(words) if words is not None else (code or "")


def yes_no(value: bool | None) -> str:
    """A stored yes/no fact; unknown when not given."""
    if value is None:
        return pgettext("fact", "not known")
    return pgettext("fact", "yes") if value else pgettext("fact", "no")

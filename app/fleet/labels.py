"""The contract import's problems (``app.fleet.contracts_csv.ERROR_CODES``) in the reader's language."""
from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app import formatting
from app.fleet.contracts_csv import HEADERS, RowError

__all__ = ["COLUMN_NOTES", "IMPORT_ERRORS", "INSTRUCTION_NEEDS", "import_error"]

#: Every code of ``ERROR_CODES``, translated; the parameters are the same (``%(name)s``).
IMPORT_ERRORS: dict[str, LazyString] = {
    "empty_file": _l("The file is empty: it needs a header line."),
    "unreadable": _l("The file cannot be read as CSV here: %(detail)s."),
    "too_many_rows": _l("The file has more than %(limit)s contracts: split it into smaller files."),
    "repeated_columns": _l("Column(s) appear more than once: %(columns)s."),
    "missing_columns": _l("Missing required column(s): %(columns)s."),
    "too_long": _l("%(column)s is longer than %(limit)s characters."),
    "empty": _l("%(column)s is empty."),
    "client_not_allowed": _l("You may not import contracts for client code ‘%(code)s’."),
    "unknown_client": _l("Unknown client code ‘%(code)s’."),
    "bad_email": _l("Not an e-mail address: ‘%(value)s’."),
    "bad_country": _l("plate_country must be a two-letter country code, not ‘%(value)s’."),
    "bad_plate": _l("Not a valid licence plate: ‘%(value)s’."),
    "bad_plate_of_country": _l("Not a valid licence plate of %(country)s: ‘%(value)s’."),
    "bad_start_date": _l("Not a date: ‘%(value)s’ (write YYYY-MM-DD or DD/MM/YYYY)."),
    "bad_end_date": _l("Not a date: ‘%(value)s’ (write YYYY-MM-DD or DD/MM/YYYY, or leave it empty)."),
    "end_before_start": _l("end_date %(end)s is before start_date %(start)s."),
    "instruction_empty": _l("instruction is empty (redirect or recharge)."),
    "bad_instruction": _l("Unknown instruction ‘%(value)s’: write redirect (verleggen, désigner) or recharge"
                          " (doorbelasten, refacturer)."),
    "repeated_number": _l("Contract number %(number)s appears again (first on line %(first_line)s)."),
    "overlap": _l("Plate %(plate)s has overlapping contracts: %(number)s (%(period)s) and %(other)s on line"
                  " %(other_line)s (%(other_period)s)."),
    "overlap_stored": _l("Contracts %(other)s and %(number)s of plate %(plate)s overlap."),
    "redirect_needs_driver": _l("A redirect needs the driver's name and postal address: without %(columns)s, the"
                                " fines of contract %(number)s wait for them."),
}

#: What each column of the contract CSV is for (``app.fleet.contracts_csv.COLUMNS`` and ``EXTRA_COLUMNS``).
COLUMN_NOTES: dict[str, LazyString] = {
    "client_code": _l("Required: the client's code (not needed when you pick the client above)."),
    "contract_number": _l("Required: the lease contract's number, once per client."),
    "plate": _l("Required: the licence plate, in any notation (1-ABC-123)."),
    "driver": _l("Needed for a redirect: the driver's or lessee's name."),
    "start_date": _l("Required: the contract's first day (YYYY-MM-DD or DD/MM/YYYY)."),
    "end_date": _l("Optional: its last day; empty while it runs."),
    "instruction": _l("Required: redirect (verleggen, désigner) or recharge (doorbelasten, refacturer)."),
    "plate_country": _l("Optional: the country of registration (BE when empty)."),
    "driver_email": _l("Optional: the driver's e-mail address."),
    "driver_address": _l("Needed for a redirect: the driver's postal address, for the designation."),
    "vehicle": _l("Optional: the vehicle."),
}
#: What each instruction needs of the contract (columns) and what the fine itself must supply.
INSTRUCTION_NEEDS: dict[str, tuple[tuple[str, ...], LazyString]] = {
    "redirect": (("driver", "driver_address"),
                 _l("Without the driver's name and postal address, its fines wait: the authority needs them to"
                    " fine the driver.")),
    "recharge": ((), _l("Nothing about the driver: the fine is paid and invoiced on; its amount and due date come"
                        " from the letter.")),
}


def _day(value: object) -> str:
    return formatting.day(date.fromisoformat(str(value)))


def _period(start: object, end: object) -> str:
    if not end:
        return _("from %(start)s, open-ended", start=_day(start))
    return _("%(start)s to %(end)s", start=_day(start), end=_day(end))


def import_error(error: RowError) -> str:
    """Say one import problem in the user's language (numbers and dates as the language writes them)."""
    params: dict[str, object] = dict(error.params)
    if error.code == "too_many_rows":
        params["limit"] = formatting.number(int(str(params["limit"])))
    if error.code == "end_before_start":
        params["start"], params["end"] = _day(params["start"]), _day(params["end"])
    if error.code == "redirect_needs_driver":  # the columns as the reader's template names them
        names = HEADERS.get(str(get_locale() or "en")[:2], {})
        params["columns"] = ", ".join(names.get(c, c) for c in str(params["columns"]).split(", "))
    if error.code == "overlap":
        params["period"] = _period(params["start"], params["end"])
        params["other_period"] = _period(params["other_start"], params["other_end"])
    return str(IMPORT_ERRORS[error.code]) % params

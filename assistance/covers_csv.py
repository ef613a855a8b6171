"""Read the assistance-cover CSV a client imports: all or nothing, every problem with its line.

Pure: standard library and the project's pure modules only (like ``app.fleet.contracts_csv``). The
importer (``assistance.services.import_covers``) refuses the whole file when ``errors`` is not empty.

The file
--------
One line per covered vehicle; the lines of one policy (same ``policy_number``) make one cover and
must agree on its terms. Columns (header names are case-insensitive; spaces and hyphens count as
underscores; Dutch and French names are accepted, see ``HEADER_ALIASES``):
``policy_number, product, start_date`` and ``plate`` or ``contract_number``; optionally ``formula``,
``upgrade``, ``premium_paid_on``, ``signed_on``, ``end_date``. Other columns are ignored.

``product`` is ``optimco`` or ``ag-top-mobility``; ``formula`` ``one-vehicle``, ``two-vehicles`` or
``all-vehicles``; ``upgrade`` yes/no (ja/nee, oui/non, true/false, 1/0); dates ``YYYY-MM-DD`` or
``DD/MM/YYYY``. A UTF-8 byte-order mark, ``;`` or tab as separator and blank lines are accepted.

A problem is a ``RowError`` (line, column, a code of ``ERROR_CODES``, parameters); the screens word it
in the reader's language (``assistance.screen_labels.import_error``), ``message`` in English (CLI).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.csvin import fold, parse_day, sniff_delimiter
from app.csvout import unneutralise
from app.fleet.plates import normalise_plate
from assistance.terms import Formula, Product

__all__ = ["COLUMNS", "ERROR_CODES", "HEADER_ALIASES", "MAX_ROWS", "CoverRow", "ParsedCovers", "RowError",
           "VehicleRow", "parse_covers_csv"]

#: Every column the importer reads.
COLUMNS = ("policy_number", "product", "formula", "upgrade", "start_date", "premium_paid_on", "signed_on",
           "end_date", "plate", "contract_number")
REQUIRED = ("policy_number", "product", "start_date")
MAX_ROWS = 50_000

#: Other names a header may carry (Dutch, French, short forms), after folding accents and case.
HEADER_ALIASES: Mapping[str, str] = {
    "policy": "policy_number", "policy_no": "policy_number", "polisnummer": "policy_number", "polis": "policy_number",
    "numero_de_police": "policy_number", "police": "policy_number", "n_de_police": "policy_number",
    "produit": "product", "formule": "formula", "option_upgrade": "upgrade", "upgrade_option": "upgrade",
    "start": "start_date", "begindatum": "start_date", "startdatum": "start_date", "date_de_debut": "start_date",
    "premium_paid": "premium_paid_on", "premie_betaald": "premium_paid_on", "premie_betaald_op": "premium_paid_on",
    "prime_payee": "premium_paid_on", "prime_payee_le": "premium_paid_on",
    "signed": "signed_on", "ondertekend": "signed_on", "ondertekend_op": "signed_on", "signe_le": "signed_on",
    "date_de_signature": "signed_on", "end": "end_date", "einddatum": "end_date", "date_de_fin": "end_date",
    "nummerplaat": "plate", "kenteken": "plate", "plaque": "plate", "plaque_d_immatriculation": "plate",
    "contract": "contract_number", "contractnummer": "contract_number", "leasingcontract": "contract_number",
    "numero_de_contrat": "contract_number", "contrat": "contract_number",
}

ERROR_CODES: dict[str, str] = {
    "empty_file": "The file is empty: it needs a header line.",
    "unreadable": "The file cannot be read as CSV here: {detail}.",
    "too_many_rows": "The file has more than {limit} lines.",
    "repeated_columns": "Column(s) appear more than once: {columns}.",
    "missing_columns": "Missing required column(s): {columns}.",
    "no_vehicle_column": "The file needs a plate or a contract_number column.",
    "empty": "{column} is empty.",
    "too_long": "{column} is longer than {limit} characters.",
    "bad_product": "Unknown product '{value}' (optimco or ag-top-mobility).",
    "bad_formula": "Unknown formula '{value}' (one-vehicle, two-vehicles or all-vehicles).",
    "bad_upgrade": "upgrade must be yes or no, not '{value}'.",
    "bad_date": "{column}: not a date: '{value}' (write YYYY-MM-DD or DD/MM/YYYY).",
    "end_before_start": "end_date {end} is before start_date {start}.",
    "bad_plate": "Not a valid licence plate: '{value}'.",
    "no_vehicle": "Give a plate or a contract number.",
    "unknown_contract": "There is no lease contract {value}.",
    "differs": "Policy {policy} has another {column} on line {first_line}.",
    "repeated_vehicle": "Policy {policy} names this vehicle again (first on line {first_line}).",
    "too_many_vehicles": "Policy {policy} with formula {formula} covers at most {limit} vehicle(s).",
}

#: Reports a problem with the row: ``fail(column, code, **params)``.
_Fail = Callable[..., None]
_LENGTHS = {"policy_number": 64, "contract_number": 64}
_YES = frozenset({"yes", "y", "ja", "j", "oui", "o", "true", "1", "x"})
_NO = frozenset({"no", "n", "nee", "non", "false", "0", ""})
_FORMULA_LIMIT = {Formula.ONE_VEHICLE: 1, Formula.TWO_VEHICLES: 2}
#: Cover terms every line of one policy must repeat identically.
_TERMS = ("product", "formula", "upgrade", "start_date", "premium_paid_on", "signed_on", "end_date")


@dataclass(frozen=True)
class RowError:
    """A problem at ``line`` (header = 1), in ``column`` when one is to blame; ``code`` of ``ERROR_CODES``."""

    line: int | None
    column: str | None
    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The problem in English (the CLI's words)."""
        return ERROR_CODES[self.code].format(**self.params)


@dataclass(frozen=True)
class VehicleRow:
    """A covered vehicle: its compact plate, or the number of a lease contract (its plate over time)."""

    plate: str | None
    contract_number: str | None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class CoverRow:
    """One policy from the file with its vehicles."""

    policy_number: str
    product: Product
    formula: Formula | None
    upgrade: bool
    start_date: date
    premium_paid_on: date | None
    signed_on: date | None
    end_date: date | None
    vehicles: tuple[VehicleRow, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ParsedCovers:
    """The valid covers, and every problem found, ordered by line."""

    covers: list[CoverRow]
    errors: list[RowError]


def _header_name(raw: str) -> str:
    name = re.sub(r"[\s\-'’°.]+", "_", fold(raw)).strip("_")
    return HEADER_ALIASES.get(name, name)


def _records(text: str) -> tuple[list[tuple[int, list[str]]], RowError | None]:
    header_line = next((line for line in io.StringIO(text) if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header_line))
    found: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                if len(found) > MAX_ROWS:
                    return found, RowError(start, None, "too_many_rows", {"limit": MAX_ROWS})
                found.append((start, cells))
    except csv.Error as exc:
        return found, RowError(previous_end + 1, None, "unreadable", {"detail": str(exc)})
    return found, None


def parse_covers_csv(text: str, *, contract_numbers: frozenset[str] | None = None) -> ParsedCovers:
    """Read a cover CSV into covers (one per policy) and the errors a user can act on.

    ``contract_numbers``: the client's lease contract numbers (None: not checked).
    """
    records, problem = _records(text.lstrip("\ufeff"))
    if problem is not None and problem.code == "too_many_rows":
        return ParsedCovers([], [problem])
    if not records:
        return ParsedCovers([], [problem or RowError(1, None, "empty_file")])
    (header_at, header_cells), rows = records[0], records[1:]
    header = [_header_name(cell) for cell in header_cells]
    errors = _header_errors(header_at, header)
    if errors:
        return ParsedCovers([], errors)
    if problem is not None:
        errors.append(problem)
    position = {name: index for index, name in enumerate(header) if name in COLUMNS}
    parsed: list[tuple[int, dict[str, object]]] = []
    for line, cells in rows:
        values = {name: unneutralise(cells[index].strip()) if index < len(cells) else ""
                  for name, index in position.items()}
        row, row_errors = _parse_row(line, values, contract_numbers)
        errors.extend(row_errors)
        if row is not None:
            parsed.append((line, row))
    covers = _group(parsed, errors)
    errors.sort(key=lambda e: (e.line or 0, COLUMNS.index(e.column) if e.column in COLUMNS else len(COLUMNS)))
    return ParsedCovers(covers if not errors else [], errors)


def _header_errors(line: int, header: list[str]) -> list[RowError]:
    errors: list[RowError] = []
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        errors.append(RowError(line, None, "repeated_columns", {"columns": ", ".join(repeated)}))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        errors.append(RowError(line, None, "missing_columns", {"columns": ", ".join(missing)}))
    if "plate" not in header and "contract_number" not in header:
        errors.append(RowError(line, None, "no_vehicle_column"))
    return errors


def _parse_row(line: int, values: dict[str, str],
               contract_numbers: frozenset[str] | None) -> tuple[dict[str, object] | None, list[RowError]]:
    errors: list[RowError] = []

    def fail(where: str | None, code: str, /, **params: str | int) -> None:
        errors.append(RowError(line, where, code, params))

    row: dict[str, object] = {}
    for name, limit in _LENGTHS.items():
        if len(values.get(name, "")) > limit:
            fail(name, "too_long", column=name, limit=limit)
    row["policy_number"] = values.get("policy_number", "")
    if not row["policy_number"]:
        fail("policy_number", "empty", column="policy_number")
    row["product"] = _choice(values.get("product", ""), Product, "product", "bad_product", fail, required=True)
    row["formula"] = _choice(values.get("formula", ""), Formula, "formula", "bad_formula", fail, required=False)
    upgrade = fold(values.get("upgrade", ""))
    row["upgrade"] = upgrade in _YES
    if upgrade not in _YES | _NO:
        fail("upgrade", "bad_upgrade", value=values.get("upgrade", ""))
    for name in ("start_date", "premium_paid_on", "signed_on", "end_date"):
        raw = values.get(name, "")
        row[name] = parse_day(raw) if raw else None
        if raw and row[name] is None:
            fail(name, "bad_date", column=name, value=raw)
    if not values.get("start_date"):
        fail("start_date", "empty", column="start_date")
    start, end = row["start_date"], row["end_date"]
    if isinstance(start, date) and isinstance(end, date) and end < start:
        fail("end_date", "end_before_start", end=end.isoformat(), start=start.isoformat())
    row["vehicle"] = _vehicle(line, values, contract_numbers, fail)
    return (None if errors else row), errors


def _choice(raw: str, kind: type[Product] | type[Formula], column: str, code: str, fail: _Fail,
            *, required: bool) -> Product | Formula | None:
    value = fold(raw).replace(" ", "-").replace("_", "-")
    if not value:
        if required:
            fail(column, "empty", column=column)
        return None
    try:
        return kind(value)
    except ValueError:
        fail(column, code, value=raw)
        return None


def _vehicle(line: int, values: dict[str, str], contract_numbers: frozenset[str] | None,
             fail: _Fail) -> VehicleRow | None:
    plate_raw, number = values.get("plate", ""), values.get("contract_number", "")
    if not plate_raw and not number:
        fail("plate", "no_vehicle")
        return None
    plate = None
    if plate_raw:
        found = normalise_plate(plate_raw, None)
        if found is None:
            fail("plate", "bad_plate", value=plate_raw)
            return None
        plate = found.text
    if number and contract_numbers is not None and number not in contract_numbers:
        fail("contract_number", "unknown_contract", value=number)
        return None
    return VehicleRow(plate, number or None, line)


def _group(parsed: list[tuple[int, dict[str, object]]], errors: list[RowError]) -> list[CoverRow]:
    """One cover per policy; its lines must agree on the terms and name each vehicle once."""
    first: dict[str, tuple[int, dict[str, object]]] = {}
    vehicles: dict[str, list[VehicleRow]] = {}
    seen: dict[tuple[str, str | None, str | None], int] = {}
    for line, row in parsed:
        policy = str(row["policy_number"])
        if policy not in first:
            first[policy], vehicles[policy] = (line, row), []
        else:
            first_line, terms = first[policy]
            differing = next((name for name in _TERMS if terms[name] != row[name]), None)
            if differing is not None:
                errors.append(RowError(line, differing, "differs",
                                       {"policy": policy, "column": differing, "first_line": first_line}))
                continue
        vehicle = row["vehicle"]
        assert isinstance(vehicle, VehicleRow)
        key = (policy, vehicle.plate, vehicle.contract_number)
        if key in seen:
            errors.append(RowError(line, "plate", "repeated_vehicle", {"policy": policy, "first_line": seen[key]}))
            continue
        seen[key] = line
        vehicles[policy].append(vehicle)
    covers = []
    for policy, (line, row) in first.items():
        formula = row["formula"]
        limit = _FORMULA_LIMIT.get(formula) if isinstance(formula, Formula) else None
        if limit is not None and len(vehicles[policy]) > limit:
            errors.append(RowError(vehicles[policy][limit].line, "plate", "too_many_vehicles",
                                   {"policy": policy, "formula": str(formula), "limit": limit}))
        covers.append(_cover(policy, line, row, tuple(vehicles[policy])))
    return covers


def _cover(policy: str, line: int, row: dict[str, object], vehicles: tuple[VehicleRow, ...]) -> CoverRow:
    product, formula = row["product"], row["formula"]
    start, paid, signed, end = row["start_date"], row["premium_paid_on"], row["signed_on"], row["end_date"]
    assert isinstance(product, Product) and isinstance(start, date)
    assert formula is None or isinstance(formula, Formula)
    assert all(d is None or isinstance(d, date) for d in (paid, signed, end))
    return CoverRow(policy_number=policy, product=product, formula=formula, upgrade=bool(row["upgrade"]),
                    start_date=start, premium_paid_on=paid if isinstance(paid, date) else None,
                    signed_on=signed if isinstance(signed, date) else None,
                    end_date=end if isinstance(end, date) else None, vehicles=vehicles, line=line)

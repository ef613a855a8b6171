"""Read and write the lease-contract CSV that clients import and export.

Pure: standard library and the project's pure modules only. The importer (a service) decides what
to do with the result; an all-or-nothing import refuses the file when ``errors`` is not empty.

The file
--------
Columns (header names are case-insensitive; spaces and hyphens count as underscores):
``client_code, contract_number, plate, driver, start_date, end_date, instruction``, and optionally
``plate_country, driver_email, driver_address, vehicle``; other columns are ignored.
``client_code`` may be left out when the importer passes ``default_client_code`` (a client user
importing their own contracts); an empty cell then takes the default too. The headers may also be
written in Dutch or French (``HEADERS``: ``nummerplaat``, ``plaque``...), as the downloadable template
(``template_csv``) writes them.

A redirect row without the driver's name or postal address is imported, with a warning: the fines
of that contract will wait for them (``warnings``, codes of ``ERROR_CODES`` too).

What Belgian spreadsheets do is accepted: a UTF-8 byte-order mark, ``;`` (or tab) as separator
(sniffed from the header), dates as ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (also ``DD-MM-YYYY`` and
``DD.MM.YYYY``), instructions in English, Dutch or French (``redirect``/``verleggen``/``désigner``,
``recharge``/``doorbelasten``/``refacturer``), blank lines anywhere.

A problem is a ``RowError``: a line, a column, a code of ``ERROR_CODES`` and its parameters; the
screens word it in the reader's language (``app.fleet.labels``), ``message`` says it in English (CLI).

Line numbers are the ones the user sees in an editor: the header is line 1, and a quoted value
spanning lines moves the following rows down. A row with an error is left out of ``rows``.

Export writes every column, extras included, so an export imports again unchanged. A text value
starting with ``= + - @`` (or a tab or carriage return) is written behind an apostrophe so that a
spreadsheet opening the export does not run it as a formula (``app.csvout``, the writer of every
export); import removes that apostrophe again.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from app.csvin import fold, parse_day, sniff_delimiter
from app.csvout import unneutralise, write_csv
from app.fleet.instructions import Instruction
from app.fleet.plates import FORMATS, Plate, format_plate, normalise_plate, plate_is_valid

__all__ = [
    "COLUMNS",
    "ERROR_CODES",
    "EXTRA_COLUMNS",
    "HEADERS",
    "MAX_ROWS",
    "TEMPLATE_LANGUAGES",
    "ContractRow",
    "ParsedCsv",
    "RowError",
    "parse_contracts_csv",
    "template_csv",
    "write_contracts_csv",
]

#: The columns every file has (``client_code`` may be supplied by the importer instead).
COLUMNS = ("client_code", "contract_number", "plate", "driver", "start_date", "end_date", "instruction")
#: Optional columns.
EXTRA_COLUMNS = ("plate_country", "driver_email", "driver_address", "vehicle")
#: The most data rows one file may hold.
MAX_ROWS = 200_000
#: Every column's header in Dutch and French (the English is the column's own name); the importer
#: accepts these too, case and accents aside.
HEADERS: dict[str, dict[str, str]] = {
    "nl": {"client_code": "klantcode", "contract_number": "contractnummer", "plate": "nummerplaat",
           "driver": "bestuurder", "start_date": "startdatum", "end_date": "einddatum", "instruction": "instructie",
           "plate_country": "land_nummerplaat", "driver_email": "email_bestuurder",
           "driver_address": "adres_bestuurder", "vehicle": "voertuig"},
    "fr": {"client_code": "code_client", "contract_number": "numéro_contrat", "plate": "plaque",
           "driver": "conducteur", "start_date": "date_début", "end_date": "date_fin", "instruction": "instruction",
           "plate_country": "pays_plaque", "driver_email": "email_conducteur",
           "driver_address": "adresse_conducteur", "vehicle": "véhicule"},
}
#: The languages of the downloadable template.
TEMPLATE_LANGUAGES = ("nl", "fr", "en")
#: The template's example row per language (the client code is the importer's), and its separator:
#: a Belgian spreadsheet in Dutch or French expects ``;``.
_EXAMPLES: dict[str, dict[str, str]] = {
    "nl": {"contract_number": "LC-2026-0001", "plate": "1-ABC-123", "driver": "Jan Peeters",
           "start_date": "01/01/2026", "end_date": "31/12/2029", "instruction": "verleggen", "plate_country": "BE",
           "driver_email": "jan.peeters@example.be", "driver_address": "Kerkstraat 1, 2000 Antwerpen",
           "vehicle": "Škoda Octavia"},
    "fr": {"contract_number": "LC-2026-0001", "plate": "1-ABC-123", "driver": "Marie Dubois",
           "start_date": "01/01/2026", "end_date": "31/12/2029", "instruction": "désigner", "plate_country": "BE",
           "driver_email": "marie.dubois@example.be", "driver_address": "Rue de l’Église 1, 5000 Namur",
           "vehicle": "Peugeot 308"},
    "en": {"contract_number": "LC-2026-0001", "plate": "1-ABC-123", "driver": "Alex Janssens",
           "start_date": "2026-01-01", "end_date": "2029-12-31", "instruction": "redirect", "plate_country": "BE",
           "driver_email": "alex.janssens@example.be", "driver_address": "Wetstraat 16, 1000 Brussel",
           "vehicle": "Volkswagen ID.4"},
}
_SEPARATORS = {"nl": ";", "fr": ";", "en": ","}

#: Longest accepted values (the database column sizes).
_MAX_LENGTH = {
    "client_code": 32,
    "contract_number": 64,
    "driver": 200,
    "driver_email": 254,
    "driver_address": 500,
    "vehicle": 200,
}

_INSTRUCTIONS = {
    "redirect": Instruction.REDIRECT,
    "verleggen": Instruction.REDIRECT,
    "verlegd": Instruction.REDIRECT,
    "designer": Instruction.REDIRECT,  # désigner, accents folded
    "designation": Instruction.REDIRECT,
    "recharge": Instruction.RECHARGE,
    "doorbelasten": Instruction.RECHARGE,
    "doorbelast": Instruction.RECHARGE,
    "refacturer": Instruction.RECHARGE,
    "refacturation": Instruction.RECHARGE,
}

#: Countries whose plate formats ``app.fleet.plates`` knows, so a plate of theirs can be checked.
_CHECKED_COUNTRIES = frozenset({country for country, _ in FORMATS} | {"DE", "FR"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class ContractRow:
    """One valid contract from the file, normalised. ``line`` is where it stood (not compared)."""

    client_code: str
    contract_number: str
    plate: str  # letters and digits, upper case
    plate_country: str
    driver: str | None
    start_date: date
    end_date: date | None
    instruction: Instruction
    driver_email: str | None = None
    driver_address: str | None = None
    vehicle: str | None = None
    line: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        # Rows built from the database carry the instruction as its plain string value.
        if not isinstance(self.instruction, Instruction):
            object.__setattr__(self, "instruction", Instruction(self.instruction))


#: Every problem an import reports: its code and its English words (parameters in braces; the dates
#: ``start``, ``end``, ``other_start`` and ``other_end`` are ISO, an empty end is an open-ended contract).
ERROR_CODES: dict[str, str] = {
    "empty_file": "The file is empty: it needs a header line.",
    "unreadable": "The file cannot be read as CSV here: {detail}.",
    "too_many_rows": "The file has more than {limit:,} contracts: split it into smaller files.",
    "repeated_columns": "Column(s) appear more than once: {columns}.",
    "missing_columns": "Missing required column(s): {columns}.",
    "too_long": "{column} is longer than {limit} characters.",
    "empty": "{column} is empty.",
    "client_not_allowed": "You may not import contracts for client code '{code}'.",
    "unknown_client": "Unknown client code '{code}'.",
    "bad_email": "Not an e-mail address: '{value}'.",
    "bad_country": "plate_country must be a two-letter country code, not '{value}'.",
    "bad_plate": "Not a valid licence plate: '{value}'.",
    "bad_plate_of_country": "Not a valid {country} licence plate: '{value}'.",
    "bad_start_date": "Not a date: '{value}' (write YYYY-MM-DD or DD/MM/YYYY).",
    "bad_end_date": "Not a date: '{value}' (write YYYY-MM-DD or DD/MM/YYYY, or leave it empty).",
    "end_before_start": "end_date {end} is before start_date {start}.",
    "instruction_empty": "instruction is empty (redirect or recharge).",
    "bad_instruction": "Unknown instruction '{value}': write redirect (verleggen, désigner) or recharge"
                       " (doorbelasten, refacturer).",
    "repeated_number": "Contract number {number} appears again (first on line {first_line}).",
    "overlap": "Plate {plate} has overlapping contracts: {number} ({start} to {end}) and {other} on line"
               " {other_line} ({other_start} to {other_end}).",
    "overlap_stored": "Contracts {other} and {number} of plate {plate} overlap.",
    # Warnings: the row is imported.
    "redirect_needs_driver": "A redirect needs the driver's name and postal address: without {columns}, the fines"
                             " of contract {number} wait for them.",
}


@dataclass(frozen=True)
class RowError:
    """A problem at ``line`` (header = 1; None: the file as a whole), in ``column`` when one is to blame.

    ``code`` is one of ``ERROR_CODES``, ``params`` its parameters: the screens say it in the reader's
    language, ``message`` in English.
    """

    line: int | None
    column: str | None
    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The problem in English (the CLI's words)."""
        params = dict(self.params)
        for name in ("end", "other_end"):
            if name in params and not params[name]:
                params[name] = "open-ended"
        return ERROR_CODES[self.code].format(**params)


@dataclass(frozen=True)
class ParsedCsv:
    """The valid rows, and every problem found, ordered by line; ``warnings`` do not stop the import."""

    rows: list[ContractRow]
    errors: list[RowError]
    warnings: list[RowError] = field(default_factory=list)


def _header_name(raw: str) -> str:
    name = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    return _aliases().get(fold(name), name)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """The Dutch and French headers (accents folded) and the column each names."""
    return {fold(name): column for language in HEADERS.values() for column, name in language.items()}


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line, cells)`` per record, skipping blank lines and rows of empty cells."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(previous_end + 1, str(exc)) from exc
        start = previous_end + 1
        previous_end = reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


class _Unreadable(Exception):
    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


@lru_cache(maxsize=4096)
def _normalise_plate(raw: str, country: str | None) -> Plate | None:
    return normalise_plate(raw, country)


def parse_contracts_csv(
    text: str,
    *,
    default_client_code: str | None,
    known_client_codes: set[str] | None,
    allowed_client_codes: set[str] | None,
) -> ParsedCsv:
    """Read a contract CSV into normalised rows and the errors a user can act on.

    ``known_client_codes``: the client codes that exist (None: not checked). ``allowed_client_codes``:
    those this user may import for (None: any, e.g. an operator admin). A code the user may not
    import for is reported as such even when it does not exist, so a client user cannot probe which
    other clients exist.
    """
    text = text.lstrip("\ufeff")
    header_line = next((line for line in io.StringIO(text) if line.strip()), None)
    if header_line is None:
        return ParsedCsv([], [RowError(1, None, "empty_file")])
    records = _records(text, sniff_delimiter(header_line))
    try:
        first = next(records, None)
    except _Unreadable as exc:
        return ParsedCsv([], [RowError(exc.line, None, "unreadable", {"detail": exc.detail})])
    if first is None:
        return ParsedCsv([], [RowError(1, None, "empty_file")])
    header_at, header_cells = first
    header = [_header_name(cell) for cell in header_cells]
    errors = _header_errors(header_at, header, default_client_code)
    if errors:
        return ParsedCsv([], errors)
    position = {name: index for index, name in enumerate(header) if name in COLUMNS + EXTRA_COLUMNS}

    known = {code.upper(): code for code in known_client_codes} if known_client_codes is not None else None
    allowed = {code.upper() for code in allowed_client_codes} if allowed_client_codes is not None else None

    # Split the whole file first (fast, in C), so an oversized file is refused before any checking.
    split: list[tuple[int, list[str]]] = []
    try:
        for line, cells in records:
            if len(split) == MAX_ROWS:
                return ParsedCsv([], [RowError(line, None, "too_many_rows", {"limit": MAX_ROWS})])
            split.append((line, cells))
    except _Unreadable as exc:
        errors.append(RowError(exc.line, None, "unreadable", {"detail": exc.detail}))

    candidates: list[ContractRow] = []
    for line, cells in split:
        row, row_errors = _parse_row(line, cells, position, default_client_code, known, allowed)
        errors.extend(row_errors)
        if row is not None:
            candidates.append(row)

    rejected: set[int] = set()
    errors.extend(_cross_row_errors(candidates, rejected))
    rows = [row for row in candidates if row.line not in rejected]
    errors.sort(key=lambda e: (e.line or 0, _column_order(e.column)))
    return ParsedCsv(rows, errors, [warning for row in rows if (warning := _driver_warning(row)) is not None])


def _driver_warning(row: ContractRow) -> RowError | None:
    """Warn of a redirect row without what a designation needs: the driver's name and postal address."""
    if row.instruction is not Instruction.REDIRECT:
        return None
    missing = [name for name, value in (("driver", row.driver), ("driver_address", row.driver_address)) if not value]
    if not missing:
        return None
    return RowError(row.line, missing[-1], "redirect_needs_driver",
                    {"columns": ", ".join(missing), "number": row.contract_number})


def _header_errors(line: int, header: list[str], default_client_code: str | None) -> list[RowError]:
    """Report columns named twice and required columns missing from the header."""
    errors: list[RowError] = []
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        errors.append(RowError(line, None, "repeated_columns", {"columns": ", ".join(repeated)}))
    required = [c for c in COLUMNS if not (c == "client_code" and default_client_code is not None)]
    missing = [c for c in required if c not in header]
    if missing:
        errors.append(RowError(line, None, "missing_columns", {"columns": ", ".join(missing)}))
    return errors


def _column_order(column: str | None) -> int:
    order = COLUMNS + EXTRA_COLUMNS
    return order.index(column) if column in order else len(order)


#: Reports a problem with the row: ``fail(column, code, **params)``.
_Fail = Callable[..., None]


def _parse_row(
    line: int,
    cells: list[str],
    position: dict[str, int],
    default_client_code: str | None,
    known: dict[str, str] | None,
    allowed: set[str] | None,
) -> tuple[ContractRow | None, list[RowError]]:
    errors: list[RowError] = []
    width = len(cells)
    values = {name: unneutralise(cells[index].strip()) if index < width else ""
              for name, index in position.items()}

    def cell(name: str) -> str:
        return values.get(name, "")

    def fail(where: str | None, code: str, /, **params: str | int) -> None:
        errors.append(RowError(line, where, code, params))

    for name, limit in _MAX_LENGTH.items():
        if len(cell(name)) > limit:
            fail(name, "too_long", column=name, limit=limit)
    client_code = _check_client_code(cell("client_code") or (default_client_code or ""), known, allowed, fail)
    contract_number = cell("contract_number")
    if not contract_number:
        fail("contract_number", "empty", column="contract_number")
    plate = _check_plate(cell("plate"), cell("plate_country"), fail)
    start, end = _check_period(cell("start_date"), cell("end_date"), fail)
    instruction = _check_instruction(cell("instruction"), fail)
    email = cell("driver_email") or None
    if email is not None and not _EMAIL.fullmatch(email):
        fail("driver_email", "bad_email", value=email)

    if errors:
        return None, errors
    assert plate is not None and start is not None and instruction is not None
    return ContractRow(
        client_code=client_code,
        contract_number=contract_number,
        plate=plate.text,
        plate_country=plate.country,
        driver=cell("driver") or None,
        start_date=start,
        end_date=end,
        instruction=instruction,
        driver_email=email,
        driver_address=cell("driver_address") or None,
        vehicle=cell("vehicle") or None,
        line=line,
    ), []


def _check_client_code(client_code: str, known: dict[str, str] | None, allowed: set[str] | None,
                       fail: _Fail) -> str:
    """Return the client code as the database spells it (reported through ``fail`` when unusable)."""
    key = client_code.upper()
    if not client_code:
        fail("client_code", "empty", column="client_code")
    elif allowed is not None and key not in allowed:
        fail("client_code", "client_not_allowed", code=client_code)
    elif known is not None and key not in known:
        fail("client_code", "unknown_client", code=client_code)
    else:
        return known[key] if known is not None else key
    return client_code


def _check_plate(plate_raw: str, country_cell: str, fail: _Fail) -> Plate | None:
    """Return the row's plate, or ``None`` after reporting why it is not one."""
    country: str | None = country_cell.upper() or None
    if country is not None and not _COUNTRY.fullmatch(country):
        fail("plate_country", "bad_country", value=country_cell)
        country = None
    if not plate_raw:
        fail("plate", "empty", column="plate")
        return None
    plate = _normalise_plate(plate_raw, country)
    if plate is None or (plate.country in _CHECKED_COUNTRIES and not plate_is_valid(plate)):
        if country:
            fail("plate", "bad_plate_of_country", country=country, value=plate_raw)
        else:
            fail("plate", "bad_plate", value=plate_raw)
        return None
    return plate


def _check_period(start_raw: str, end_raw: str, fail: _Fail) -> tuple[date | None, date | None]:
    """Return the contract's start and end dates (``None`` where missing or unreadable)."""
    start = parse_day(start_raw) if start_raw else None
    if not start_raw:
        fail("start_date", "empty", column="start_date")
    elif start is None:
        fail("start_date", "bad_start_date", value=start_raw)
    end = parse_day(end_raw) if end_raw else None
    if end_raw and end is None:
        fail("end_date", "bad_end_date", value=end_raw)
    if start is not None and end is not None and end < start:
        fail("end_date", "end_before_start", end=end.isoformat(), start=start.isoformat())
    return start, end


def _check_instruction(instruction_raw: str, fail: _Fail) -> Instruction | None:
    """Return the standing instruction the cell names, in any of the accepted languages."""
    instruction = _INSTRUCTIONS.get(fold(instruction_raw))
    if not instruction_raw:
        fail("instruction", "instruction_empty")
    elif instruction is None:
        fail("instruction", "bad_instruction", value=instruction_raw)
    return instruction


def _cross_row_errors(rows: list[ContractRow], rejected: set[int]) -> list[RowError]:
    """Find repeated contract numbers and overlapping periods of one plate, per client."""
    errors: list[RowError] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.client_code, row.contract_number)
        if key in first_line:
            errors.append(RowError(row.line, "contract_number", "repeated_number",
                                   {"number": row.contract_number, "first_line": first_line[key]}))
            rejected.add(row.line)
        else:
            first_line[key] = row.line

    by_plate: dict[tuple[str, str, str], list[ContractRow]] = defaultdict(list)
    for row in rows:
        if row.line not in rejected:
            by_plate[(row.client_code, row.plate_country, row.plate)].append(row)
    for group in by_plate.values():
        reach: ContractRow | None = None  # of the rows so far, the one running furthest
        for row in sorted(group, key=lambda r: (r.start_date, r.line)):
            if reach is not None and (reach.end_date is None or reach.end_date >= row.start_date):
                # Report on whichever of the two comes later in the file.
                first, second = sorted((reach, row), key=lambda r: r.line)
                plate = format_plate(Plate(row.plate_country, row.plate))
                errors.append(RowError(second.line, "plate", "overlap", {
                    "plate": plate, "number": second.contract_number, "start": second.start_date.isoformat(),
                    "end": _iso(second.end_date), "other": first.contract_number, "other_line": first.line,
                    "other_start": first.start_date.isoformat(), "other_end": _iso(first.end_date)}))
                rejected.add(second.line)
            if reach is None or (reach.end_date is not None
                                 and (row.end_date is None or row.end_date > reach.end_date)):
                reach = row
    return errors


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def write_contracts_csv(rows: Iterable[ContractRow]) -> str:
    """Write contracts in the import format, every column included; lines end in ``\\n``."""
    return write_csv(COLUMNS + EXTRA_COLUMNS, (
        [row.client_code, row.contract_number, row.plate, row.driver, row.start_date.isoformat(),
         row.end_date.isoformat() if row.end_date else None, row.instruction.value, row.plate_country,
         row.driver_email, row.driver_address, row.vehicle]
        for row in rows))


def template_csv(language: str, client_code: str | None) -> str:
    """A file to fill in: the headers in ``language`` (nl, fr, en) and one example row.

    With ``client_code`` (staff import for a client they name) the file has the ``client_code`` column;
    without (a client user, whose own client is taken) it has not.
    """
    names = HEADERS.get(language, {})
    example = dict(_EXAMPLES[language], client_code=client_code or "")
    columns = [c for c in COLUMNS + EXTRA_COLUMNS if client_code is not None or c != "client_code"]
    return write_csv([names.get(c, c) for c in columns], [[example[c] for c in columns]],
                     delimiter=_SEPARATORS[language])

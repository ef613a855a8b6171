"""``fleetdesk assistance ...``: check a case against its cover from a JSON file (no database involved)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask.cli import with_appcontext

from app.workcalendar import WorkCalendar
from assistance.check_input import CheckInputError, parse_check_input
from assistance.labels import error_text, finding_text
from assistance.verdict import check as check_case

#: Exit status of a refused input (as click's usage errors).
BAD_INPUT = 2


@click.group("assistance")
def assistance_cli() -> None:
    """Breakdown and travel assistance: covers, cases, entitlements and deadlines."""


def _refuse(code: str, field: str, params: dict[str, str]) -> NoReturn:
    error = {"error": {"code": code, "field": field, "message": error_text(code, params), "params": params}}
    click.echo(json.dumps(error, ensure_ascii=False), err=True)
    sys.exit(BAD_INPUT)


def _read(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _refuse("unreadable", "", {"path": source, "reason": type(exc).__name__})
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _refuse("bad_json", "", {"line": str(exc.lineno), "column": str(exc.colno)})


@assistance_cli.command("check")
@click.argument("source", metavar="FILE.json")
@click.option("--indent", type=int, default=None, help="Indent the JSON output by this many spaces.")
@with_appcontext
def check(source: str, indent: int | None) -> None:
    """Check a case against its cover and print the verdict as JSON (FILE.json, or - for stdin).

    \b
    Input: {"cover": {product, formula, upgrade, start, premium_paid, signed, end},
            "vehicle": {plate, registered, max_mass_kg, body},
            "case": {cause, at, country, assistance_called_at_once, police_tow,
                     helper_arrived_at, immobilised_until,
                     repairable_within_3_workdays, exclusions, trip_started}}
    (dates YYYY-MM-DD, times ISO 8601 with offset, countries ISO 3166 alpha-2 or
    ISO 3166-2 such as ES-CN; see docs/assistance.md).

    \b
    Output (a contract: keys are only ever added):
      covered              true or false: the case falls under the cover
      reasons              [{code, ref, text, effect, params}], effect one of
                           excludes, withholds, grants, note; text in English
      replacement_vehicle  null or {category, max_days, unit, return_by, ref},
                           unit days or workdays, return_by the last day
      caps                 [{item, max_cents, max_count, per, ref}]
      alternatives         [{item, max_cents, max_count, per, ref}]: choices
                           instead of waiting for the repair (hotel, trip)
      deadlines            [{code, due, ref}], due in ISO 8601 UTC

    \b
    Bad input: exit status 2 and {"error": {code, field, message, params}}
    on stderr.
    """
    data = _read(source)
    try:
        cover, vehicle, case = parse_check_input(data)
    except CheckInputError as exc:
        _refuse(exc.code, exc.field, exc.params)
    verdict = check_case(cover, vehicle, case, calendar=WorkCalendar.belgium())
    click.echo(json.dumps(verdict.as_json(finding_text), ensure_ascii=False, indent=indent))


@assistance_cli.command("import-covers")
@click.argument("client_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_covers(client_code: str, file: Path) -> None:
    """Import a client's assistance covers from CSV (all or nothing); re-importing the same file changes nothing."""
    from app.cli import cli_actor
    from app.services import client_by_code
    from app.uow import command_unit_of_work
    from assistance import services

    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    with command_unit_of_work():
        report = services.import_covers(cli_actor(), client_by_code(client_code), text)
        if not report.ok:
            for error in report.errors:
                where = f"line {error.line}" if error.line else "file"
                column = f" ({error.column})" if error.column else ""
                click.echo(f"{file}: {where}{column}: {error.message}", err=True)
            raise services.ImportRefused(report)  # rolled back; "nothing imported: n problem(s)"
    click.echo(f"{report.created} created, {report.updated} updated")

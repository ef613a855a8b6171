"""Every service refusal and every contract-import problem reads in the user's language, and so do error pages.

Each refusal is raised for real (the service called inside a request of a Dutch or a French user, on a
migrated database), then shown as the screens show it: the message must differ from its English and hold
no message of the English catalogue. A scan of the source finds every ``ServiceError(_l(...))`` raised in
the product, so a new refusal without a case here fails the suite.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale

from tests import support
from tests.web.test_i18n_pages import english_messages

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("nl", "fr")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


# --- the refusals ---------------------------------------------------------------------------------

def _actor() -> Any:
    from app.services import Actor

    return Actor("test")


def _calendar() -> Any:
    from app.clock import work_calendar

    return work_calendar()


def _client(code: str) -> Any:
    from app.services import client_by_code

    return client_by_code(code)


def _user(email: str) -> Any:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User

    return db.session.scalar(sa.select(User).where(User.email == email))


def _fine(state: str) -> Any:
    import sqlalchemy as sa

    from app.extensions import db
    from fines.models import Fine

    fine = db.session.scalar(sa.select(Fine))
    fine.state = state  # a test fixture's row, put in the state the refusal needs (rolled back after)
    return fine


def _ticket(level: int = 2, impact: str = "few", state: str | None = None) -> Any:
    from sla.desk import services as desk

    ticket = desk.open_ticket(_actor(), client=_client("BETA"), reporter=None, title="Printer", description="x",
                              level=level, impact=impact, channel="web", now=NOW, calendar=_calendar())
    if state is not None:
        desk.act(ticket, "acknowledge", _actor(), now=NOW, calendar=_calendar())
    return ticket


def _privacy_request(kind: str = "access", *, contract: bool = True, answered: bool = False) -> Any:
    """A data subject's request about Beta's seeded driver (contract BETA-0001)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.fleet.models import Contract
    from app.privacy import services

    linked = db.session.scalar(sa.select(Contract).where(Contract.contract_number == "BETA-0001")) if contract else None
    request = services.open_request(_actor(), _client("BETA"), kind, "Zoë Zeger", date(2026, 11, 2), linked)
    if answered:
        services.answer(_actor(), request, "Refused: not a driver of ours", NOW, refused=True)
    return request


def _privacy_services() -> Any:
    from app.privacy import services

    return services


def _restricted_designation() -> None:
    from app.privacy import services

    request = _privacy_request("restriction")
    if not services.is_restricted(request.contract_id):  # the cases run in one transaction: maybe restricted
        services.restrict(_actor(), request, NOW)
    fine = _fine("ready")
    fine.contract = request.contract
    _workflow().process(fine, _actor(), NOW, _calendar())


def _extended_twice() -> None:
    request = _privacy_request()
    for _ in "12":
        _privacy_services().extend(_actor(), request, "Archives to search", NOW)


def _unknown_contract_for_a_request() -> None:
    from app.privacy.views import _contract as request_contract

    request_contract(_client("BETA"), "NOPE-9")


def _client_role() -> Any:
    from app.models import Role

    return Role.CLIENT


def _user_values(**changes: Any) -> dict[str, Any]:
    from app.models import Role

    values = {"email": "new@op.test", "name": "New", "role": Role.AGENT, "password": support.PASSWORD,
              "client": None}
    values.update(changes)
    return values


def _contract(**changes: Any) -> dict[str, Any]:
    values = {"contract_number": "N-1", "plate": "1ABC123", "plate_country": "BE", "start_date": date(2026, 1, 1),
              "end_date": None, "instruction": "redirect"}
    values.update(changes)
    return values


def _correct(fine_state: str, **values: Any) -> None:
    from fines.intake import services as intake

    intake.correct_fine(_actor(), _fine(fine_state), values, note="")


def _import_refused() -> None:
    from app.fleet import services as contracts

    report = contracts.import_contracts(_actor(), "nonsense\n", client=None, allowed_client_ids=None)
    raise contracts.ImportRefused(report)


def _desk(action: str, *, level: int = 2, impact: str = "few", acknowledged: bool = True, staff: bool = True,
          body: str | None = None, before: tuple[str, ...] = ()) -> None:
    from sla.desk import services as desk

    ticket = _ticket(level, impact, "acknowledged" if acknowledged else None)
    for step in before:
        desk.act(ticket, step, _actor(), now=NOW, calendar=_calendar())
    desk.act(ticket, action, _actor(), now=NOW, calendar=_calendar(), body=body, staff=staff)


def _restore_request(what: str = "fines", point: datetime | None = NOW - timedelta(days=1)) -> Any:
    from sla.desk import services as desk

    ticket = desk.open_restore_request(_actor(), client=_client("BETA"), reporter=None, title="Lost", description="x",
                                       what=what, point=point, level=2, impact="few", channel="web", now=NOW,
                                       calendar=_calendar())
    desk.act(ticket, "acknowledge", _actor(), now=NOW, calendar=_calendar())
    return ticket


def _backup(taken_at: datetime = NOW - timedelta(days=2)) -> Any:
    from app.backup_catalogue import CatalogueEntry

    return CatalogueEntry("server-db-2026-11-14", "server-db", "database", "server", taken_at,
                          taken_at + timedelta(days=2), 1)


def _restored_twice() -> None:
    from sla.desk import services as desk

    ticket = _restore_request()
    desk.record_restore(ticket, _actor(), _backup(), NOW, _calendar())
    desk.act(ticket, "ask_choice", _actor(), now=NOW, calendar=_calendar(), body="Which one?")


def _desk_answer_unasked() -> None:
    from sla.desk import services as desk

    ticket = _restore_request()
    desk.act(ticket, "wait_client", _actor(), now=NOW, calendar=_calendar(), body="Which files exactly?")
    desk.act(ticket, "answer_choice", _actor(), now=NOW, calendar=_calendar(), body="Yesterday's")


def _offboarding() -> Any:
    from app.offboarding import services as offboarding

    return offboarding


def _purge_in_grace() -> None:
    _offboarding().start_offboarding(_actor(), _client("BETA"), NOW)
    _offboarding().purge_client(_actor(), _client("BETA"), NOW + timedelta(days=1))


def _suspended_twice() -> None:
    """Suspend ALPHA twice, then lift the first suspension so it does not outlive the case."""
    client = _client("ALPHA")
    _life().suspend_client(_actor(), client, "unpaid", NOW)
    try:
        _life().suspend_client(_actor(), client, "unpaid", NOW)
    finally:
        _life().resume_client(_actor(), client)


def _services() -> Any:
    from app import services

    return services


def _life() -> Any:
    from app import client_life

    return client_life


def _privacy() -> Any:
    from fines import privacy

    return privacy


def _workflow() -> Any:
    from fines.workflow import services as workflow

    return workflow


def _fleet() -> Any:
    from app.fleet import services as contracts

    return contracts


def _backup_job(kind: str, **what: Any) -> Any:
    from flask import current_app

    from backups import services as backups

    return backups.request_job(_actor(), kind, current_app.config, NOW, **what)


def _second_backup_job() -> Any:
    from backups.policy import Tier

    _backup_job("run", tier=Tier.DC_DB)
    return _backup_job("run", tier=Tier.DC_DB)


def _uptime() -> Any:
    from sla.uptime import services as uptime

    return uptime


def _desk_services() -> Any:
    from sla.desk import services as desk

    return desk


def _attach(name: str, data: bytes, max_bytes: int = 1024 * 1024) -> Any:
    return _desk_services().attach_file(_ticket(), _actor(), uploader=_user("agent@op.test"), filename=name, data=data,
                                        internal=False, staff=True, comment=None, now=NOW, calendar=_calendar(),
                                        max_bytes=max_bytes)


def _assign_processed_message() -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from fines.intake import services as intake
    from fines.models import IntakeMessage

    message = db.session.scalar(sa.select(IntakeMessage))
    intake.assign_message(_actor(), message, _client("ALPHA"), settings=None, sandbox=None)  # type: ignore[arg-type]


def _demote_myself() -> None:
    from app.models import Role
    from app.services import Actor

    admin = _user("admin@op.test")
    _services().update_user(Actor("admin", user_id=admin.id), admin, name="Admin", role=Role.AGENT, client=None,
                            active=True)


#: Every refusal of the product's services, by name: a call that raises it.
REFUSALS: dict[str, Callable[[], Any]] = {
    # app.services
    "bad e-mail address": lambda: _services().add_client(_actor(), "GAMMA", "Gamma", "x", intake_address="not mail"),
    "bad client code": lambda: _services().add_client(_actor(), "x", "Gamma", "fines.fleetdesk.test"),
    "client without a name": lambda: _services().add_client(_actor(), "GAMMA", " ", "fines.fleetdesk.test"),
    "client code taken": lambda: _services().add_client(_actor(), "ALPHA", "Alpha", "fines.fleetdesk.test"),
    "client renamed to nothing": lambda: _services().update_client(
        _actor(), _client("ALPHA"), name=" ", intake_address="alpha@fines.fleetdesk.test", active=True, locale=None),
    "intake address taken": lambda: _services().update_client(
        _actor(), _client("ALPHA"), name="Alpha", intake_address="beta@fines.fleetdesk.test", active=True, locale=None),
    "unknown client language": lambda: _services().update_client(
        _actor(), _client("ALPHA"), name="Alpha", intake_address="alpha@fines.fleetdesk.test", active=True,
        locale="de"),
    "no such client": lambda: _services().client_by_code("NOPE"),
    "user without a name": lambda: _services().create_user(_actor(), **_user_values(name=" ")),
    "short password": lambda: _services().create_user(_actor(), **_user_values(password="short")),
    "password of few characters": lambda: _services().create_user(_actor(), **_user_values(password="abab" * 5)),
    "e-mail address taken": lambda: _services().create_user(_actor(), **_user_values(email="agent@op.test")),
    "user renamed to nothing": lambda: _services().update_user(
        _actor(), _user("agent@op.test"), name=" ", role=_user("agent@op.test").role, client=None, active=True),
    "admin demotes themselves": _demote_myself,
    "new password too short": lambda: _services().set_password(_actor(), _user("agent@op.test"), "short"),
    "client user without a client": lambda: _services().create_user(_actor(), **_user_values(role=_client_role())),
    "agent with a client": lambda: _services().create_user(_actor(), **_user_values(client=_client("ALPHA"))),
    # app.client_life
    "suspension without a reason": lambda: _life().suspend_client(_actor(), _client("ALPHA"), " ", NOW),
    "suspended twice": _suspended_twice,
    "resuming a client not suspended": lambda: _life().resume_client(_actor(), _client("ALPHA")),
    "notice shorter than 12 months": lambda: _life().set_service_contract(
        _actor(), _client("ALPHA"), starts_on=date(2025, 1, 1), term_months=36, notice_months=6),
    "service contract term of 0 months": lambda: _life().set_service_contract(
        _actor(), _client("ALPHA"), starts_on=date(2025, 1, 1), term_months=0),
    # app.fleet.services
    "import refused": _import_refused,
    "contract without a number": lambda: _fleet().clean_values(_contract(contract_number=" ")),
    "contract with a bad plate": lambda: _fleet().clean_values(_contract(plate="!!")),
    "contract without a start": lambda: _fleet().clean_values(_contract(start_date=None)),
    "contract ending before it starts": lambda: _fleet().clean_values(_contract(end_date=date(2025, 1, 1))),
    "contract with a bad instruction": lambda: _fleet().clean_values(_contract(instruction="pay")),
    "contract number taken": lambda: _fleet().save_contract(_actor(), _client("BETA"),
                                                            _contract(contract_number="BETA-0001")),
    # fines
    "message not in triage": _assign_processed_message,
    "privacy search too short": lambda: _privacy().find_driver("ab"),
    "processing a fine not ready": lambda: _workflow().process(_fine("read"), _actor(), NOW, _calendar()),
    "cancelling without a reason": lambda: _workflow().cancel(_fine("read"), _actor(), " "),
    "closing a fine not processed": lambda: _workflow().close(_fine("read"), _actor(), NOW),
    "leaving a final state": lambda: _workflow().close(_fine("cancelled"), _actor(), NOW),
    "correcting a final fine": lambda: _correct("processed"),
    "correcting with a bad plate": lambda: _correct("read", plate="!!", plate_country="BE"),
    "correcting with a bad reference": lambda: _correct("read", payment_reference="123456789012"),
    "due before the letter": lambda: _correct("read", letter_date=date(2026, 11, 3), due_date=date(2026, 11, 1)),
    "offence after the letter": lambda: _correct("read", letter_date=date(2026, 11, 3),
                                                 offence_at=datetime(2026, 11, 5, 9, 0, tzinfo=UTC)),
    # app.privacy
    "privacy request of no kind": lambda: _privacy_services().open_request(
        _actor(), _client("BETA"), "gossip", "Zoë Zeger", date(2026, 11, 2)),
    "privacy request of nobody": lambda: _privacy_services().open_request(
        _actor(), _client("BETA"), "access", " ", date(2026, 11, 2)),
    "privacy request about another client's contract": lambda: _privacy_services().open_request(
        _actor(), _client("ALPHA"), "access", "Zoë Zeger", date(2026, 11, 2), _privacy_request().contract),
    "privacy request for an unknown contract": _unknown_contract_for_a_request,
    "privacy request answered twice": lambda: _privacy_services().note_identity(
        _actor(), _privacy_request(answered=True), "eID", NOW),
    "identity check of no method": lambda: _privacy_services().note_identity(_actor(), _privacy_request(), " ", NOW),
    "deadline extended twice": _extended_twice,
    "extension without a reason": lambda: _privacy_services().extend(_actor(), _privacy_request(), " ", NOW),
    "answer without words": lambda: _privacy_services().answer(_actor(), _privacy_request(), " ", NOW),
    "answer before the identity check": lambda: _privacy_services().answer(
        _actor(), _privacy_request(), "Export sent", NOW),
    "restriction without a contract": lambda: _privacy_services().restrict(
        _actor(), _privacy_request("restriction", contract=False), NOW),
    "restricted twice": lambda: [_privacy_services().restrict(_actor(), r, NOW)
                                 for r in [_privacy_request("restriction")] * 2],
    "lifting a restriction not in force": lambda: _privacy_services().lift_restriction(
        _actor(), _privacy_request("restriction", contract=False), NOW),
    "designating a restricted driver": _restricted_designation,
    # sla.desk
    "reporter not authorised": lambda: _desk_services().open_ticket(
        _actor(), client=_client("BETA"), reporter=_user("bert@beta.test"), title="x", description="x", level=2,
        impact="few", channel="web", now=NOW, calendar=_calendar()),
    "incident without a title": lambda: _desk_services().open_ticket(
        _actor(), client=_client("BETA"), reporter=None, title=" ", description="x", level=2, impact="few",
        channel="web", now=NOW, calendar=_calendar()),
    "unknown action": lambda: _desk("dance"),
    "client acting as the desk": lambda: _desk("resolve", staff=False),
    "action the state refuses": lambda: _desk("close"),
    "comment without words": lambda: _desk("comment", body=" "),
    "restore on a category other than 1": lambda: _desk("restore_start"),
    "second restore": lambda: _desk("restore_start", level=4, impact="all", before=("restore_start",)),
    "restore ended that never started": lambda: _desk("restore_end", level=4, impact="all"),
    "correction without a reason": lambda: _desk_services().correct(
        _ticket(), _actor(), level=3, impact="few", reason=" ", now=NOW, calendar=_calendar()),
    "incident to a client user": lambda: _desk_services().assign(_ticket(), _actor(), _user("bert@beta.test"), NOW),
    "asking an incident which version to restore": lambda: _desk("ask_choice", body="Which one?"),
    "a restore request restored twice": _restored_twice,
    "a version chosen before the desk asked": _desk_answer_unasked,
    "purge before off-boarding starts": lambda: _offboarding().purge_client(_actor(), _client("ALPHA"), NOW),
    "purge within the grace period": _purge_in_grace,
    "importing an archive that is not one": lambda: _offboarding().import_archive(_actor(), "/nonexistent/x.zip",
                                                                                  "/tmp/fleetdesk-no-archive"),
    "choosing a version nobody asked for": lambda: _desk_services().act(
        _restore_request(), "answer_choice", _actor(), now=NOW, calendar=_calendar(), body="Monday", staff=False),
    "restore request without its data": lambda: _restore_request(what="mood"),
    "restore request without its moment": lambda: _restore_request(point=None),
    "restore request to a future moment": lambda: _restore_request(point=NOW + timedelta(hours=1)),
    "restoring an incident from a backup": lambda: _desk_services().choose_source(_ticket(), _actor(), _backup(), NOW),
    "restoring from a backup taken after the moment": lambda: _desk_services().choose_source(
        _restore_request(), _actor(), _backup(NOW - timedelta(hours=1)), NOW),
    "bulk assignment of no incident": lambda: _desk_services().assign_many([], _actor(), None, NOW),
    "bulk assignment naming an unknown incident": lambda: _desk_services().assign_many(
        [_ticket().id, 2**31 - 1], _actor(), None, NOW),
    "empty attachment": lambda: _attach("shot.png", b""),
    "attachment over the limit": lambda: _attach("shot.png", b"\x89PNG\r\n\x1a\n" + bytes(2048), max_bytes=1024),
    "attachment of a type the desk refuses": lambda: _attach("tool.exe", b"MZ\x90\x00" + bytes(16)),
    "attachment whose content is not what its name says": lambda: _attach("shot.png", b"<html></html>"),
    # sla.uptime
    "outage without a reason": lambda: _uptime().record_outage(_actor(), started_at=NOW, ended_at=None, reason=" "),
    "outage ending before it starts": lambda: _uptime().record_outage(
        _actor(), started_at=NOW, ended_at=NOW - timedelta(hours=1), reason="power"),
    "maintenance ending before it starts": lambda: _uptime().plan_maintenance(
        _actor(), starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=1), description="x", now=NOW),
    "maintenance in the past": lambda: _uptime().plan_maintenance(
        _actor(), starts_at=NOW - timedelta(days=2), ends_at=NOW - timedelta(days=1), description="x", now=NOW),
    "maintenance without a description": lambda: _uptime().plan_maintenance(
        _actor(), starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=2), description=" ", now=NOW),
    # backups
    "verifying a backup that is not there": lambda: _backup_job("verify", backup_id="dc-db-1999-01-01"),
    "a second backup job for a tier": _second_backup_job,
}


def _shown(exc: Any) -> str:
    """The refusal as the screens show it (a refused correction is worded by its view, from its code)."""
    from fines.intake.services import CorrectionRefused
    from fines.web.views import _correction_refused

    if isinstance(exc, CorrectionRefused):
        return str(_correction_refused(exc).message)
    return str(exc.message)


@pytest.fixture()
def as_user(app: Any, world: Any) -> Iterator[Callable[[str], Any]]:
    """Enter a request of the admin, who reads ``language``; the work done in it is rolled back."""
    from flask_login import login_user

    from app.extensions import db

    contexts: list[Any] = []

    def enter(language: str) -> Any:
        context = app.test_request_context("/")
        context.push()
        contexts.append(context)
        admin = _user(world.admin)
        admin.locale = language
        login_user(admin)
        return admin

    yield enter
    for context in reversed(contexts):
        db.session.rollback()
        context.pop()


def _raised(name: str) -> Any:
    from app.services import ServiceError

    with pytest.raises(ServiceError) as caught:
        REFUSALS[name]()
    return caught.value


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_every_service_refusal_reads_in_the_users_language(as_user: Any, language: str, name: str) -> None:
    as_user(language)
    exc = _raised(name)
    shown = _shown(exc)
    with force_locale("en"):
        english = _shown(exc)
    assert shown and shown != english, f"{name}: not translated: {shown!r}"
    leftovers = [message for message, pattern in english_messages(language) if pattern.search(shown)]
    assert leftovers == [], f"{name}: {shown!r} holds English: {leftovers}"


def _called(call: ast.Call) -> str | None:
    """The name a call calls: ``ServiceError`` for ``ServiceError(...)`` and ``services.ServiceError(...)``."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _lazy_msgid(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_l", "lazy_gettext"):
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _raise_sites() -> dict[str, str]:
    """Every ``raise ServiceError(_l("..."), ...)`` in the product: msgid → where."""
    found: dict[str, str] = {}
    for package in ("app", "fines", "sla", "backups"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args
                        and _called(node.exc) == "ServiceError"):
                    msgid = _lazy_msgid(node.exc.args[0])
                    if msgid is not None:
                        found[msgid] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_the_cases_raise_every_refusal_the_product_words(as_user: Any) -> None:
    as_user("nl")
    raised = set()
    for name in REFUSALS:
        message = _raised(name).message
        if hasattr(message, "_args"):
            raised.add(message._args[0])
    sites = _raise_sites()
    assert len(sites) >= 35, "the scan found too few refusals"
    missing = {msgid: where for msgid, where in sites.items() if msgid not in raised}
    assert missing == {}, f"refusals without a case in REFUSALS: {missing}"


def test_no_refusal_is_raised_as_a_plain_english_string() -> None:
    plain = []
    for package in ("app", "fines", "sla"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                        and _called(node.exc) == "ServiceError" and node.exc.args
                        and isinstance(node.exc.args[0], ast.Constant | ast.JoinedStr)):
                    plain.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert plain == []


# --- the contract import ---------------------------------------------------------------------------

HEADER = "client_code,contract_number,plate,driver,start_date,end_date,instruction"
GOOD = "ALPHA,A-1,1ABC123,Tom,2025-01-01,2026-05-27,redirect"
#: One file per import problem code (``app.fleet.contracts_csv.ERROR_CODES``).
IMPORT_FILES: dict[str, str] = {
    "empty_file": "",
    "unreadable": f"{HEADER}\n{GOOD}\nALPHA,A-2,1ABC123,{'x' * 200_000},2025-01-01,,redirect\n",
    "repeated_columns": f"{HEADER},plate\n{GOOD},1ABC123\n",
    "missing_columns": "client_code,contract_number\nALPHA,A-1\n",
    "too_long": f"{HEADER}\nALPHA,{'X' * 65},1ABC123,Tom,2025-01-01,,redirect\n",
    "empty": f"{HEADER}\nALPHA,,1ABC123,Tom,2025-01-01,,redirect\n",
    "client_not_allowed": f"{HEADER}\nBETA,A-1,1ABC123,Tom,2025-01-01,,redirect\n",
    "unknown_client": f"{HEADER}\nNOPE,A-1,1ABC123,Tom,2025-01-01,,redirect\n",
    "bad_email": f"{HEADER},driver_email\n{GOOD},tom.example.com\n",
    "bad_country": f"{HEADER},plate_country\n{GOOD},Belgium\n",
    "bad_plate": f"{HEADER}\nALPHA,A-1,!!!,Tom,2025-01-01,,redirect\n",
    "bad_plate_of_country": f"{HEADER},plate_country\n{GOOD.replace('1ABC123', '1ZZ')},NL\n",
    "bad_start_date": f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-13-01,,redirect\n",
    "bad_end_date": f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-01-01,soon,redirect\n",
    "end_before_start": f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-02-01,2025-01-31,redirect\n",
    "instruction_empty": f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-01-01,,\n",
    "bad_instruction": f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-01-01,,pay\n",
    "repeated_number": f"{HEADER}\n{GOOD}\nALPHA,A-1,2XYZ789,Ann,2025-01-01,,redirect\n",
    "overlap": f"{HEADER}\n{GOOD}\nALPHA,A-2,1ABC123,Ann,2026-05-27,,redirect\n",
    # A warning: the row is imported, its fines will wait for the driver's address.
    "redirect_needs_driver": f"{HEADER}\n{GOOD}\n",
}


def _import_errors(text: str, *, allowed: set[str] | None) -> list[Any]:
    from app.fleet.contracts_csv import parse_contracts_csv

    parsed = parse_contracts_csv(text, default_client_code=None, known_client_codes={"ALPHA", "BETA"},
                                 allowed_client_codes=allowed)
    return parsed.errors + parsed.warnings


def _stored_overlap() -> Any:
    from app.fleet.contracts_csv import RowError

    return RowError(None, "plate", "overlap_stored", {"other": "A-1", "number": "A-2", "plate": "1ABC123"})


def test_every_import_problem_code_has_a_case_and_a_translation() -> None:
    from app.fleet.contracts_csv import ERROR_CODES
    from app.fleet.labels import IMPORT_ERRORS

    assert set(IMPORT_FILES) | {"too_many_rows", "overlap_stored"} == set(ERROR_CODES) == set(IMPORT_ERRORS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", [*sorted(IMPORT_FILES), "overlap_stored"])
def test_every_import_problem_reads_in_the_users_language_with_its_line(as_user: Any, language: str,
                                                                         code: str) -> None:
    from app.fleet.labels import import_error

    as_user(language)
    if code == "overlap_stored":
        errors = [_stored_overlap()]
    else:
        errors = _import_errors(IMPORT_FILES[code], allowed={"ALPHA"} if code == "client_not_allowed" else None)
    [error] = [e for e in errors if e.code == code]
    if code not in ("empty_file", "missing_columns", "repeated_columns", "overlap_stored"):
        assert error.line >= 2
    shown = import_error(error)
    assert shown != error.message, f"{code}: not translated: {shown!r}"
    words = re.sub(r"\b(redirect|recharge)\b", "", shown)  # the values the file may hold, named as they are written
    leftovers = [message for message, pattern in english_messages(language) if pattern.search(words)]
    assert leftovers == [], f"{code}: {shown!r} holds English: {leftovers}"


def test_too_many_rows_reads_in_the_users_language_with_the_number_written_for_people(as_user: Any) -> None:
    from app.fleet.contracts_csv import RowError
    from app.fleet.labels import import_error

    as_user("fr")
    error = RowError(200_002, None, "too_many_rows", {"limit": 200_000})
    assert "200,000" in error.message
    shown = import_error(error)
    assert "200,000" not in shown and "200" in shown and "contrats" in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_page_lists_the_problems_in_the_users_language(app: Any, client: Any, world: Any,
                                                                  language: str) -> None:
    import io

    _set_locale(app, world.admin, language)
    support.login(client, world.admin)
    page = client.get("/contracts/import").get_data(as_text=True)
    response = client.post("/contracts/import", data={
        "csrf_token": support.csrf_token(page),
        "file": (io.BytesIO(f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-13-01,,pay\n".encode()), "c.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2025-13-01" in html and "Not a date" not in html and "Unknown instruction" not in html


def test_the_cli_says_import_problems_in_english_with_their_lines(app: Any, world: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"{HEADER}\nALPHA,A-1,1ABC123,Tom,2025-13-01,,redirect\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["contracts", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2 (start_date): Not a date: '2025-13-01'" in result.output
    assert "Nothing was imported: 1 problem(s)." in result.output


# --- pages ------------------------------------------------------------------------------------------

def _set_locale(app: Any, email: str, language: str) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(locale=language))
        db.session.commit()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refusal_on_a_form_reads_in_the_users_language(app: Any, client: Any, world: Any, language: str) -> None:
    _set_locale(app, world.admin, language)
    support.login(client, world.admin)
    response = support.post_form(client, "/admin/clients/new", {"code": "ALPHA", "name": "Again",
                                                                "intake_address": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ALPHA" in html and "is taken" not in html
    assert {"nl": "al in gebruik", "fr": "déjà utilisé"}[language] in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_current_password_reads_in_the_users_language(app: Any, client: Any, world: Any,
                                                               language: str) -> None:
    _set_locale(app, world.agent, language)
    support.login(client, world.agent)
    response = support.post_form(client, "/account", {"locale": language, "current_password": "wrong",
                                                      "new_password": "a much longer new secret"})
    html = response.get_data(as_text=True)
    assert "The current password is wrong." not in html
    assert {"nl": "Het huidige wachtwoord is fout.", "fr": "Le mot de passe actuel est incorrect."}[language] in html


ERROR_PAGES = {
    400: ("get", "/contracts/?page=x", None),  # a parameter the page cannot use
    403: ("post", "/account", {"locale": "en"}),  # a form without its security token
    404: ("get", "/no/such/page", None),
    405: ("post", "/healthz", {}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", sorted(ERROR_PAGES))
def test_error_pages_are_in_the_users_language_and_keep_their_status(app: Any, client: Any, world: Any,
                                                                     language: str, status: int) -> None:
    _set_locale(app, world.agent, language)
    support.login(client, world.agent)
    method, url, data = ERROR_PAGES[status]
    response = getattr(client, method)(url, data=data) if data is not None else getattr(client, method)(url)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert f'<html lang="{language}"' in html
    text = _text(html)
    for english in ("Bad Request", "Forbidden", "Not Found", "Method Not Allowed", "The method is not allowed",
                    "You don't have the permission", "The requested URL was not found"):
        assert english not in text
    leftovers = [message for message, pattern in english_messages(language) if pattern.search(text)]
    assert leftovers == [], leftovers


def test_abort_with_any_status_gets_the_house_page(app: Any) -> None:
    from flask import abort

    from app.web import HTTP_ERRORS

    for status in (409, 422, 429):
        assert status in HTTP_ERRORS
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        from werkzeug.exceptions import HTTPException

        from app.web import http_error

        for status in (403, 409, 422, 429):
            try:
                abort(status)
            except HTTPException as error:
                response = http_error(error)
            assert response.status_code == status
            html = response.get_data(as_text=True)
            assert "Conflict" not in html and "Unprocessable" not in html and "Too Many Requests" not in html


def test_json_answers_keep_their_machine_format(app: Any, client: Any, world: Any) -> None:
    _set_locale(app, world.agent, "fr")
    support.login(client, world.agent)
    response = client.get("/fines/999999/state.json")
    assert response.status_code == 404
    assert response.is_json and set(response.get_json()) == {"error", "message"}
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/metrics").mimetype.startswith("text/plain")

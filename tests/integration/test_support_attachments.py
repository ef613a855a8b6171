"""Ticket attachments through a client's and a person's life: the person's export and erasure, retention,
the off-boarding archive and purge, and the blob written only with its row."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

NAME, EMAIL = "Marie Dubois-Lefèvre", "marie.dubois@example.be"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(48)


def _actor() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


@pytest.fixture()
def ctx(app: Any, world: Any, clock: Any) -> Any:
    from app.extensions import db

    with app.app_context():
        yield world
        db.session.rollback()


def _attach(ticket: Any, uploader: Any, name: str, data: bytes, data_dir: str, *, internal: bool = False) -> Any:
    from app.clock import now, work_calendar
    from sla.desk import services

    return services.attach_file(ticket, _actor(), uploader=uploader, filename=name, data=data, internal=internal,
                                staff=internal, comment=None, now=now(), calendar=work_calendar(),
                                max_bytes=1024 * 1024)


def _person_ticket(client_id: int) -> tuple[Any, Any, Any]:
    """A contract whose driver is also a client user, and a ticket that user reported."""
    from app.clock import now, work_calendar
    from app.extensions import db
    from app.fleet import services as contracts
    from app.models import Client, Role
    from app.services import create_user
    from sla.desk import services

    client = db.session.get(Client, client_id)
    contract = contracts.save_contract(_actor(), client, {
        "contract_number": "P-1", "plate": "1PRV001", "plate_country": "BE", "driver_name": NAME,
        "driver_email": EMAIL, "driver_address": "Rue Haute 12, 1000 Bruxelles", "start_date": date(2026, 1, 1),
        "end_date": None, "instruction": "redirect"})
    user = create_user(_actor(), email=EMAIL, name=NAME, role=Role.CLIENT, password=support.PASSWORD, client=client)
    user.can_report_incidents = True
    ticket = services.open_ticket(_actor(), client=client, reporter=user, title=f"Login of {NAME} fails",
                                  description="See the screenshot", level=2, impact="few", channel="web", now=now(),
                                  calendar=work_calendar())
    return contract, user, ticket


def test_the_persons_export_lists_their_files_and_erasure_removes_them(ctx: Any, data_dir: str) -> None:
    from app.clock import now
    from app.extensions import db
    from app.privacy import services as privacy
    from sla.desk.models import Ticket, TicketAttachment

    contract, user, ticket = _person_ticket(ctx.client_a)
    shown = _attach(ticket, user, "error.txt", f"Logged in as {NAME}\n".encode(), data_dir)
    hidden = _attach(ticket, db.session.get(type(user), user.id), "trace.png", PNG + b"internal", data_dir,
                     internal=True)
    db.session.flush()
    files = [Path(data_dir) / shown.blob_path, Path(data_dir) / hidden.blob_path]
    assert all(f.exists() for f in files)
    request = privacy.open_request(_actor(), ticket.client, "erasure", NAME, date(2026, 11, 2), contract)
    exported = privacy.export_person(request)["support"]["tickets"]
    assert [a["filename"] for a in exported[0]["attachments"]] == ["error.txt"]  # not the internal one
    counts = privacy.erase_person(_actor(), request, data_dir, now())
    assert counts["attachments_removed"] == 2 and counts["tickets_scrubbed"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketAttachment)) == 0
    assert not any(f.exists() for f in files)
    assert NAME not in db.session.get(Ticket, ticket.id).title


def test_a_file_still_attached_elsewhere_survives_the_erasure_of_one_copy(ctx: Any, data_dir: str) -> None:
    from app.extensions import db
    from app.models import User
    from sla.desk import services
    from sla.desk.models import Ticket

    agent = db.session.scalar(sa.select(User).where(User.email == "agent@op.test"))
    first = _attach(db.session.get(Ticket, ctx.ticket_b_id), agent, "same.png", PNG, data_dir)
    _, user, ticket = _person_ticket(ctx.client_b)
    second = _attach(ticket, user, "same.png", PNG, data_dir)
    db.session.flush()
    assert first.blob_path == second.blob_path
    assert services.remove_attachments([second]) == 1
    assert (Path(data_dir) / first.blob_path).read_bytes() == PNG


def test_retention_removes_the_files_of_closed_tickets_with_their_texts(ctx: Any, app: Any, data_dir: str) -> None:
    from app.extensions import db
    from app.models import User
    from sla.desk.jobs import expire_tickets
    from sla.desk.models import Ticket, TicketAttachment

    agent = db.session.scalar(sa.select(User).where(User.email == "agent@op.test"))
    ticket = db.session.get(Ticket, ctx.ticket_b_id)
    attachment = _attach(ticket, agent, "log.txt", b"old log\n", data_dir)
    db.session.flush()
    path = Path(data_dir) / attachment.blob_path
    ticket.is_open, ticket.state, ticket.closed_at = False, "closed", datetime(2022, 1, 1, tzinfo=UTC)
    counts = expire_tickets(datetime(2026, 11, 17, 2, 30, tzinfo=UTC), app.config)
    assert counts == {"tickets": 1, "attachments": 1}
    assert not path.exists() and db.session.scalar(sa.select(sa.func.count()).select_from(TicketAttachment)) == 0


def test_a_refused_or_rolled_back_attachment_leaves_no_file(ctx: Any, data_dir: str) -> None:
    from app.extensions import db
    from app.models import User
    from app.services import ServiceError
    from sla.desk.models import Ticket

    agent = db.session.scalar(sa.select(User).where(User.email == "agent@op.test"))
    ticket = db.session.get(Ticket, ctx.ticket_b_id)
    with pytest.raises(ServiceError):
        _attach(ticket, agent, "fake.png", b"<svg onload=alert(1)>", data_dir)
    data = PNG + b"rolled back"
    attachment = _attach(ticket, agent, "shot.png", data, data_dir)
    path = Path(data_dir) / attachment.blob_path
    assert path.exists()  # published once its row was flushed
    db.session.rollback()
    assert not path.exists() and not list((Path(data_dir) / "attachment").rglob(".incoming-*"))


def test_the_off_boarding_archive_carries_the_attachments_and_the_purge_removes_them(
        app: Any, world: Any, clock: Any, data_dir: str, tmp_path: Path) -> None:
    from app import services
    from app.extensions import db
    from app.models import User
    from app.offboarding import services as offboarding
    from app.uow import command_unit_of_work
    from sla.desk.models import Ticket

    with app.app_context(), command_unit_of_work():
        agent = db.session.scalar(sa.select(User).where(User.email == "agent@op.test"))
        attachment = _attach(db.session.get(Ticket, world.ticket_b_id), agent, "beta.png", PNG + b"beta", data_dir)
        db.session.flush()
        blob = attachment.blob_path
    with app.app_context(), command_unit_of_work():
        result = offboarding.export_client(services.Actor("cli:test"), services.client_by_code("BETA"), tmp_path,
                                           clock())
    manifest = json.loads((result.directory / "manifest.json").read_text())
    assert manifest["tables"]["ticket_attachments"] == 1
    assert f"files/{blob}" in {f["path"] for f in manifest["files"]}
    with app.app_context():
        with command_unit_of_work():
            offboarding.start_offboarding(services.Actor("cli:test"), services.client_by_code("BETA"), clock())
        with command_unit_of_work():
            purged = offboarding.purge_client(services.Actor("cli:test"), services.client_by_code("BETA"),
                                              clock() + timedelta(minutes=1), force=True)
        offboarding.remove_files(purged.files)
    assert not (Path(data_dir) / blob).exists()

"""Files on tickets: screenshots, PDFs and text checked by their bytes, limits, tenancy, downloads, the blob's life."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TEXT = "Error 502 at 09:12 — the login page said “Bad gateway”.\n".encode()


def _allow_reporting(app: Any, email: str) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(can_report_incidents=True))
        db.session.commit()


def _attach(client: Any, ticket_id: int, name: str, data: bytes, **fields: Any) -> Any:
    page = client.get(f"/support/{ticket_id}").get_data(as_text=True)
    return client.post(f"/support/{ticket_id}/attach", content_type="multipart/form-data",
                       data={"csrf_token": support.csrf_token(page), "file": (io.BytesIO(data), name), **fields})


def _rows(app: Any) -> list[Any]:
    from app.extensions import db
    from sla.desk.models import TicketAttachment

    with app.app_context():
        return list(db.session.scalars(sa.select(TicketAttachment).order_by(TicketAttachment.id)))


def _stored_files(data_dir: str) -> list[Path]:
    return sorted(p for p in (Path(data_dir) / "attachment").rglob("*") if p.is_file())


@pytest.mark.parametrize(("name", "data", "content_type", "stored_as"), [
    ("error.png", PNG, "image/png", "error.png"),
    ("Foto van het scherm.JPG", JPEG, "image/jpeg", "Foto van het scherm.jpg"),
    ("factuur.pdf", PDF, "application/pdf", "factuur.pdf"),
    ("proxy.log", TEXT, "text/plain", "proxy.log"),
    ("screenshot", PNG, "image/png", "screenshot.png"),  # no suffix: named after its content
    ("../../etc/passwd.png", PNG, "image/png", "passwd.png"),
])
def test_an_accepted_file_is_stored_listed_and_downloaded_as_an_attachment(
        app: Any, client: Any, world: Any, clock: Any, data_dir: str, name: str, data: bytes, content_type: str,
        stored_as: str) -> None:
    support.login(client, world.user_b)
    response = _attach(client, world.ticket_b_id, name, data, comment="Here is what I see.")
    assert response.status_code == 302
    [row] = _rows(app)
    assert (row.filename, row.content_type, row.size, row.internal) == (stored_as, content_type, len(data), False)
    assert row.blob_path.startswith("attachment/") and (Path(data_dir) / row.blob_path).read_bytes() == data
    page = client.get(f"/support/{world.ticket_b_id}").get_data(as_text=True)
    assert stored_as in page and "Here is what I see." in page and "file attached" in page
    download = client.get(f"/support/{world.ticket_b_id}/attachments/{row.id}")
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == content_type
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("name", "data", "says"), [
    ("empty.png", b"", "The file is empty."),
    ("page.png", b"<html><script>alert(1)</script></html>", "does not match its name"),
    ("page.html", b"<html><body>hi</body></html>", "does not match its name"),
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(32), "Only screenshots (PNG or JPEG)"),
    ("image.gif", b"GIF89a" + bytes(32), "Only screenshots (PNG or JPEG)"),
    ("photo.png", PDF, "does not match its name"),
])
def test_a_refused_file_is_a_form_error_and_nothing_is_stored(app: Any, client: Any, world: Any, clock: Any,
                                                              data_dir: str, name: str, data: bytes,
                                                              says: str) -> None:
    before = _stored_files(data_dir)
    support.login(client, world.user_b)
    response = _attach(client, world.ticket_b_id, name, data, comment="Look at this")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert says in page and 'role="alert"' in page
    assert _rows(app) == [] and _stored_files(data_dir) == before
    assert "Look at this" not in client.get(f"/support/{world.ticket_b_id}").get_data(as_text=True)  # nor the comment


def test_a_file_over_the_configured_limit_is_refused(app: Any, client: Any, world: Any, clock: Any, data_dir: str,
                                                     monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "DESK_MAX_ATTACHMENT_BYTES", 1024 * 1024)
    before = _stored_files(data_dir)
    support.login(client, world.agent)
    response = _attach(client, world.ticket_b_id, "big.png", PNG + bytes(1024 * 1024))
    assert response.status_code == 422
    assert "The file is larger than 1 MB, the limit for one attachment." in response.get_data(as_text=True)
    assert _rows(app) == [] and _stored_files(data_dir) == before
    assert _attach(client, world.ticket_b_id, "small.png", PNG).status_code == 302


def test_the_refusal_is_in_the_users_language(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_b).values(locale="nl"))
        db.session.commit()
    support.login(client, world.user_b)
    page = _attach(client, world.ticket_b_id, "leeg.png", b"").get_data(as_text=True)
    assert "Het bestand is leeg." in page


def test_the_same_bytes_twice_are_stored_once_and_a_rollback_leaves_no_file(app: Any, client: Any, world: Any,
                                                                             clock: Any, data_dir: str) -> None:
    support.login(client, world.agent)
    assert _attach(client, world.ticket_b_id, "a.png", PNG).status_code == 302
    assert _attach(client, world.ticket_b_id, "b.png", PNG).status_code == 302
    rows = _rows(app)
    assert len(rows) == 2 and rows[0].blob_path == rows[1].blob_path and len(_stored_files(data_dir)) >= 1
    assert not [p for p in _stored_files(data_dir) if p.name.startswith(".incoming-")]


def test_an_internal_attachment_is_for_agents_only(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.agent)
    assert _attach(client, world.ticket_b_id, "proxy.log", TEXT, internal="y",
                   comment="Proxy log, for us only").status_code == 302
    [row] = _rows(app)
    assert row.internal
    assert "proxy.log" in client.get(f"/support/{world.ticket_b_id}").get_data(as_text=True)
    user = app.test_client()
    support.login(user, world.user_b)
    page = user.get(f"/support/{world.ticket_b_id}").get_data(as_text=True)
    assert "proxy.log" not in page and "Proxy log, for us only" not in page
    assert user.get(f"/support/{world.ticket_b_id}/attachments/{row.id}").status_code == 404


def test_a_client_user_cannot_make_an_attachment_internal(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_b)
    assert _attach(client, world.ticket_b_id, "shot.png", PNG, internal="y").status_code == 302
    assert [r.internal for r in _rows(app)] == [False]


def test_another_clients_attachment_is_a_404(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from sla.desk import services

    support.login(client, world.user_b)
    assert _attach(client, world.ticket_b_id, "shot.png", PNG).status_code == 302
    [row] = _rows(app)
    with app.app_context():
        own = services.open_ticket(Actor("seed"), client=db.session.get(Client, world.client_a), reporter=None,
                                   title="Alpha's own", description="x", level=2, impact="few", channel="phone",
                                   now=clock(), calendar=work_calendar())
        db.session.commit()
        own_id = own.id
    alpha = app.test_client()
    support.login(alpha, world.user_a)
    assert alpha.get(f"/support/{world.ticket_b_id}/attachments/{row.id}").status_code == 404
    assert alpha.get(f"/support/{own_id}/attachments/{row.id}").status_code == 404  # the id under their own ticket
    assert alpha.get(f"/support/{own_id}/attachments/999999").status_code == 404
    token = support.csrf_token(alpha.get(f"/support/{own_id}").get_data(as_text=True))
    refused = alpha.post(f"/support/{world.ticket_b_id}/attach", content_type="multipart/form-data",
                         data={"csrf_token": token, "file": (io.BytesIO(PNG), "x.png")})
    assert refused.status_code == 404 and len(_rows(app)) == 1


def test_an_upload_without_its_csrf_token_is_refused(app: Any, client: Any, world: Any, clock: Any,
                                                     data_dir: str) -> None:
    before = _stored_files(data_dir)
    support.login(client, world.user_b)
    response = client.post(f"/support/{world.ticket_b_id}/attach", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "shot.png")})
    assert response.status_code == 403 and _rows(app) == [] and _stored_files(data_dir) == before


def test_the_orphan_sweep_keeps_attachments_and_off_boarding_finds_them(app: Any, client: Any, world: Any,
                                                                         clock: Any, data_dir: str) -> None:
    from datetime import timedelta

    from app.extensions import db
    from app.offboarding import archive
    from fines.intake.services import remove_orphan_blobs

    support.login(client, world.agent)
    assert _attach(client, world.ticket_b_id, "shot.png", PNG).status_code == 302
    [row] = _rows(app)
    with app.app_context():
        removed = remove_orphan_blobs(clock() + timedelta(days=3650), dry_run=True)
        assert row.blob_path not in removed
        table = db.metadata.tables["ticket_attachments"]
        assert table in archive.tenant_tables(db.metadata)
        assert [c.name for c in archive.blob_columns(table)] == ["blob_path"]

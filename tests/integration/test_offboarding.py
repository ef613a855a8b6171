"""Off-boarding (AV 20.4): the archive handed back and re-imported, the purge after the grace period, the certificate.

Two clients with real blobs under the data directory (a raw mail, a PDF, the picture it came as, a
cached page image) and rows in most tenant tables; one PDF is byte for byte the same for both clients,
so the purge must keep that file for the other client.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
SHARED_PDF = b"%PDF-1.4 the same letter, sent to both clients\n"


@dataclass(frozen=True)
class Seeded:
    client_id: int
    code: str
    blobs: tuple[str, ...]  # relative paths of the client's own blobs (not shared)
    personal: tuple[str, ...]  # the driver's and the user's name, e-mail and address


def _seed(app: Any, code: str) -> Seeded:
    from app import services
    from app.clock import work_calendar
    from app.extensions import db
    from app.fleet.models import Contract
    from app.models import Role
    from fines.models import Fine, FineEvent, IntakeMessage
    from sla.desk import services as desk

    data_dir = app.config["DATA_DIR"]
    actor = services.Actor(label="seed")
    client = services.add_client(actor, code, f"{code.title()} Lease NV", "fines.fleetdesk.test")
    user = services.create_user(actor, email=f"fleet.manager@{code.lower()}.test", name=f"Manager {code.title()}",
                                role=Role.CLIENT, password=support.PASSWORD, client=client)
    services.start_session(user, T0, timedelta(hours=8), "192.0.2.1")
    driver = (f"Driver {code.title()}", f"driver@{code.lower()}.test", f"{code.title()}straat 1, 9000 Gent")
    contract = Contract(client_id=client.id, contract_number=f"{code}-0001", plate="1ABC123", plate_country="BE",
                        driver_name=driver[0], driver_email=driver[1], driver_address=driver[2],
                        start_date=date(2026, 1, 1), end_date=None, instruction="redirect")
    raw, raw_sha = support.store_blob("mail", f"From: police\r\nSubject: {code}\r\n\r\nfine\r\n".encode(), ".eml")
    own_pdf, own_sha = support.store_blob("pdf", f"%PDF-1.4 letter of {code}\n".encode(), ".pdf")
    picture, _ = support.store_blob("pdf", f"JPEG picture of {code}".encode(), ".jpg")
    shared_pdf, shared_sha = support.store_blob("pdf", SHARED_PDF, ".pdf")
    preview = Path(data_dir) / "previews" / own_sha[:2] / f"{own_sha}-1.png"
    preview.parent.mkdir(parents=True, exist_ok=True)
    preview.write_bytes(f"PNG page of {code}".encode())
    message = IntakeMessage(source="upload", message_key=f"<{code}@test>", raw_path=raw, raw_sha256=raw_sha,
                            size=10, status="processed", client_id=client.id, recipients=[], refusals=[],
                            replies_sent=[], received_at=T0)
    fines = [Fine(message=message, client_id=client.id, message_key=message.message_key, pdf_path=path,
                  original_path=original, pdf_sha256=sha, size=10, state="read", issuer="Politiezone Gent",
                  notice_number=f"PV-{code}-{n}", plate="1ABC123", plate_country="BE", confidence={"plate": 0.9},
                  problems=[]) for n, (path, sha, original) in enumerate([(own_pdf, own_sha, picture),
                                                                          (shared_pdf, shared_sha, None)])]
    db.session.add_all([contract, message, *fines])
    db.session.flush()
    db.session.add(FineEvent(fine_id=fines[0].id, client_id=client.id, at=T0, actor_label="intake",
                             from_state=None, to_state="read", reasons=[{"code": "read", "params": {}}]))
    desk.open_ticket(actor, client=client, reporter=None, title=f"Incident {code}", description="e-mail down",
                     level=2, impact="few", channel="phone", now=T0, calendar=work_calendar())
    services.record(services.Actor.of(user), "user.logged_in", user)
    db.session.commit()
    return Seeded(client.id, code, (raw, own_pdf, picture, str(preview.relative_to(data_dir))),
                  (*driver, user.email, user.name))


def _counts(app: Any) -> dict[str, int]:
    from app.extensions import db

    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def _client_counts(client_id: int) -> dict[str, int]:
    from app.extensions import db
    from app.offboarding.archive import tenant_tables

    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t).where(t.c.client_id == client_id))
            for t in tenant_tables(db.metadata)}


def _wipe(app: Any) -> None:
    from app.extensions import db

    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture()
def two_clients(app: Any, clock: Any) -> tuple[Seeded, Seeded]:
    with app.app_context():
        return _seed(app, "ALPHA"), _seed(app, "BETA")


def _export(app: Any, code: str, to: Path) -> Any:
    from app import services
    from app.offboarding import services as offboarding
    from app.uow import command_unit_of_work

    with app.app_context(), command_unit_of_work():
        return offboarding.export_client(services.Actor(label="cli:test"), services.client_by_code(code), to,
                                         T0 + timedelta(hours=1))


def test_the_archive_lists_every_file_with_its_size_and_sha256_and_holds_each_table_as_json_and_csv(
        app: Any, two_clients: tuple[Seeded, Seeded], tmp_path: Path) -> None:
    from app.offboarding.archive import read_manifest, sha256_path

    alpha, _ = two_clients
    result = _export(app, "ALPHA", tmp_path)
    manifest = json.loads((result.directory / "manifest.json").read_text())
    assert manifest["client_code"] == "ALPHA" and manifest["created_by"] == "cli:test"
    assert manifest["created_at"] == "2026-11-16T10:00:00+00:00" and manifest["schema_revision"]
    assert manifest["tables"]["contracts"] == 1 and manifest["tables"]["fines"] == 2
    assert manifest["tables"]["fine_events"] == 1 and manifest["tables"]["tickets"] == 1
    assert manifest["tables"]["ticket_events"] >= 1 and manifest["tables"]["intake_messages"] == 1
    assert manifest["tables"]["clients"] == 1 and manifest["tables"]["users"] == 1
    assert manifest["tables"]["client_offboardings"] == 1 and manifest["tables"]["audit_log"] >= 2
    paths = {f["path"] for f in manifest["files"]}
    assert {f"files/{p}" for p in alpha.blobs[:3]} <= paths  # the raw mail, the PDF, the original picture
    assert {"tables/fines.json", "tables/fines.csv", "tables/contracts.csv", "tables/audit_log.json"} <= paths
    for entry in manifest["files"]:
        path = result.directory / entry["path"]
        assert path.stat().st_size == entry["size"] and sha256_path(path) == entry["sha256"]
    read_manifest(result.directory)  # the product's own check agrees
    with zipfile.ZipFile(result.zip_path) as zipped:
        assert set(zipped.namelist()) == paths | {"manifest.json"}
    csv_lines = (result.directory / "tables" / "contracts.csv").read_text().splitlines()
    assert csv_lines[0].startswith("id,") and "Driver Alpha" in csv_lines[1]
    assert "BETA" not in (result.directory / "tables" / "fines.json").read_text()


def test_a_changed_file_in_the_archive_is_refused_by_its_sha256(
        app: Any, two_clients: tuple[Seeded, Seeded], tmp_path: Path) -> None:
    from app.offboarding.archive import ArchiveError, read_manifest

    result = _export(app, "ALPHA", tmp_path)
    (result.directory / "tables" / "contracts.json").write_text("[]")
    with pytest.raises(ArchiveError, match=r"contracts\.json"):
        read_manifest(result.directory)


def test_the_archive_reimported_into_an_empty_database_gives_the_same_rows_and_files(
        app: Any, two_clients: tuple[Seeded, Seeded], tmp_path: Path) -> None:
    from app import services
    from app.extensions import db
    from app.fleet.models import Contract
    from app.offboarding import services as offboarding
    from app.offboarding.archive import client_rows, withheld
    from app.uow import command_unit_of_work

    alpha, _ = two_clients
    result = _export(app, "ALPHA", tmp_path / "out")
    with app.app_context():
        before = withheld(client_rows(db.session, db.metadata, alpha.client_id))
        _wipe(app)
        assert sum(_counts(app).values()) == 0
    for relative in alpha.blobs[:3]:
        (Path(app.config["DATA_DIR"]) / relative).unlink()
    with app.app_context(), command_unit_of_work():
        client, _ = offboarding.import_archive(services.Actor(label="cli:test"), result.zip_path, tmp_path / "w")
        client_id = client.id
    with app.app_context():
        after = client_rows(db.session, db.metadata, client_id)
        after["audit_log"] = [r for r in after["audit_log"] if r["action"] != "client.imported"]
        assert after.keys() == before.keys()
        for table, rows in before.items():
            assert after[table] == rows, table  # row by row, every column (password hashes withheld)
        assert {u["password_hash"] for u in after["users"]} == {"!withheld"}
        for relative in alpha.blobs[:3]:
            assert (Path(app.config["DATA_DIR"]) / relative).is_file()
        # the ids came back as they were, and new rows still get fresh ones (PostgreSQL's sequences moved on)
        db.session.add(Contract(client_id=client_id, contract_number="ALPHA-0002", plate="2ABC123",
                                plate_country="BE", start_date=date(2026, 2, 1), instruction="redirect"))
        db.session.commit()


def test_the_archive_withholds_password_hashes_and_a_restored_user_cannot_sign_in_with_the_old_password(
        app: Any, two_clients: tuple[Seeded, Seeded], tmp_path: Path) -> None:
    from app.security import verify_password

    result = _export(app, "ALPHA", tmp_path / "out")
    users = json.loads((result.directory / "tables" / "users.json").read_text(encoding="utf-8"))
    assert users and {u["password_hash"] for u in users} == {"!withheld"}
    assert "argon2" not in (result.directory / "tables" / "users.csv").read_text(encoding="utf-8")
    assert not verify_password("!withheld", support.PASSWORD)


def test_importing_a_client_that_exists_is_refused(app: Any, two_clients: tuple[Seeded, Seeded],
                                                   tmp_path: Path) -> None:
    from app import services
    from app.offboarding import services as offboarding

    result = _export(app, "ALPHA", tmp_path)
    with app.app_context(), pytest.raises(services.ServiceError, match="exists already"):
        offboarding.import_archive(services.Actor(label="cli:test"), result.directory, tmp_path / "w")


def _purge(app: Any, code: str, now: datetime, *, force: bool = False) -> Any:
    from app import services
    from app.offboarding import services as offboarding
    from app.uow import command_unit_of_work

    with app.app_context():
        with command_unit_of_work():
            result = offboarding.purge_client(services.Actor(label="cli:test"), services.client_by_code(code), now,
                                              force=force)
        offboarding.remove_files(result.files)
        certificate = result.certificate
        return {c.name: getattr(certificate, c.name) for c in certificate.__table__.c}


def _start(app: Any, code: str, now: datetime) -> None:
    from app import services
    from app.offboarding import services as offboarding
    from app.uow import command_unit_of_work

    with app.app_context(), command_unit_of_work():
        offboarding.start_offboarding(services.Actor(label="cli:test"), services.client_by_code(code), now)


def test_purge_is_refused_before_off_boarding_starts_and_before_the_grace_period_ends(
        app: Any, two_clients: tuple[Seeded, Seeded]) -> None:
    import click

    with pytest.raises(click.ClickException, match="Start off-boarding of ALPHA first"):
        _purge(app, "ALPHA", T0)
    _start(app, "ALPHA", T0)
    with pytest.raises(click.ClickException, match="grace period of ALPHA ends on 2026-12-16"):
        _purge(app, "ALPHA", T0 + timedelta(days=29, hours=23))
    result = _purge(app, "ALPHA", T0 + timedelta(days=30))
    assert result["client_code"] == "ALPHA" and not result["forced"]


def test_the_grace_period_is_configurable(app: Any, two_clients: tuple[Seeded, Seeded]) -> None:
    import click

    _start(app, "ALPHA", T0)
    app.config["PURGE_GRACE_DAYS"] = 7
    try:
        with pytest.raises(click.ClickException, match="ends on 2026-11-23"):
            _purge(app, "ALPHA", T0 + timedelta(days=6))
        _purge(app, "ALPHA", T0 + timedelta(days=7))
    finally:
        app.config["PURGE_GRACE_DAYS"] = 30


def test_purge_removes_every_row_and_blob_of_the_client_and_leaves_the_other_untouched(
        app: Any, two_clients: tuple[Seeded, Seeded]) -> None:
    from app.extensions import db
    from app.offboarding.archive import walk_files
    from app.storage import sha256_of

    alpha, beta = two_clients
    data_dir = Path(app.config["DATA_DIR"])
    with app.app_context():
        beta_before = _client_counts(beta.client_id)
        alpha_before = _client_counts(alpha.client_id)
        sessions_before = db.session.scalar(sa.text("SELECT count(*) FROM user_sessions"))
    with app.app_context():  # an operator-wide entry made by ALPHA's user keeps the fact, not the e-mail
        from app import services
        from app.models import User

        manager = db.session.scalars(sa.select(User).where(User.client_id == alpha.client_id)).one()
        services.record(services.Actor.of(manager), "user.password_changed", client_id=None)
        db.session.commit()
    beta_files = {p: (data_dir / p).read_bytes() for p in beta.blobs}
    alpha_hashes = {sha256_of((data_dir / p).read_bytes()) for p in alpha.blobs}
    certificate = _purge(app, "ALPHA", T0, force=True)
    with app.app_context():
        for table in db.metadata.sorted_tables:  # table by table over the whole metadata
            if "client_id" in table.c:
                left = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                         .where(table.c.client_id == alpha.client_id))
                assert left == 0, table.name
        assert db.session.scalar(sa.text("SELECT count(*) FROM clients WHERE code = 'ALPHA'")) == 0
        assert db.session.scalar(sa.text("SELECT count(*) FROM user_sessions")) == sessions_before - 1
        assert _client_counts(beta.client_id) == beta_before
        labels = db.session.scalars(sa.text("SELECT actor_label FROM audit_log WHERE action = 'user.password_changed'"))
        assert list(labels) == ["purged-user"]
        everything = str([db.session.execute(sa.select(t)).all() for t in db.metadata.sorted_tables])
        assert [p for p in alpha.personal if p in everything] == []  # no name, e-mail or address left anywhere
        removed = certificate["rows_removed"]
        assert certificate["forced"] and removed["fines"] == 2
        assert removed["user_sessions"] == 1 and removed["clients"] == 1
        assert all(removed.get(t, 0) == n for t, n in alpha_before.items() if t != "audit_log")
    # blob by blob: no file of the purged client anywhere under the data directory
    for path in walk_files(data_dir):
        if path.parts[len(data_dir.parts)] in {"mail", "pdf", "previews"}:
            assert sha256_of(path.read_bytes()) not in alpha_hashes, path
    for relative, data in beta_files.items():
        assert (data_dir / relative).read_bytes() == data  # the other client's blobs stay
    assert any((data_dir / "pdf").rglob(f"{sha256_of(SHARED_PDF)}.pdf"))  # still named by the other client
    assert certificate["blobs_removed"] == 3


def _queue_mail(app: Any, to: str, *, sent: bool) -> None:
    from email.message import EmailMessage

    from app.extensions import db
    from app.mail import send_after_commit
    from app.models import OutboxMail

    with app.app_context():
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "desk@fleetdesk.test", to, f"Reminder for {to}"
        message.set_content("Three fines wait for a driver's address.")
        send_after_commit(message, what="test")
        db.session.flush()
        db.session.info.pop("fleetdesk.outbox", None)  # kept as a row only: no SMTP server in this test
        if sent:
            db.session.execute(sa.update(OutboxMail).where(OutboxMail.sent_at.is_(None)).values(sent_at=T0))
        db.session.commit()


def test_purge_removes_the_outbox_mail_to_the_clients_users_and_senders_and_keeps_the_others(
        app: Any, two_clients: tuple[Seeded, Seeded]) -> None:
    from app.extensions import db
    from app.models import OutboxMail

    alpha, _beta = two_clients
    _queue_mail(app, "fleet.manager@alpha.test", sent=True)  # a reminder, sent
    _queue_mail(app, "Police <police@alpha-forwarder.test>", sent=False)  # not yet sent
    _queue_mail(app, "fleet.manager@beta.test", sent=False)
    with app.app_context():
        from fines.models import IntakeMessage

        message = db.session.scalars(sa.select(IntakeMessage).where(IntakeMessage.client_id == alpha.client_id)).one()
        message.sender = "police@alpha-forwarder.test"  # the address intake replied to
        db.session.commit()
    certificate = _purge(app, "ALPHA", T0, force=True)
    with app.app_context():
        left = [bytes(m) for m in db.session.scalars(sa.select(OutboxMail.message))]
    assert certificate["rows_removed"]["outbox"] == 2
    assert len(left) == 1 and b"fleet.manager@beta.test" in left[0]
    assert not [m for m in left if b"alpha" in m.lower()]


@pytest.fixture()
def backup_dirs(app: Any, tmp_path: Path) -> Any:
    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    yield
    app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def test_the_certificate_keeps_no_personal_data_and_says_until_when_backups_hold_it(
        app: Any, two_clients: tuple[Seeded, Seeded], backup_dirs: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from app.offboarding.models import PurgeCertificate
    from backups import services as backups
    from backups.policy import Tier

    alpha, _ = two_clients
    with app.app_context():  # a real backup, taken on Friday 13 November: dc-db keeps it 30 days
        backups.run_backup(app.config, db.engine, Tier.DC_DB, T0 - timedelta(days=3), work_calendar())
    _start(app, "ALPHA", T0)
    _purge(app, "ALPHA", T0, force=True)
    with app.app_context():
        certificate = db.session.scalars(sa.select(PurgeCertificate)).one()
        assert certificate.backups_expire_on == date(2026, 12, 13)  # 13 November + 30 days (dc-db)
        assert certificate.purged_by == "cli:test" and certificate.offboarding_started_at == T0
        stored = json.dumps({c.name: str(getattr(certificate, c.name)) for c in PurgeCertificate.__table__.c})
        for personal in alpha.personal:
            assert personal not in stored
        audit = db.session.scalars(sa.text("SELECT details FROM audit_log WHERE action = 'client.purged'")).all()
        assert audit and all(p not in str(audit) for p in alpha.personal)


def test_without_backups_the_certificate_has_no_horizon(app: Any, two_clients: tuple[Seeded, Seeded],
                                                        backup_dirs: Any) -> None:
    assert _purge(app, "ALPHA", T0, force=True)["backups_expire_on"] is None

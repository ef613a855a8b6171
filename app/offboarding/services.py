"""Off-boarding operations: start it, export the client's archive, purge the client after the grace period.

Services flush; the caller commits once (``app.uow``) and then removes the purged files
(``remove_files``), so a rolled-back purge never loses a blob its rows still name.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import blobs
from app.extensions import db
from app.mail import forget_mail_to
from app.models import AuditEntry, Client
from app.offboarding import archive
from app.offboarding.models import ClientOffboarding, PurgeCertificate
from app.retention import backup_horizon
from app.services import Actor, ServiceError, record

logger = logging.getLogger(__name__)

#: Hooks run by the purge before the rows go (a search index removes the client's documents here).
PurgeHook = Any
_HOOKS_KEY = "fleetdesk.purge_hooks"
PURGED_ACTOR = "purged-user"  # the actor label left on other clients' audit entries by a purged user


def on_client_purge(app: Any, fn: PurgeHook) -> None:
    """Register ``fn(client_id)``, called during a purge: a search index drops the client's entries.

    There is no search index yet; this is where one plugs in.
    """
    app.extensions.setdefault(_HOOKS_KEY, []).append(fn)


def actor_ref(actor: Actor) -> str:
    """Who acted, without personal data: ``user:<id>`` for a person, the command's label for a shell."""
    return f"user:{actor.user_id}" if actor.user_id is not None else actor.label[:64]


def offboarding_of(client: Client) -> ClientOffboarding | None:
    """The client's off-boarding record, when off-boarding started."""
    return db.session.scalar(sa.select(ClientOffboarding).where(ClientOffboarding.client_id == client.id))


def start_offboarding(actor: Actor, client: Client, now: datetime) -> ClientOffboarding:
    """Start off-boarding (the grace period before a purge runs from now); starting again changes nothing."""
    existing = offboarding_of(client)
    if existing is not None:
        return existing
    row = ClientOffboarding(client_id=client.id, started_at=now, started_by=actor_ref(actor))
    db.session.add(row)
    record(actor, "client.offboarding_started", client)
    db.session.flush()
    return row


def export_client(actor: Actor, client: Client, to: str | Path, now: datetime) -> archive.ExportResult:
    """Write the client's off-boarding archive under ``to`` and note the export (it starts off-boarding)."""
    row = start_offboarding(actor, client, now)
    row.exported_at = now
    row.exported_by = actor_ref(actor)
    record(actor, "client.exported", client)
    db.session.flush()
    return archive.write_archive(db.session, db.metadata, client.id, client.code, blobs.store(), to,
                                 by=actor_ref(actor), now=now)


def purge_allowed_from(client: Client, grace_days: int) -> datetime | None:
    """The first instant a purge is allowed without ``--now``; None while off-boarding has not started."""
    row = offboarding_of(client)
    return None if row is None else row.started_at + timedelta(days=grace_days)


@dataclass(frozen=True)
class PurgeResult:
    """The certificate kept, and the blobs to remove once the purge is committed (their keys)."""

    certificate: PurgeCertificate
    files: tuple[str, ...]


def purge_client(actor: Actor, client: Client, now: datetime, *, force: bool = False) -> PurgeResult:
    """Remove the client everywhere and keep a purge certificate; refused before the grace period ends.

    Every row of every table with a ``client_id`` column goes (children first), rows of other tables
    that refer to them are emptied (nullable references: an outage's ticket) or removed (the client
    users' sessions), then the client's own row. Blobs no remaining row names are returned to remove.
    """
    grace = int(current_app.config["PURGE_GRACE_DAYS"])
    offboarding = offboarding_of(client)
    allowed = purge_allowed_from(client, grace)
    if not force and allowed is None:
        raise ServiceError(_l("Start off-boarding of %(code)s first: the purge waits %(days)s days after it.",
                              code=client.code, days=grace))
    if not force and allowed is not None and now < allowed:
        raise ServiceError(_l("The grace period of %(code)s ends on %(date)s: the purge is refused before then.",
                              code=client.code, date=allowed.date().isoformat()))
    started = offboarding.started_at if offboarding else None
    exported = offboarding.exported_at if offboarding else None
    for hook in current_app.extensions.get(_HOOKS_KEY, []):
        hook(client.id)
    files, removed = _remove_rows(client.id)
    store = blobs.store()
    sizes = [size for size in (store.size(key) for key in files) if size is not None]
    certificate = PurgeCertificate(
        client_code=client.code, offboarding_started_at=started, exported_at=exported, purged_at=now,
        purged_by=actor_ref(actor), forced=force and (allowed is None or now < allowed), rows_removed=removed,
        blobs_removed=len(sizes), blob_bytes_removed=sum(sizes),
        backups_expire_on=backup_horizon(current_app._get_current_object(), now),  # type: ignore[attr-defined]
        schema_revision=archive.schema_revision(db.session))
    db.session.add(certificate)
    db.session.flush()
    record(actor, "client.purged", certificate, client_id=None, code=client.code)
    db.session.flush()
    return PurgeResult(certificate, tuple(files))


def _remove_rows(client_id: int) -> tuple[list[str], dict[str, int]]:
    metadata = db.metadata
    tables = archive.tenant_tables(metadata)
    ids = {t.name: _ids(t, t.c.client_id == client_id) for t in tables}
    clients = metadata.tables["clients"]
    ids["clients"] = {client_id}
    keys: set[str] = set()
    for table in tables:
        for column in archive.blob_columns(table):
            keys.update(v for v in db.session.scalars(
                sa.select(column).where(table.c.client_id == client_id, column.is_not(None), column != "")))
    removed: dict[str, int] = {}
    mails = forget_mail_to(_addresses_of(metadata, client_id))
    if mails:
        removed["outbox"] = mails
    _forget_actors(ids.get("users", set()), client_id)
    _release_references(metadata, ids, client_id, removed)
    for table in reversed(tables):
        count = _count(db.session.execute(table.delete().where(table.c.client_id == client_id)))
        if count:
            removed[table.name] = removed.get(table.name, 0) + count
    db.session.execute(clients.delete().where(clients.c.id == client_id))
    removed["clients"] = 1
    db.session.flush()
    return sorted(key for key in keys if not _still_named(metadata, key)), removed


def _count(result: Any) -> int:
    """The rows a DELETE removed."""
    return int(result.rowcount)


def _ids(table: sa.Table, where: Any) -> set[Any]:
    key = next(iter(table.primary_key.columns))
    return set(db.session.scalars(sa.select(key).where(where)))


def _release_references(metadata: sa.MetaData, ids: dict[str, set[Any]], client_id: int,
                        removed: dict[str, int]) -> None:
    """Empty or remove the rows outside the client (and its own self-references) that point at its rows."""
    for table in reversed(metadata.sorted_tables):
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target not in ids or not ids[target] or fk.parent.name == "client_id":
                continue
            where = fk.parent.in_(sorted(ids[target]))
            if "client_id" in table.c and table.name not in {"clients", target}:
                where = sa.and_(where, sa.or_(table.c.client_id.is_(None), table.c.client_id != client_id))
            if fk.parent.nullable:
                db.session.execute(table.update().where(where).values({fk.parent.name: None}))
            elif table.name not in ids:
                count = _count(db.session.execute(table.delete().where(where)))
                if count:
                    removed[table.name] = removed.get(table.name, 0) + count


def _addresses_of(metadata: sa.MetaData, client_id: int) -> set[str]:
    """Whom the client's mail went to: its users, and the senders its fines arrived from (intake's replies)."""
    users = metadata.tables["users"]
    found = set(db.session.scalars(sa.select(users.c.email).where(users.c.client_id == client_id)))
    messages = metadata.tables.get("intake_messages")
    if messages is not None:
        found.update(db.session.scalars(sa.select(messages.c.sender).distinct().where(
            messages.c.client_id == client_id, messages.c.sender.is_not(None))))
    return found


def _forget_actors(user_ids: set[Any], client_id: int) -> None:
    """Audit entries outside the client that its users made keep the fact, not the person's e-mail."""
    if user_ids:
        db.session.execute(sa.update(AuditEntry).where(
            AuditEntry.actor_id.in_(sorted(user_ids)),
            sa.or_(AuditEntry.client_id.is_(None), AuditEntry.client_id != client_id),
        ).values(actor_label=PURGED_ACTOR, actor_id=None))


def _still_named(metadata: sa.MetaData, path: str) -> bool:
    """Whether a remaining row (another client's fine with the same letter) still names the blob."""
    for table in archive.tenant_tables(metadata):
        for column in archive.blob_columns(table):
            if db.session.execute(sa.select(sa.literal(1)).select_from(table).where(column == path).limit(1)).first():
                return True
    return False


def _previews(data_dir: Path, keys: tuple[str, ...]) -> list[Path]:
    """This node's cached page images of the removed PDFs (``previews/ab/<sha256>-<page>.png``)."""
    found: list[Path] = []
    for key in keys:
        digest = Path(key).name.split(".")[0]
        found.extend(sorted((data_dir / "previews" / digest[:2]).glob(f"{digest}-*.png")))
    return found


def remove_files(keys: tuple[str, ...]) -> int:
    """Remove the purged blobs once the purge is committed (and this node's page images); return how many."""
    store = blobs.store()
    count = sum(1 for key in keys if store.delete(key))
    for path in _previews(Path(current_app.config["DATA_DIR"]), keys):
        path.unlink(missing_ok=True)
    return count


def certificates() -> list[PurgeCertificate]:
    """Every purge certificate, newest first."""
    return list(db.session.scalars(sa.select(PurgeCertificate).order_by(PurgeCertificate.purged_at.desc(),
                                                                        PurgeCertificate.id.desc())))


def import_archive(actor: Actor, source: str | Path, work_dir: str | Path) -> tuple[Client, dict[str, int]]:
    """Restore a handed-back archive (its zip or its directory) into this database and data directory."""
    try:
        directory = archive.unpack(source, work_dir)
        counts = archive.import_archive(db.session, db.metadata, directory, blobs.store())
    except archive.ArchiveError as exc:
        raise ServiceError(_l("The archive cannot be imported: %(problem)s", problem=str(exc))) from exc
    client = db.session.scalars(sa.select(Client).where(Client.code == archive.read_manifest(directory)
                                                        ["client_code"])).one()
    record(actor, "client.imported", client, rows=sum(counts.values()))
    db.session.flush()
    return client, counts

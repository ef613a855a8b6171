"""The off-boarding archive: everything of one client as JSON and CSV per table, its files, and a manifest.

Layout (a directory, and the same tree zipped beside it as ``<name>.zip``)::

    manifest.json            format, client code, when, by whom, schema revision, row counts, and
                             every other file's path, size and sha256
    tables/<table>.json      the client's rows of every table with a ``client_id`` column (found from
    tables/<table>.csv       the metadata, so a table added later is included), ``clients`` (its own
                             row) and the shared rows they refer to (``assistance_providers``)
    files/<kind>/ab/cd/...   the blobs the rows name (raw mails, PDFs, originals), as stored

Values are JSON: instants in ISO 8601 with their offset, dates ISO, enumerations their stored value.
``import_archive`` reads it back into a database where the client does not exist (a handed-back
archive restored): it checks every sha256 first, keeps the ids, and leaves references to staff
users it does not hold empty. Password hashes are not handed back (``WITHHELD``): restored users
need a new password.
"""
from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.storage import BlobCorrupt, BlobMissing, BlobStore

FORMAT = "fleetdesk-offboarding/1"
MANIFEST = "manifest.json"
BLOB_SUFFIX = "_path"  # a String column named *_path in a tenant table holds a blob's relative path


class ArchiveError(RuntimeError):
    """The archive cannot be read or restored (a wrong sha256, a client that exists, a missing file)."""


@dataclass(frozen=True)
class ExportResult:
    """Where the archive went, and what it holds."""

    directory: Path
    zip_path: Path
    rows: dict[str, int]
    files: int
    file_bytes: int


def tenant_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """Every table holding a client's rows (a ``client_id`` column), parents before children."""
    return [t for t in metadata.sorted_tables if "client_id" in t.c and t.name != "clients"]


def blob_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns of ``table`` naming a stored blob by its path under the data directory."""
    return [c for c in table.c if c.name.endswith(BLOB_SUFFIX) and isinstance(c.type, sa.String)]


def schema_revision(session: Any) -> str | None:
    """The Alembic revision of the database, when it has one."""
    try:
        with session.begin_nested():
            return session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DatabaseError:
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


#: How a JSON value becomes the column's Python value again, by the column's Python type.
_FROM_JSON: dict[type, Any] = {datetime: datetime.fromisoformat, date: date.fromisoformat, Decimal: Decimal,
                               bytes: bytes.fromhex}


def _typed(column: sa.Column[Any], value: Any) -> Any:
    kind = column.type
    if value is None or isinstance(kind, sa.JSON):
        return value
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    convert = _FROM_JSON.get(_python_type(kind) or object)
    return value if convert is None else convert(value)


def _python_type(kind: Any) -> type | None:
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    try:
        python: type = kind.python_type
        return python
    except NotImplementedError:  # SQLAlchemy types without a Python type (JSON, custom ones): taken as they are
        return None


def _rows(session: Any, table: sa.Table, where: Any) -> list[dict[str, Any]]:
    order = [c for c in table.primary_key.columns]
    result = session.execute(sa.select(table).where(where).order_by(*order))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in result]


def client_rows(session: Any, metadata: sa.MetaData, client_id: int) -> dict[str, list[dict[str, Any]]]:
    """The client's rows of every table, keyed by table name (``clients`` first, then parents first)."""
    clients = metadata.tables["clients"]
    out: dict[str, list[dict[str, Any]]] = {"clients": _rows(session, clients, clients.c.id == client_id)}
    tables = tenant_tables(metadata)
    for table in tables:
        out[table.name] = _rows(session, table, table.c.client_id == client_id)
    for name, rows in _referenced_shared_rows(session, tables, out).items():
        out[name] = rows
    return out


def _referenced_shared_rows(session: Any, tables: list[sa.Table],
                            out: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Rows of tables without a client (``assistance_providers``) that the client's rows refer to."""
    tenant_names = {t.name for t in tables} | {"clients"}
    wanted: dict[str, set[Any]] = {}
    for table in tables:
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name in tenant_names:
                continue
            values = {r[fk.parent.name] for r in out[table.name] if r[fk.parent.name] is not None}
            wanted.setdefault(target.name, set()).update(values)
    shared: dict[str, list[dict[str, Any]]] = {}
    metadata = tables[0].metadata if tables else None
    for name, ids in sorted(wanted.items()):
        if metadata is None or not ids:
            continue
        target = metadata.tables[name]
        key = next(iter(target.primary_key.columns))
        shared[name] = _rows(session, target, key.in_(sorted(ids)))
    return shared


def blob_paths(metadata: sa.MetaData, rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The blobs (paths relative to the data directory) the exported rows name."""
    paths: set[str] = set()
    for table in tenant_tables(metadata):
        for column in blob_columns(table):
            paths.update(r[column.name] for r in rows.get(table.name, []) if r.get(column.name))
    return sorted(paths)


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else ("" if v is None else v)
                         for v in (row.get(c) for c in columns)])
    return buffer.getvalue()


def sha256_path(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: Secrets that are not the client's data and must not leave the operator: (table, column) -> what is
#: written instead. A password hash handed back could be attacked offline; ``!withheld`` is no valid
#: hash, so a restored user signs in only after an administrator sets a new password.
WITHHELD: dict[tuple[str, str], str] = {("users", "password_hash"): "!withheld"}


def withheld(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The rows with the ``WITHHELD`` secrets replaced by their markers."""
    out = dict(rows)
    for (table, column), marker in WITHHELD.items():
        if table in out:
            out[table] = [{**row, column: marker} if column in row else row for row in out[table]]
    return out


def write_archive(session: Any, metadata: sa.MetaData, client_id: int, client_code: str, store: BlobStore,
                  to: str | Path, *, by: str, now: datetime) -> ExportResult:
    """Write the client's archive under ``to``: the directory ``<code>-offboarding-<stamp>`` and its ``.zip``."""
    rows = withheld(client_rows(session, metadata, client_id))
    name = f"{client_code}-offboarding-{now:%Y%m%dT%H%M%SZ}"
    directory = Path(to) / name
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "tables").mkdir(parents=True)
    for table_name, table_rows in rows.items():
        columns = [c.name for c in metadata.tables[table_name].c]
        (directory / "tables" / f"{table_name}.json").write_text(
            json.dumps(table_rows, ensure_ascii=False, indent=1), encoding="utf-8")
        (directory / "tables" / f"{table_name}.csv").write_text(_csv_text(table_rows, columns), encoding="utf-8")
    missing = []
    for key in blob_paths(metadata, rows):
        try:
            data = store.get(key)  # checked against its sha256: a corrupt blob is listed as missing
        except (BlobMissing, BlobCorrupt, ValueError):
            missing.append(key)
            continue
        target = directory / "files" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    files = [_file_entry(directory, path) for path in sorted(directory.rglob("*")) if path.is_file()]
    manifest = {"format": FORMAT, "client_code": client_code, "created_at": now.isoformat(), "created_by": by,
                "schema_revision": schema_revision(session),
                "tables": {k: len(v) for k, v in rows.items()}, "missing_files": missing, "files": files}
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    zip_path = Path(to) / f"{name}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    blobs = [f for f in files if f["path"].startswith("files/")]
    return ExportResult(directory, zip_path, {k: len(v) for k, v in rows.items()}, len(blobs),
                        sum(int(f["size"]) for f in blobs))


def _file_entry(directory: Path, path: Path) -> dict[str, Any]:
    return {"path": path.relative_to(directory).as_posix(), "size": path.stat().st_size, "sha256": sha256_path(path)}


# --- reading it back --------------------------------------------------------------------------

def unpack(archive: str | Path, into: str | Path) -> Path:
    """The archive's directory: ``archive`` itself when it is one, else its zip unpacked under ``into``."""
    source = Path(archive)
    if source.is_dir():
        return source
    if not source.is_file():
        raise ArchiveError(f"no archive at {source}")
    target = Path(into) / source.stem
    try:
        with zipfile.ZipFile(source) as zipped:
            for member in zipped.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise ArchiveError(f"unsafe path in the archive: {member!r}")
            zipped.extractall(target)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{source.name} is neither a zip file nor an archive directory") from exc
    return target


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, after checking every file it lists against its size and sha256."""
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"not an off-boarding archive ({manifest.get('format')!r})")
    for entry in manifest["files"]:
        path = directory / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["size"] or sha256_path(path) != entry["sha256"]:
            raise ArchiveError(f"{entry['path']} does not match the manifest")
    return manifest


def import_archive(session: Any, metadata: sa.MetaData, directory: Path, store: BlobStore) -> dict[str, int]:
    """Restore a checked archive: its rows (parents first) and its files, into ``store``; return rows per table.

    Files put before a failure that rolls the rows back are left to the orphan sweep (no row names them).

    A row keeps its id when that id is free (always, in an empty database); otherwise it gets a new
    one and the references to it are rewritten, so an archive also goes back into a live database.
    """
    manifest = read_manifest(directory)
    clients = metadata.tables["clients"]
    if session.execute(sa.select(clients.c.id).where(clients.c.code == manifest["client_code"])).first():
        raise ArchiveError(f"client {manifest['client_code']} exists already")
    tables = {name: json.loads((directory / "tables" / f"{name}.json").read_text(encoding="utf-8"))
              for name in manifest["tables"]}
    counts: dict[str, int] = {}
    new_ids: dict[str, dict[Any, Any]] = {}
    for table in metadata.sorted_tables:
        if table.name in tables:
            _reset_sequences(session, [table])
            counts[table.name] = _insert_rows(session, table, tables[table.name], new_ids)
    _copy_files(directory, manifest, store)
    _reset_sequences(session, [metadata.tables[name] for name in counts])
    return counts


def _insert_rows(session: Any, table: sa.Table, rows: list[dict[str, Any]],
                 new_ids: dict[str, dict[Any, Any]]) -> int:
    shared = "client_id" not in table.c and table.name != "clients"
    key = next(iter(table.primary_key.columns))
    mapping = new_ids.setdefault(table.name, {})
    inserted = 0
    for row in rows:
        taken = session.execute(sa.select(key).where(key == row[key.name])).first() is not None
        if shared and taken:
            continue  # a shared row (a provider) that this database holds already
        values = {c.name: _typed(c, row.get(c.name)) for c in table.c if c.name in row}
        for fk in table.foreign_keys:
            values[fk.parent.name] = _reference(session, fk, values.get(fk.parent.name), new_ids)
        if taken:
            old = values.pop(key.name)
            mapping[old] = session.execute(table.insert().values(**values).returning(key)).scalar_one()
        else:
            session.execute(table.insert().values(**values))
        inserted += 1
    session.flush()
    return inserted


def _reference(session: Any, fk: sa.ForeignKey, value: Any, new_ids: dict[str, dict[Any, Any]]) -> Any:
    """The reference, rewritten when its row got a new id; None for a staff user this database lacks."""
    if value is None:
        return None
    value = new_ids.get(fk.column.table.name, {}).get(value, value)
    if not fk.parent.nullable:
        return value
    target = fk.column
    found = session.execute(sa.select(target).where(target == value)).first()
    return value if found else None


def _copy_files(directory: Path, manifest: dict[str, Any], store: BlobStore) -> None:
    """Put the archive's files back in the store (a put checks the bytes against the sha256 the key names)."""
    for entry in manifest["files"]:
        if not entry["path"].startswith("files/"):
            continue
        store.put(entry["path"].removeprefix("files/"), (directory / entry["path"]).read_bytes())


def _reset_sequences(session: Any, tables: Iterable[sa.Table]) -> None:
    """Move PostgreSQL's id sequences past the ids the archive brought."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        key = next(iter(table.primary_key.columns))
        if not isinstance(key.type, sa.Integer):
            continue
        session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key.name}'),"
            f" GREATEST((SELECT MAX({key.name}) FROM \"{table.name}\"), 1))"))


def walk_files(root: str | Path) -> Iterator[Path]:
    """Every file under ``root`` (tests and the purge check blobs with it)."""
    yield from (p for p in sorted(Path(root).rglob("*")) if p.is_file())

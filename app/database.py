"""Engine-level settings per database kind."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine_events(engine: Engine) -> None:
    """Make SQLite enforce foreign keys and allow concurrent readers (WAL) like PostgreSQL would."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def bulk_update(session: Any, table: Any, rows: list[dict[str, Any]], key: str = "id") -> None:
    """Update many rows by primary key in few round trips.

    PostgreSQL: COPY the new values into a temporary table, then one ``UPDATE ... FROM``
    (executemany costs a round trip per row there). SQLite: executemany, which is in-process.
    Values must already be what the column stores (aware datetimes, dates, ints, strings).
    """
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    if session.get_bind().dialect.name != "postgresql":
        stmt = table.update().where(table.c[key] == sa.bindparam("_key")).values(
            {name: sa.bindparam(name) for name in columns})
        session.execute(stmt, [{**{k: v for k, v in row.items() if k != key}, "_key": row[key]} for row in rows])
        return
    names = [key, *columns]
    quoted = ", ".join(f'"{n}"' for n in names)
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(f'CREATE TEMP TABLE _bulk ON COMMIT DROP AS SELECT {quoted} FROM "{table.name}" WITH NO DATA')
        with cursor.copy(f"COPY _bulk ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[n] for n in names))
        assignments = ", ".join(f'"{n}" = _bulk."{n}"' for n in columns)
        cursor.execute(f'UPDATE "{table.name}" SET {assignments} FROM _bulk WHERE "{table.name}"."{key}" = _bulk."{key}"')
        cursor.execute("DROP TABLE _bulk")
    finally:
        cursor.close()


def bulk_insert(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    quoted = ", ".join(f'"{n}"' for n in names)
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(row[n] for n in names))
    finally:
        cursor.close()

"""Engine-level settings per database kind."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def configure_engine_events(engine: Engine) -> None:
    """Make SQLite enforce foreign keys and allow concurrent readers (WAL) like PostgreSQL would; size its caches."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # A page cache of 64 MiB per connection (the default is 2 MiB) and reads through a memory map:
            # a list over a million fines walks its indexes in memory, not through a read() per page.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.execute("PRAGMA temp_store=MEMORY")  # sorts and temporary indexes stay off the disk
        cursor.close()


class utc_day(FunctionElement[Any]):
    """The UTC calendar day of a timestamp column, shifted by ``days`` (a constant), as SQL.

    ``utc_day(Fine.offence_at, 1)``: PostgreSQL ``CAST(timezone('UTC', x) AS DATE) + 1``; SQLite
    ``date(substr(x, 1, 10), '+1 days')`` (SQLite stores naive UTC text, see ``app.db.UTCDateTime``).
    Compare it with a ``Date`` column to narrow a join by day in SQL; Brussels' local day is the UTC
    day or the next.
    """

    type = sa.Date()
    name = "utc_day"
    inherit_cache = True

    def __init__(self, column: Any, days: int = 0) -> None:
        self.days = int(days)
        super().__init__(column)


@compiles(utc_day)
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    shifted = f" + {element.days:d}" if element.days else ""
    return f"(CAST(timezone('UTC', {column}) AS DATE){shifted})"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    # The stored text starts with the day; date() on the whole of it would round microseconds to
    # milliseconds and carry 23:59:59.9995 into the next day.
    return f"date(substr({column}, 1, 10), '{element.days:+d} days')"


class brussels_day(FunctionElement[Any]):
    """The Brussels-local calendar day of a timestamp column, as SQL (``local_date`` of the fines' rules).

    PostgreSQL: ``CAST(timezone('Europe/Brussels', x) AS DATE)``. SQLite stores naive UTC text and
    knows no zones: the EU rule is written out (summer time, UTC+2, from the last Sunday of March
    01:00 UTC to the last Sunday of October 01:00 UTC; UTC+1 otherwise), as Europe/Brussels has
    kept it since 1996. ``date(Y-03-25, 'weekday 0')`` is the first Sunday on or after 25 March: the last
    Sunday of March.
    """

    type = sa.Date()
    name = "brussels_day"
    inherit_cache = True


@compiles(brussels_day)
def _brussels_day_postgresql(element: brussels_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(timezone('Europe/Brussels', {column}) AS DATE)"


@compiles(brussels_day, "sqlite")
def _brussels_day_sqlite(element: brussels_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    year = f"substr({column}, 1, 4)"
    summer = (f"{column} >= date({year} || '-03-25', 'weekday 0') || ' 01:00:00' "
              f"AND {column} < date({year} || '-10-25', 'weekday 0') || ' 01:00:00'")
    # Seconds only: date() rounds microseconds to milliseconds and would carry 23:59:59.9995 over.
    return f"date(substr({column}, 1, 19), CASE WHEN {summer} THEN '+2 hours' ELSE '+1 hours' END)"


@contextmanager
def planned_per_call(session: Any) -> Iterator[None]:
    """Plan every statement for its own parameters inside the block (PostgreSQL; no-op elsewhere).

    psycopg prepares a statement on the server after its fifth run, and PostgreSQL may then use a
    generic plan that ignores the values: for a batch loop whose ``plate IN (...)`` list changes
    every call, that plan walks a whole table (measured: 0.6 s a call instead of 10 ms).
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    connection = session.connection().connection.driver_connection
    threshold = connection.prepare_threshold
    connection.prepare_threshold = None
    try:
        yield
    finally:
        connection.prepare_threshold = threshold


def _sqlite_executemany(session: Any, table: Any, sql: str, rows: list[dict[str, Any]], names: list[str]) -> None:
    """Run ``executemany`` straight on the sqlite3 cursor.

    Values become what the columns store through each column's own bind processor: SQLAlchemy's
    per-row parameter handling costs more than the write itself for batches of thousands.
    """
    dialect = session.get_bind().dialect
    # The dialect's own type: a TypeDecorator's plain ``bind_processor`` would hand a datetime to sqlite3,
    # which writes it without ``.000000`` when the microseconds are zero, unlike every ORM write.
    converters = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
    params = [tuple(proc(row[name]) if proc is not None else row[name] for name, proc in converters) for row in rows]
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def _copy_rows(cursor: Any, table: Any, target: str, rows: list[dict[str, Any]], names: list[str]) -> None:
    """COPY ``rows`` (their ``names`` columns, typed as ``table``'s) into ``target`` on a psycopg cursor."""
    as_json = [n for n in names if isinstance(table.c[n].type, sa.JSON)]
    if as_json:  # COPY takes JSON as its text
        rows = [{**row, **{n: None if row[n] is None else json.dumps(row[n]) for n in as_json}} for row in rows]
    quoted = ", ".join(f'"{n}"' for n in names)
    with cursor.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[n] for n in names))


def bulk_update(session: Any, table: Any, rows: list[dict[str, Any]], key: str = "id") -> None:
    """Update many rows by primary key in few round trips.

    PostgreSQL: COPY the new values into a temporary table, then one ``UPDATE ... FROM``
    (executemany costs a round trip per row there). SQLite: executemany, which is in-process.
    Values must already be what the column stores (aware datetimes, dates, ints, strings).
    """
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    quote = session.get_bind().dialect.identifier_preparer.quote
    if session.get_bind().dialect.name != "postgresql":
        assignments = ", ".join(f"{quote(name)} = ?" for name in columns)
        sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(key)} = ?"
        _sqlite_executemany(session, table, sql, rows, [*columns, key])
        return
    names = [key, *columns]
    quoted = ", ".join(f'"{n}"' for n in names)
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(f'CREATE TEMP TABLE _bulk ON COMMIT DROP AS SELECT {quoted} FROM "{table.name}" WITH NO DATA')
        _copy_rows(cursor, table, "_bulk", rows, names)
        assignments = ", ".join(f'"{n}" = _bulk."{n}"' for n in columns)
        cursor.execute(f'UPDATE "{table.name}" SET {assignments} FROM _bulk '
                       f'WHERE "{table.name}"."{key}" = _bulk."{key}"')
        cursor.execute("DROP TABLE _bulk")
    finally:
        cursor.close()


def _with_defaults(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give the rows the columns' Python-side defaults they leave out (one value per batch)."""
    missing = {c.name: c.default for c in table.columns
               if c.name not in rows[0] and c.default is not None and (c.default.is_scalar or c.default.is_callable)}
    if not missing:
        return rows
    values = {name: (d.arg if d.is_scalar else d.arg(None)) for name, d in missing.items()}
    return [{**values, **row} for row in rows]


def bulk_insert(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL, executemany on SQLite; every row has the same keys."""
    if not rows:
        return
    rows = _with_defaults(table, rows)
    names = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        quote = session.get_bind().dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
               f"VALUES ({', '.join('?' for _ in names)})")
        _sqlite_executemany(session, table, sql, rows, names)
        return
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        _copy_rows(cursor, table, f'"{table.name}"', rows, names)
    finally:
        cursor.close()

"""Searchable, sortable lists: the databases' own text search and the indexes the fines list needs.

Search structures (``app.search`` uses them; the models do not declare them, see
``app.search.is_search_structure``):

* PostgreSQL: the ``pg_trgm`` extension and GIN trigram indexes ``search_*`` on the searched columns:
  fines' issuer, notice number, payment reference and plate, contracts' driver name, tickets' title
  and description, ticket events' body. Rows are indexed as they are written: nothing to keep in step.
* SQLite: FTS5 tables with the ``trigram`` tokenizer, external content (the text stays in the tables
  themselves): ``fines_fts`` (issuer, notice_number, payment_reference, plate), ``contracts_fts``
  (driver_name), ``tickets_fts`` (title, description) and ``ticket_events_fts`` (body); triggers after
  every insert, delete and update of those columns keep them in step, whatever writes the row (the
  ORM, bulk updates, purges, erasure). The upgrade fills them from the rows already there.

B-tree indexes for the fines list's filters and sorts, everyone's and one client's (declared on
``fines.models.Fine``): ``created_at``, ``cutoff``, ``offence_at``, ``amount_cents``, ``issuer`` and
``plate`` per client, ``match_reason_code``.

Exact counts: ``search_fine_counts`` (client, state, number of fines), kept by triggers on ``fines`` (row
triggers on SQLite; statement triggers with transition tables on PostgreSQL, and one for TRUNCATE), so the
list's tabs and totals need not count a million rows when only the state or the client narrows them.

The downgrade drops all of it (the extension stays: other databases objects may use it).

Revision ID: 0016_list_search
Revises: 0015_restore_requests
Create Date: 2026-11-27 19:30:00

"""
from alembic import op

revision = '0016_list_search'
down_revision = '0015_restore_requests'
branch_labels = None
depends_on = None

#: FTS table -> (content table, indexed columns). Kept here as data: a migration never imports app code.
FTS = {
    "fines_fts": ("fines", ("issuer", "notice_number", "payment_reference", "plate")),
    "contracts_fts": ("contracts", ("driver_name",)),
    "tickets_fts": ("tickets", ("title", "description")),
    "ticket_events_fts": ("ticket_events", ("body",)),
}
#: PostgreSQL trigram indexes: name -> (table, column).
TRIGRAM = {
    "search_fines_issuer": ("fines", "issuer"),
    "search_fines_notice_number": ("fines", "notice_number"),
    "search_fines_payment_reference": ("fines", "payment_reference"),
    "search_fines_plate": ("fines", "plate"),
    "search_contracts_driver_name": ("contracts", "driver_name"),
    "search_tickets_title": ("tickets", "title"),
    "search_tickets_description": ("tickets", "description"),
    "search_ticket_events_body": ("ticket_events", "body"),
}
#: The fines list's sort and filter indexes: name -> columns.
LIST_INDEXES = {
    "ix_fines_created_at": ["created_at"],
    "ix_fines_client_id_created_at": ["client_id", "created_at"],
    "ix_fines_cutoff": ["cutoff"],
    "ix_fines_client_id_cutoff": ["client_id", "cutoff"],
    "ix_fines_offence_at": ["offence_at"],
    "ix_fines_client_id_offence_at": ["client_id", "offence_at"],
    "ix_fines_amount_cents": ["amount_cents"],
    "ix_fines_client_id_amount_cents": ["client_id", "amount_cents"],
    "ix_fines_issuer": ["issuer"],
    "ix_fines_client_id_plate": ["client_id", "plate"],
    "ix_fines_match_reason_code": ["match_reason_code"],
}


def _sqlite_fts_up(name: str, table: str, columns: tuple[str, ...]) -> None:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({cols}, content='{table}', content_rowid='id', "
               f"tokenize='trigram')")
    op.execute(f"CREATE TRIGGER {name}_ai AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER {name}_ad AFTER DELETE ON {table} BEGIN "
               f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, {old}); END")
    op.execute(f"CREATE TRIGGER {name}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
               f"INSERT INTO {name}({name}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new}); END")
    op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


#: PostgreSQL: one statement-level trigger per event keeps the counts (transition tables: a bulk update of a
#: million fines adds its counts once, not a million times).
_PG_COUNTS_FUNCTION = """
CREATE FUNCTION search_fine_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM search_fine_counts;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO search_fine_counts AS c (client_id, state, n)
      SELECT coalesce(client_id, 0), state::text, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (client_id, state) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO search_fine_counts AS c (client_id, state, n)
      SELECT coalesce(client_id, 0), state::text, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (client_id, state) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO search_fine_counts AS c (client_id, state, n)
      SELECT client_id, state, sum(d) FROM (
        SELECT coalesce(n.client_id, 0) AS client_id, n.state::text AS state, 1 AS d
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.state IS DISTINCT FROM o.state OR n.client_id IS DISTINCT FROM o.client_id
        UNION ALL
        SELECT coalesce(o.client_id, 0), o.state::text, -1
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.state IS DISTINCT FROM o.state OR n.client_id IS DISTINCT FROM o.client_id) AS changed
      GROUP BY client_id, state HAVING sum(d) <> 0 ORDER BY client_id, state
      ON CONFLICT (client_id, state) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$
"""
_SQLITE_COUNT = ("INSERT INTO search_fine_counts (client_id, state, n) VALUES (coalesce({r}.client_id, 0), {r}.state, "
                 "{d}) ON CONFLICT (client_id, state) DO UPDATE SET n = n + {d};")


def _counts_up(postgresql: bool) -> None:
    """``search_fine_counts``: how many fines each client has in each state, kept by triggers (exact).

    The list's tabs and total under no other filter than the state and the client read it instead of
    counting a million rows. A client-less fine counts under client 0.
    """
    op.execute("CREATE TABLE search_fine_counts (client_id integer NOT NULL, state varchar(16) NOT NULL, "
               "n bigint NOT NULL, PRIMARY KEY (client_id, state))")
    if postgresql:
        op.execute(_PG_COUNTS_FUNCTION)
        for event, refs in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
            op.execute(f"CREATE TRIGGER search_fine_counts_{event.lower()} AFTER {event} ON fines "
                       f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION search_fine_counts_keep()")
        op.execute("CREATE TRIGGER search_fine_counts_truncate AFTER TRUNCATE ON fines "
                   "FOR EACH STATEMENT EXECUTE FUNCTION search_fine_counts_keep()")
    else:
        op.execute("CREATE TRIGGER search_fine_counts_insert AFTER INSERT ON fines BEGIN "
                   + _SQLITE_COUNT.format(r="new", d="1") + " END")
        op.execute("CREATE TRIGGER search_fine_counts_delete AFTER DELETE ON fines BEGIN "
                   + _SQLITE_COUNT.format(r="old", d="-1") + " END")
        op.execute("CREATE TRIGGER search_fine_counts_update AFTER UPDATE OF state, client_id ON fines "
                   "WHEN new.state IS NOT old.state OR new.client_id IS NOT old.client_id BEGIN "
                   + _SQLITE_COUNT.format(r="old", d="-1") + " " + _SQLITE_COUNT.format(r="new", d="1") + " END")
    op.execute("INSERT INTO search_fine_counts (client_id, state, n) "
               "SELECT coalesce(client_id, 0), state, count(*) FROM fines GROUP BY coalesce(client_id, 0), state")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "fines", columns, unique=False)
    _counts_up(postgresql)
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in TRIGRAM.items():
            op.execute(f'CREATE INDEX {name} ON "{table}" USING gin ("{column}" gin_trgm_ops)')
        return
    for name, (table, columns) in FTS.items():
        _sqlite_fts_up(name, table, columns)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for event in ("insert", "delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fine_counts_{event} ON fines")
        op.execute("DROP FUNCTION IF EXISTS search_fine_counts_keep()")
    else:
        for name in FTS:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fine_counts_{event}")
    op.execute("DROP TABLE IF EXISTS search_fine_counts")
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="fines")

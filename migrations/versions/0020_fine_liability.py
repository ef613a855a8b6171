"""Lists at a million fines: who answers for a missed deadline kept on each fine; every sort one index walk.

Adds to ``fines``:

* ``liable``: who answers if the deadline is missed: ``client`` when the fine arrived after its cut-off
  or its information was not complete by it (complete: ``complete_at``, else ``processed_at``),
  ``operator`` otherwise; empty when nobody can: the deadline or the cut-off is unknown, or the fine
  was processed in time.
* ``missed_from``: the first day on which the deadline counts as missed: the day after the deadline
  while the fine is not processed, the (Brussels-local) day it was processed when that was late; empty
  with ``liable``.

So ``fines.workflow.deadlines.assess`` makes ``liable`` answer for a fine exactly when
``missed_from <= today``, and the list's liability filter walks the indexes
``ix_fines_liable_created_at`` and ``ix_fines_client_id_liable_created_at`` (the list's default order)
instead of evaluating the rule on every fine; the fines processed in time, most of them, are not
even in the range.

The list's orders (each column, ties by id) get indexes that end in the id: the indexes of migration
0016 on ``created_at``, ``cutoff``, ``offence_at``, ``amount_cents``, ``issuer`` (everyone's) and
``client_id`` with ``created_at``, ``cutoff``, ``offence_at``, ``amount_cents``, ``plate`` (one
client's), ``ix_fines_state_created_at``, ``ix_fines_state_cutoff`` and
``ix_fines_client_id_state_cutoff`` (the state's order: state, cut-off, id) and ``ix_fines_plate``
(migration 0002) are rebuilt with ``id`` as their last column, and
``ix_fines_client_id_state_created_at`` (one client's state tab, newest first) and
``ix_fines_client_id_match_reason_code`` (one client's fines waiting for a reason) are added. So a page of
the list is one walk of an index in its exact order, and its ids are read from the index alone
(PostgreSQL's index-only scan; SQLite's indexes hold the row id anyway), however deep the page.
``ix_fines_issuer`` also lets a search walk the distinct issuers and read the fines of the matching
ones from it alone (``app.search``).

The support desk's list gets the same for its sorts across clients: ``ix_tickets_category_id``,
``ix_tickets_state_id`` and ``ix_tickets_title_id``; ``ix_tickets_open_nearest_breach`` is rebuilt as
``(is_open DESC, nearest_breach, id)``, the exact order of the default sort (open tickets first, the
nearest breach first, PostgreSQL's ascending order putting the unknown ones last), so a list of every
ticket is one walk of it.

On PostgreSQL the trigram index ``search_fines_issuer`` (migration 0016) is dropped: a search matches
the distinct issuers' names instead (``app.search.matching_issuers``), and the planner took that index
for an ``issuer IN (...)`` list, reading every entry of the issuers named.

The two columns are kept by the database itself, whatever writes the row (the ORM, bulk updates,
archive imports): a ``BEFORE INSERT OR UPDATE`` row trigger on PostgreSQL, ``AFTER`` row triggers
that rewrite the two columns on SQLite. Only the columns the rule reads fire them. The upgrade
fills every existing fine.

Brussels-local days: PostgreSQL converts with ``timezone('Europe/Brussels', ...)``; SQLite, which
knows no zones, applies the EU summer-time rule (as ``app.database.brussels_day`` does; a migration
never imports app code).

The downgrade drops the triggers, the function, the indexes and the columns.

Revision ID: 0020_fine_liability
Revises: 0019_backup_jobs
Create Date: 2026-11-28 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020_fine_liability'
down_revision = '0019_backup_jobs'
branch_labels = None
depends_on = None

#: The columns the rule reads: only an update of one of them recomputes the two kept ones.
READ = "created_at, complete_at, processed_at, deadline, cutoff"
INDEXES = {"ix_fines_client_id_state_created_at": ["client_id", "state", "created_at", "id"],
           "ix_fines_client_id_match_reason_code": ["client_id", "match_reason_code"],
           "ix_fines_liable_created_at": ["liable", "created_at", "id"],
           "ix_fines_client_id_liable_created_at": ["client_id", "liable", "created_at", "id"]}
TICKET_INDEXES = {"ix_tickets_category_id": ["category", "id"], "ix_tickets_state_id": ["state", "id"],
                  "ix_tickets_title_id": ["title", "id"]}
#: The default order's indexes, rebuilt to end in the id: name -> (columns before, columns after).
REBUILT = {"ix_fines_created_at": (["created_at"], ["created_at", "id"]),
           "ix_fines_client_id_created_at": (["client_id", "created_at"], ["client_id", "created_at", "id"]),
           "ix_fines_state_created_at": (["state", "created_at"], ["state", "created_at", "id"]),
           "ix_fines_issuer": (["issuer"], ["issuer", "id"]),
           "ix_fines_cutoff": (["cutoff"], ["cutoff", "id"]),
           "ix_fines_client_id_cutoff": (["client_id", "cutoff"], ["client_id", "cutoff", "id"]),
           "ix_fines_offence_at": (["offence_at"], ["offence_at", "id"]),
           "ix_fines_client_id_offence_at": (["client_id", "offence_at"], ["client_id", "offence_at", "id"]),
           "ix_fines_amount_cents": (["amount_cents"], ["amount_cents", "id"]),
           "ix_fines_client_id_amount_cents": (["client_id", "amount_cents"], ["client_id", "amount_cents", "id"]),
           "ix_fines_client_id_plate": (["client_id", "plate"], ["client_id", "plate", "id"]),
           "ix_fines_plate": (["plate"], ["plate", "id"]),
           "ix_fines_state_cutoff": (["state", "cutoff"], ["state", "cutoff", "id"]),
           "ix_fines_client_id_state_cutoff": (["client_id", "state", "cutoff"],
                                               ["client_id", "state", "cutoff", "id"])}

_PG_FUNCTION = """
CREATE FUNCTION fines_keep_liability() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    arrived date := CAST(timezone('Europe/Brussels', NEW.created_at) AS DATE);
    complete date := CAST(timezone('Europe/Brussels', coalesce(NEW.complete_at, NEW.processed_at)) AS DATE);
    done date := CAST(timezone('Europe/Brussels', NEW.processed_at) AS DATE);
BEGIN
    IF NEW.deadline IS NULL OR NEW.cutoff IS NULL OR done <= NEW.deadline THEN
        NEW.liable := NULL;  -- unknown deadline, or processed in time: nobody answers
        NEW.missed_from := NULL;
    ELSE
        NEW.liable := CASE WHEN arrived > NEW.cutoff OR complete IS NULL OR complete > NEW.cutoff
                           THEN 'client' ELSE 'operator' END;
        NEW.missed_from := coalesce(done, NEW.deadline + 1);
    END IF;
    RETURN NEW;
END
$$
"""


def _sqlite_day(column: str) -> str:
    """The Brussels-local day of a stored naive-UTC timestamp (the EU rule, as brussels_day writes it)."""
    year = f"substr({column}, 1, 4)"
    summer = (f"{column} >= date({year} || '-03-25', 'weekday 0') || ' 01:00:00' "
              f"AND {column} < date({year} || '-10-25', 'weekday 0') || ' 01:00:00'")
    return f"date(substr({column}, 1, 19), CASE WHEN {summer} THEN '+2 hours' ELSE '+1 hours' END)"


def _sqlite_set() -> str:
    arrived, done = _sqlite_day("created_at"), _sqlite_day("processed_at")
    complete = _sqlite_day("coalesce(complete_at, processed_at)")
    # Unknown deadline, or processed in time: nobody answers.
    nobody = f"deadline IS NULL OR cutoff IS NULL OR (processed_at IS NOT NULL AND {done} <= deadline)"
    liable = (f"CASE WHEN {nobody} THEN NULL WHEN {arrived} > cutoff "
              f"OR (complete_at IS NULL AND processed_at IS NULL) OR {complete} > cutoff "
              f"THEN 'client' ELSE 'operator' END")
    missed = (f"CASE WHEN {nobody} THEN NULL WHEN processed_at IS NULL THEN date(deadline, '+1 day') "
              f"ELSE {done} END")
    return f"UPDATE fines SET liable = {liable}, missed_from = {missed}"


def upgrade() -> None:
    # Plain ALTER TABLE on both (no batch copy on SQLite: a copied table would lose its search triggers).
    op.add_column('fines', sa.Column('liable', sa.String(length=8), nullable=True))
    op.add_column('fines', sa.Column('missed_from', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(f"CREATE TRIGGER fines_keep_liability BEFORE INSERT OR UPDATE OF {READ} ON fines "
                   "FOR EACH ROW EXECUTE FUNCTION fines_keep_liability()")
        op.execute("UPDATE fines SET created_at = created_at")  # the trigger fills every fine
    else:
        update = _sqlite_set()
        op.execute(f"CREATE TRIGGER fines_keep_liability_insert AFTER INSERT ON fines BEGIN "
                   f"{update} WHERE id = new.id; END")
        op.execute(f"CREATE TRIGGER fines_keep_liability_update AFTER UPDATE OF {READ} ON fines BEGIN "
                   f"{update} WHERE id = new.id; END")
        op.execute(update)
    for name, columns in INDEXES.items():
        op.create_index(name, 'fines', columns)
    for name, (_before, after) in REBUILT.items():
        op.drop_index(name, table_name='fines')
        op.create_index(name, 'fines', after)
    for name, columns in TICKET_INDEXES.items():
        op.create_index(name, 'tickets', columns)
    if op.get_bind().dialect.name == "postgresql":
        # The issuers are searched by name now (app.search.matching_issuers, on ix_fines_issuer): the trigram
        # index on every fine's issuer only misled the planner into reading 160,000 entries for an IN list.
        op.execute("DROP INDEX search_fines_issuer")
    op.drop_index('ix_tickets_open_nearest_breach', table_name='tickets')
    op.create_index('ix_tickets_open_nearest_breach', 'tickets', [sa.text('is_open DESC'), 'nearest_breach', 'id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX search_fines_issuer ON fines USING gin (issuer gin_trgm_ops)")
    op.drop_index('ix_tickets_open_nearest_breach', table_name='tickets')
    op.create_index('ix_tickets_open_nearest_breach', 'tickets', ['is_open', 'nearest_breach', 'id'])
    for name in TICKET_INDEXES:
        op.drop_index(name, table_name='tickets')
    for name, (before, _after) in REBUILT.items():
        op.drop_index(name, table_name='fines')
        op.create_index(name, 'fines', before)
    for name in INDEXES:
        op.drop_index(name, table_name='fines')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER fines_keep_liability ON fines")
        op.execute("DROP FUNCTION fines_keep_liability()")
    else:
        op.execute("DROP TRIGGER fines_keep_liability_insert")
        op.execute("DROP TRIGGER fines_keep_liability_update")
    op.drop_column('fines', 'missed_from')
    op.drop_column('fines', 'liable')

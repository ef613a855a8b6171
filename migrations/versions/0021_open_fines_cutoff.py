"""Open fines by cut-off: partial indexes of the few open fines, for the urgency filters and the cut-off sort.

Adds two partial indexes on ``fines``, over the open fines only (``state`` received, read, review,
matched, waiting_info or ready: a few per cent of every fine a back office has kept):

* ``ix_fines_open_cutoff`` on ``(cutoff, id, issuer, state)``;
* ``ix_fines_client_id_open_cutoff`` on ``(client_id, cutoff, id, issuer, state)``.

An urgency filter (overdue, cut-off today, this week, later, unknown: open fines by a range of cut-offs)
and the open fines sorted by cut-off, everyone's or one client's, are then one walk of a small index in
the list's exact order, where the full ``(cutoff, id)`` index walked three years of closed fines first
and read each one's row to test its state. The issuer in the index answers a search by issuing
authority ("Parket": four authorities' open overdue fines) without reading the rows; the state is there
for SQLite, which tests the predicate's term again on each entry.

The predicate names the states sorted, as ``fines.workflow.states.OPEN_STATES_SQL`` does: the list's
queries repeat it word for word, which SQLite needs to use a partial index.

On SQLite the full-text table ``fines_fts`` (migration 0016) is rebuilt without the ``issuer`` column:
a search matches the distinct issuers' names instead (``app.search.matching_issuers``, since migration
0020), and the issuer's trigrams, shared by tens of thousands of fines, made every search of the other
columns read their long lists (37 ms for "Politiezone Gent" at a million fines, against 1 ms without).
Its triggers are made again for the three columns left, and the table rebuilt from ``fines``.

The downgrade drops both indexes and rebuilds ``fines_fts`` with the issuer.

Revision ID: 0021_open_fines_cutoff
Revises: 0020_fine_liability
Create Date: 2026-11-28 03:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0021_open_fines_cutoff'
down_revision = '0020_fine_liability'
branch_labels = None
depends_on = None

OPEN = "state IN ('matched', 'read', 'ready', 'received', 'review', 'waiting_info')"
#: ``fines_fts``'s columns before and after this revision.
FTS_BEFORE = ('issuer', 'notice_number', 'payment_reference', 'plate')
FTS_AFTER = ('notice_number', 'payment_reference', 'plate')
INDEXES = {
    'ix_fines_open_cutoff': ['cutoff', 'id', 'issuer', 'state'],
    'ix_fines_client_id_open_cutoff': ['client_id', 'cutoff', 'id', 'issuer', 'state'],
}


def _fines_fts(columns: tuple[str, ...]) -> None:
    """``fines_fts`` made again over ``columns``, with its three triggers, and filled from ``fines`` (SQLite)."""
    for suffix in ('ai', 'ad', 'au'):
        op.execute(f"DROP TRIGGER IF EXISTS fines_fts_{suffix}")
    op.execute("DROP TABLE IF EXISTS fines_fts")
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(f"CREATE VIRTUAL TABLE fines_fts USING fts5({cols}, content='fines', content_rowid='id', "
               "tokenize='trigram')")
    op.execute(f"CREATE TRIGGER fines_fts_ai AFTER INSERT ON fines BEGIN "
               f"INSERT INTO fines_fts(rowid, {cols}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER fines_fts_ad AFTER DELETE ON fines BEGIN "
               f"INSERT INTO fines_fts(fines_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); END")
    op.execute(f"CREATE TRIGGER fines_fts_au AFTER UPDATE OF {cols} ON fines BEGIN "
               f"INSERT INTO fines_fts(fines_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO fines_fts(rowid, {cols}) VALUES (new.id, {new}); END")
    op.execute("INSERT INTO fines_fts(fines_fts) VALUES ('rebuild')")


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, 'fines', columns, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    if op.get_bind().dialect.name == 'sqlite':
        _fines_fts(FTS_AFTER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _fines_fts(FTS_BEFORE)
    for name in INDEXES:
        op.drop_index(name, table_name='fines')

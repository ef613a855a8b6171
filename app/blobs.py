"""Blobs and their rows in one transaction: publish a staged blob once its row is flushed, find the named ones.

``app.storage`` writes the files; this module ties them to the session, so no blob exists without its
row: a transaction rolled back before the flush discards the temporary file, one rolled back after it
deletes the file it created, and only a crash between rename and commit leaves an orphan, which
``named_blob_paths`` lets the orphan sweep (``fleetdesk fines gc-blobs``) tell apart.
"""
from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from app import storage
from app.extensions import db

logger = logging.getLogger(__name__)

BLOB_SUFFIX = "_path"  # a String column named *_path holds a blob's path relative to the data directory
_STAGED_BLOBS = "fleetdesk.staged_blobs"
_NEW_BLOBS = "fleetdesk.new_blobs"


def publish_after_flush(staged: storage.StagedBlob) -> None:
    """Move ``staged`` into place once the row that names it is flushed; a rollback removes it again."""
    db.session.info.setdefault(_STAGED_BLOBS, []).append(staged)


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _publish_staged(session: sa.orm.Session, flush_context: Any) -> None:
    for staged in session.info.pop(_STAGED_BLOBS, []):
        if staged.publish():
            session.info.setdefault(_NEW_BLOBS, []).append(staged.target)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _blobs_kept(session: sa.orm.Session) -> None:
    session.info.pop(_NEW_BLOBS, None)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _blobs_undone(session: sa.orm.Session) -> None:
    for staged in session.info.pop(_STAGED_BLOBS, []):
        staged.discard()
    for path in session.info.pop(_NEW_BLOBS, []):
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        else:
            logger.info("removed %s: its row was rolled back", path)


def blob_path_columns() -> list[sa.Column[Any]]:
    """Every column of every table that names a stored blob (a ``String`` column named ``*_path``)."""
    return [column for table in db.metadata.sorted_tables for column in table.c
            if column.name.endswith(BLOB_SUFFIX) and isinstance(column.type, sa.String)]


def named_blob_paths(paths: Collection[str]) -> set[str]:
    """Those of ``paths`` that some row still names (one query per blob column, whatever the feature)."""
    named: set[str] = set()
    for column in blob_path_columns():
        named |= set(db.session.scalars(sa.select(column).where(column.in_(list(paths)))))
    return named

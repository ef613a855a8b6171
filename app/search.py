"""Text search on the lists, one interface over each database's own index: ``text_filter(kind, q)``.

``text_filter("fines", q)`` and ``text_filter("tickets", q)`` return a WHERE clause for
``select(Fine)`` / ``select(Ticket)``. The search is a case-insensitive substring search of the
whole query (spaces included), run by the database:

* PostgreSQL: ``ILIKE '%q%'`` on columns carrying GIN ``pg_trgm`` indexes (``search_*`` indexes,
  migration ``0016_list_search``), one SELECT per column under a UNION ALL.
* SQLite: FTS5 tables with the ``trigram`` tokenizer (``fines_fts``, ``contracts_fts``,
  ``tickets_fts``, ``ticket_events_fts``), external-content tables kept in step by triggers, so
  every write path (the ORM, ``bulk_update``/``bulk_insert``, a purge, an erasure) keeps them right.
  ``fines_fts`` holds the notice number, the payment reference and the plate (migration 0021: not the
  issuer, matched by name as below).

The fines' issuing authorities are few and their fines many: on both databases the distinct names
are matched (``matching_issuers``, a loose scan of the issuer index) and the list narrowed by name.

A query shorter than a trigram (1-2 characters) cannot use either index: it falls back to a plain
``LIKE`` over the fine's own columns (correct, a scan that the list's order stops early; drivers'
names are not searched for so little). Quotes, FTS operators, ``%``, ``_`` and
backslashes are searched for as typed; a query is cut to ``MAX_QUERY`` characters.

What is searched:

* fines: issuing authority, notice number, payment reference, the plate (a query is also compared
  in its compact form, ``1-abc-123`` → ``1ABC123``, the form plates are stored in) and the driver's
  name on the fine's contract;
* tickets: title, description and the comments (``ticket_events.body``) the reader may see:
  internal comments only for staff.

The platform knows the features' tables by name only (it imports no feature).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.fleet.matching import plate_key

__all__ = ["KINDS", "MAX_QUERY", "SEARCH_TABLES", "TRIGRAM", "fine_other_ids", "is_search_structure",
           "matching_issuers", "text_filter"]

#: The lists that can be searched.
KINDS = ("fines", "tickets")
#: Longer queries are cut: nothing a person types to find a fine or a ticket is longer.
MAX_QUERY = 200
#: The shortest query an index can answer (a trigram); shorter ones are a plain scan.
TRIGRAM = 3
#: SQLite's FTS5 tables (each also has shadow tables ``<name>_data``, ``_idx``, ``_docsize``, ``_config``).
SEARCH_TABLES = ("fines_fts", "contracts_fts", "tickets_fts", "ticket_events_fts")
_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")


def is_search_structure(name: str | None) -> bool:
    """Is ``name`` one of the search tables, their shadow tables or the ``search_*`` trigram indexes?

    These belong to migration ``0016_list_search``, not to the models: the schema comparison and
    autogenerate leave them alone.
    """
    if not name:
        return False
    return name.startswith("search_") or any(name == t or name.startswith(t + "_") for t in SEARCH_TABLES)


def _clean(q: str) -> str:
    return _SPACES.sub(" ", q).strip()[:MAX_QUERY]


def _compact_forms(q: str) -> list[str]:
    """The plate forms of a query: letters and digits only, upper case, and ``plate_key``'s reading."""
    compact = _NOT_ALNUM.sub("", q).upper()
    if not compact or compact == q:
        return []
    forms = [compact]
    try:
        keyed = plate_key(q)
    except Exception:  # a query is not a plate: its plain compact form stays
        keyed = compact
    if keyed and keyed not in forms and keyed.isalnum():
        forms.append(keyed)
    return forms


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case: ILIKE on PostgreSQL (trigram index), LIKE on SQLite."""
    pattern = sa.bindparam(None, _like_pattern(text), type_=sa.String)
    if _dialect() == "postgresql":
        return column.ilike(pattern, escape="\\")
    return sa.func.lower(column).like(sa.func.lower(pattern), escape="\\")


def _fts_phrase(text: str) -> str:
    """One FTS5 string: everything between the double quotes is literal (a quote is doubled)."""
    return '"' + text.replace('"', '""') + '"'


def _fts_ids(table: str, text: str, column: str | None = None) -> Any:
    """``SELECT rowid FROM <table> WHERE <table> MATCH '"text"'`` (``column : "text"`` for one column)."""
    match = (f"{column} : " if column else "") + _fts_phrase(text)
    fts = sa.table(table, sa.column("rowid"))
    return sa.select(fts.c.rowid).where(sa.literal_column(table).op("MATCH")(sa.bindparam(None, match,
                                                                                        type_=sa.String)))


def _dialect() -> str:
    return str(db.session.get_bind().dialect.name)


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _fines(q: str) -> ColumnElement[bool]:
    """The fines whose text contains ``q``: the matching issuers' fines and the other columns' matches.

    ``fines.id IN (one SELECT per indexed column, UNION ALL)``: each part uses its own index. One OR over
    the columns and a subquery makes PostgreSQL scan every row (measured: 12 s at a million fines); the
    union of index scans answers in milliseconds. (A list that hands the issuers and the other columns'
    matches to the database separately: ``matching_issuers`` and ``fine_other_ids``.)
    """
    fines = _table("fines")
    if len(q) < TRIGRAM:
        return _fines_short(fines, q)
    names = matching_issuers(q)
    parts = _other_parts(q)
    if names:
        parts.append(sa.select(fines.c.id).where(fines.c.issuer.in_(names)))
    return fines.c.id.in_(sa.union_all(*parts))


def matching_issuers(q: str) -> list[str]:
    """The issuing authorities (fines' ``issuer``) whose name contains ``q``, ignoring case.

    A few hundred authorities issue a million fines: a common one ("Politiezone Gent") is on tens of
    thousands, and matching the text row by row reads each of their rows. Instead, the distinct names
    are walked on the ``(issuer, id)`` index (a loose index scan: one probe per name, on either
    database) and matched here; their fines are then read from that index alone, or each fine's
    issuer is looked up among the few names.
    """
    text = _clean(q or "").casefold()
    if not text:
        return []
    fines = _table("fines")
    other = fines.alias("issuer_next")
    names = sa.select(sa.func.min(fines.c.issuer).label("name")).cte("issuer_names", recursive=True)
    following = sa.select(sa.func.min(other.c.issuer)).where(other.c.issuer > names.c.name).scalar_subquery()
    names = names.union_all(sa.select(following).where(names.c.name.is_not(None)))
    every = db.session.scalars(sa.select(names.c.name).where(names.c.name.is_not(None)))
    return [name for name in every if text in name.casefold()]


def fine_other_ids(q: str) -> Any:
    """The ids of the fines whose notice number, payment reference, plate (in any notation) or driver's name
    contains ``q`` (3 characters or more), as a UNION ALL of index scans (an id may come twice), every
    client's (the caller's query keeps the reader's)."""
    return sa.union_all(*_other_parts(_clean(q or "")))


def _other_parts(text: str) -> list[Any]:
    fines, contracts = _table("fines"), _table("contracts")
    parts: list[Any]
    if _dialect() == "sqlite":
        parts = [_fts_ids("fines_fts", text)]  # notice number, payment reference, plate (migration 0021)
        drivers = _fts_ids("contracts_fts", text)
    else:
        parts = [sa.select(fines.c.id).where(_contains(column, text))
                 for column in (fines.c.notice_number, fines.c.payment_reference, fines.c.plate)]
        drivers = sa.select(contracts.c.id).where(_contains(contracts.c.driver_name, text))
    parts.append(sa.select(fines.c.id).where(fines.c.contract_id.in_(_few_or_query(drivers))))
    for plate in _compact_forms(text):
        if _dialect() == "sqlite" and len(plate) >= TRIGRAM:
            parts.append(_fts_ids("fines_fts", plate, "plate"))
        else:
            parts.append(sa.select(fines.c.id).where(_contains(fines.c.plate, plate)))
    return parts


#: The most contracts whose drivers a search hands to the fines' query as a list of ids (``_few_or_query``).
DRIVERS_MAX = 1_000


def _few_or_query(ids: Any) -> Any:
    """The ids ``ids`` (a SELECT of one column) finds, as a list when they are few, else the SELECT itself.

    A trigram search's row count is a guess: PostgreSQL guessed 974 contracts for a driver's name that 49
    contracts bear, and read every fine in a hash join (140 ms) where the ``contract_id`` index finds the
    fines of 49 contracts in a millisecond. Looked up first, the few ids are counted, not guessed.
    """
    found = list(db.session.scalars(ids.limit(DRIVERS_MAX + 1)))
    return found if len(found) <= DRIVERS_MAX else ids


def _fines_short(fines: sa.Table, q: str) -> ColumnElement[bool]:
    """A query too short for an index (1-2 characters): each fine's own columns tested as the list walks.

    Such a query ("PV", "75") is in most fines: the list's walk in its own order meets a page of them at
    once, and the count stops at its cap, where building the set of every match would scan each column.
    Drivers' names are not searched: two letters are in most names, and testing every contract's name
    costs more than the rest of the page.
    """
    tests = [_contains(column, q) for column in (fines.c.issuer, fines.c.notice_number, fines.c.payment_reference,
                                                 fines.c.plate)]
    tests += [_contains(fines.c.plate, plate) for plate in _compact_forms(q)]
    return sa.or_(*tests)


def _tickets(q: str, internal: bool) -> ColumnElement[bool]:
    """``tickets.id IN (title and description matches UNION ALL the visible comments' tickets)``.

    One SELECT per indexed column, as for fines: an OR of a text test and a subquery would make
    PostgreSQL test every ticket row by row.
    """
    tickets, events = _table("tickets"), _table("ticket_events")
    visible = sa.true() if internal else events.c.internal.is_(False)
    parts: list[Any]
    matched: ColumnElement[bool]
    if _dialect() == "sqlite" and len(q) >= TRIGRAM:
        parts = [_fts_ids("tickets_fts", q)]
        matched = events.c.id.in_(_fts_ids("ticket_events_fts", q))
    else:
        parts = [sa.select(tickets.c.id).where(_contains(tickets.c.title, q)),
                 sa.select(tickets.c.id).where(_contains(tickets.c.description, q))]
        matched = _contains(events.c.body, q)
    parts.append(sa.select(events.c.ticket_id).where(matched, visible))
    return tickets.c.id.in_(sa.union_all(*parts))


def _reader_is_staff() -> bool:
    """Is the current request's user an agent or admin (no request, no user: not staff)?"""
    from flask import has_request_context
    from flask_login import current_user

    return bool(has_request_context() and current_user.is_authenticated and current_user.is_staff)


_BUILDERS: dict[str, Callable[[str, bool], ColumnElement[bool]]] = {
    "fines": lambda q, internal: _fines(q),
    "tickets": _tickets,
}


def text_filter(kind: str, q: str, *, internal: bool | None = None) -> ColumnElement[bool]:
    """A WHERE clause keeping the ``kind`` rows (``fines`` or ``tickets``) whose text contains ``q``.

    ``internal``: may internal comments be searched (tickets)? By default, when the request's user is
    staff. An empty query keeps every row. Never raises on odd input; an unknown kind is a ``ValueError``
    (a programming error).
    """
    if kind not in _BUILDERS:
        raise ValueError(f"unknown search kind {kind!r}; expected one of {KINDS}")
    text = _clean(q or "")
    if not text:
        return sa.true()
    return _BUILDERS[kind](text, _reader_is_staff() if internal is None else internal)

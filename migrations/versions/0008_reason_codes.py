"""Codes, not sentences: reasons, notes and problems are stored as a code and its parameters.

Fines get ``match_reason_code`` and ``match_reason_params`` instead of the English ``match_reason``;
their ``problems`` become ``{"code", "params"}`` objects and their ``reason`` keeps only a quarantine's
technical detail. Fine events get ``reasons`` (the codes of an automatic step) and keep ``note`` for
what a person typed; intake messages get ``reason_code`` beside their technical ``reason``. People's
audit entries of a fine's steps carry ``reasons`` too. Existing rows are converted once, here, by
reading the English sentences the code wrote before (templates frozen below); the downgrade writes
those sentences again.

Revision ID: 0008_reason_codes
Revises: 0007_outbox
Create Date: 2026-11-27 13:00:00.000000

"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0008_reason_codes'
down_revision = '0007_outbox'
branch_labels = None
depends_on = None

# ----------------------------------------------------------------------------------------------
# The English sentences written up to 0007, frozen: the upgrade reads them, the downgrade writes them.

_MATCH = {
    "no_plate": "The fine has no plate to match a lease contract on {day}.",
    "no_contract": "No lease contract for plate {plate} on {day}.",
    "overlap": "{count} lease contracts for plate {plate} overlap on {day}: {numbers}.",
    "information_missing": "contract {number}: missing {missing}",
    "matched": "contract {number}",
    "complete": "information complete",
    "duplicate_of": "same issuer and notice number as fine {id}",
}
_MISSING = {
    "instruction": "the contract's instruction (redirect or recharge)",
    "driver_name": "the driver's name",
    "driver_address": "the driver's postal address",
    "answer_date": "the answer date of the identification request",
    "letter_date": "the letter date (for the designation deadline)",
    "amount": "the amount",
    "due_date": "the payment due date",
}
_PROBLEMS = {
    "implausible_amount": "implausible amount",
    "reference_check": "structured communication fails mod-97 check",
    "offence_after_letter": "offence after letter date",
    "due_before_letter": "due date before letter date",
    "offence_after_due": "offence after due date",
    "offence_time_missing": "offence time missing",
    "plate_pattern": "plate does not match {country} pattern",
    "missing": "{field} missing",
    "page_unreadable": "page_unreadable:{number}",
}
_PROBLEM_VALUES = {"country": r"[A-Z]{1,3}", "field": r"[a-z_]+", "number": r"\d+"}
_QUARANTINE = frozenset({
    "encrypted", "unreadable", "no_text", "ocr_unavailable", "too_large", "no_fine", "no_page", "too_complex",
    "timeout", "crashed", "too_many_pages", "cpu_limit", "not_pdf", "no_pdf", "empty", "not_mail",
    "headers_too_large", "too_many_headers", "too_many_encoded_words", "too_many_parts", "too_deep", "unparseable",
    "intake_error",
})
_OUTCOMES = frozenset({"redirected", "recharged"})
_NO_CLIENT = "no client has any of these addresses: "
_MALFORMED = "malformed e-mail: "
_NO_PDF = "no PDF attached"
_TOO_LARGE = re.compile(r"message of \d+ MB exceeds the \d+ MB limit")

Reason = dict[str, Any]  # {"code": ..., "params": {...}}


def _reader(template: str, values: dict[str, str] | None = None) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{(values or {}).get(part, '.+?')})"
                              for i, part in enumerate(parts)))


def _literal_length(template: str) -> int:
    return len(re.sub(r"\{\w+\}", "", template))


# The most literal first: "contract {number}" would also read "contract {number}: missing {missing}".
_MATCH_READERS = [(code, _reader(template)) for code, template in
                  sorted(_MATCH.items(), key=lambda item: -_literal_length(item[1]))]
_PROBLEM_READERS = [(code, _reader(template, _PROBLEM_VALUES)) for code, template in
                    sorted(_PROBLEMS.items(), key=lambda item: -_literal_length(item[1]))]
_MISSING_CODES = {english: code for code, english in _MISSING.items()}


def _read(readers: list[tuple[str, re.Pattern[str]]], text: str) -> Reason | None:
    for code, reader in readers:
        found = reader.fullmatch(text)
        if found is not None:
            params = found.groupdict()
            if code == "information_missing":
                items = params["missing"].split(", ")
                if not all(item in _MISSING_CODES for item in items):
                    return None
                params["missing"] = ",".join(_MISSING_CODES[item] for item in items)
            return {"code": code, "params": params}
    return None


def read_match_reason(text: str | None) -> Reason | None:
    """A fine's English ``match_reason`` as a code and parameters (None when it is not one)."""
    return _read(_MATCH_READERS, text) if text else None


def read_problem(text: str) -> Reason | None:
    """One of the extraction's English notes as a code and parameters (None when it is not one)."""
    return _read(_PROBLEM_READERS, text)


def read_quarantine(text: str) -> tuple[str, str | None] | None:
    """Intake's ``<code>: <technical detail>`` (or a bare code) as the code and the detail."""
    code, colon, detail = text.partition(": ")
    if code not in _QUARANTINE:
        return None
    return code, (detail or None) if colon else None


def read_note(text: str | None, to_state: str | None, actor: str | None = None) -> tuple[list[Reason], str | None]:
    """An event's (or audit entry's) note as the reasons of an automatic step, or as typed text.

    Only intake wrote the extraction's notes (``actor``): a person's note that reads like one stays text.
    """
    if not text:
        return [], None
    reason = read_match_reason(text)
    if reason is not None:
        return [reason], None
    if to_state == "processed" and text in _OUTCOMES:
        return [{"code": text, "params": {}}], None
    if to_state == "quarantined" and (quarantine := read_quarantine(text)) is not None:
        code, detail = quarantine
        return [{"code": code, "params": {"detail": detail} if detail else {}}], None
    if to_state in ("review", "read") and actor == "intake":
        problems = [read_problem(part) for part in text.split("; ")]
        if all(problem is not None for problem in problems):
            return [problem for problem in problems if problem is not None], None
    return [], text


def read_message_reason(text: str | None) -> tuple[str | None, str | None]:
    """An intake message's English ``reason`` as its code and technical detail."""
    if not text or text == _NO_PDF:
        return ("no_pdf" if text else None), None
    if text.startswith(_NO_CLIENT):
        addresses = text[len(_NO_CLIENT):]
        return "no_client", None if addresses == "(no recipient)" else addresses
    if text.startswith(_MALFORMED):
        return "unparseable", text[len(_MALFORMED):] or None
    if _TOO_LARGE.fullmatch(text):
        return "message_too_large", text
    return read_quarantine(text) or (None, text)


def write_reason(reason: Reason) -> str:
    """A code and parameters as the English sentence 0007 stored."""
    code, params = reason.get("code") or "", dict(reason.get("params") or {})
    if code in _MATCH:
        if code == "information_missing":
            params["missing"] = ", ".join(_MISSING.get(item, item) for item in params.get("missing", "").split(","))
        return _MATCH[code].format(**params)
    if code in _PROBLEMS:
        return _PROBLEMS[code].format(**params)
    if code in _QUARANTINE:
        return f"{code}: {params['detail']}" if params.get("detail") else code
    return code


def write_message_reason(code: str | None, detail: str | None) -> str | None:
    if code is None:
        return detail
    if code == "no_pdf":
        return _NO_PDF
    if code == "no_client":
        return _NO_CLIENT + (detail or "(no recipient)")
    if code == "message_too_large":
        return detail or code
    return f"{code}: {detail}" if detail else code


# ----------------------------------------------------------------------------------------------
# The tables as this revision sees them.

_messages = sa.table('intake_messages', sa.column('id', sa.Integer()), sa.column('reason', sa.String()),
                     sa.column('reason_code', sa.String()))
_fines = sa.table('fines', sa.column('id', sa.Integer()), sa.column('state', sa.String()),
                  sa.column('reason_code', sa.String()), sa.column('reason', sa.String()),
                  sa.column('duplicate_of_id', sa.Integer()), sa.column('problems', sa.JSON()),
                  sa.column('match_reason', sa.String()), sa.column('match_reason_code', sa.String()),
                  sa.column('match_reason_params', sa.JSON(none_as_null=True)))
_events = sa.table('fine_events', sa.column('id', sa.Integer()), sa.column('to_state', sa.String()),
                   sa.column('actor_label', sa.String()),
                   sa.column('note', sa.String()), sa.column('reasons', sa.JSON()))
_audit = sa.table('audit_log', sa.column('id', sa.Integer()), sa.column('action', sa.String()),
                  sa.column('object_type', sa.String()), sa.column('details', sa.JSON()))

_BATCH = 1000


def _rows(table: Any, *columns: Any, where: Any = None) -> Iterator[list[Any]]:
    """The rows of ``table``, in batches by id (updating one batch does not disturb the next)."""
    bind, last, where = op.get_bind(), 0, sa.true() if where is None else where
    while True:
        batch = bind.execute(sa.select(table.c.id, *columns).where(where, table.c.id > last)
                             .order_by(table.c.id).limit(_BATCH)).all()
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _update(table: Any, changes: list[dict[str, Any]]) -> None:
    """Write ``changes`` (each with ``row_id`` and the new values; the same keys in all) by id."""
    if not changes:
        return
    names = [name for name in changes[0] if name != "row_id"]
    # Bound under other names: SQLAlchemy keeps a column's own name for itself in a SET clause.
    statement = table.update().where(table.c.id == sa.bindparam("row_id")).values(
        {name: sa.bindparam(f"new_{name}", type_=table.c[name].type) for name in names})
    op.get_bind().execute(statement, [{"row_id": c["row_id"], **{f"new_{n}": c[n] for n in names}} for c in changes])


def _convert(table: Any, columns: list[Any], change: Callable[[Any], dict[str, Any] | None],
             where: Any = None) -> None:
    for batch in _rows(table, *columns, where=where):
        changes = [{"row_id": row.id, **changed} for row in batch if (changed := change(row)) is not None]
        for keys in {tuple(sorted(c)) for c in changes}:  # one statement per set of columns
            _update(table, [c for c in changes if tuple(sorted(c)) == keys])


# ----------------------------------------------------------------------------------------------

def upgrade() -> None:
    with op.batch_alter_table('intake_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=32), nullable=True))
    with op.batch_alter_table('fines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_reason_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('match_reason_params', sa.JSON(), nullable=True))
    with op.batch_alter_table('fine_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasons', sa.JSON(), nullable=True))

    _convert(_messages, [_messages.c.reason], _message_codes, where=_messages.c.reason.is_not(None))
    _convert(_fines, [_fines.c.reason_code, _fines.c.reason, _fines.c.problems, _fines.c.match_reason], _fine_codes)
    _convert(_events, [_events.c.to_state, _events.c.actor_label, _events.c.note], _event_codes)
    _convert(_audit, [_audit.c.details], _audit_codes,
             where=sa.and_(_audit.c.action == 'fine.state_changed', _audit.c.object_type == 'Fine'))

    with op.batch_alter_table('fine_events', schema=None) as batch_op:  # no table refers to it: safe to copy
        batch_op.alter_column('reasons', existing_type=sa.JSON(), nullable=False)
    # SQLite (3.35+) drops the column in place. Copying the table instead would drop the old one, and
    # with foreign keys on that deletes its rows first: every fine's events would go with them (CASCADE).
    with op.batch_alter_table('fines', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('match_reason')


def _message_codes(row: Any) -> dict[str, Any]:
    code, detail = read_message_reason(row.reason)
    return {"reason_code": code, "reason": detail[:500] if detail else None}


def _fine_codes(row: Any) -> dict[str, Any]:
    waits = read_match_reason(row.match_reason)
    problems = [read_problem(p) or {"code": p, "params": {}} if isinstance(p, str) else p for p in row.problems or []]
    reason = None  # a doubtful fine's notes are its problems; a duplicate's original is ``duplicate_of_id``
    if row.reason_code and row.reason:
        quarantine = read_quarantine(row.reason)
        reason = quarantine[1] if quarantine is not None and quarantine[0] == row.reason_code else row.reason
    return {"match_reason_code": waits["code"] if waits else None,
            "match_reason_params": waits["params"] if waits else None, "problems": problems, "reason": reason}


def _event_codes(row: Any) -> dict[str, Any]:
    reasons, note = read_note(row.note, row.to_state, row.actor_label)
    return {"reasons": reasons, "note": note}


def _audit_codes(row: Any) -> dict[str, Any] | None:
    details = dict(row.details or {})
    note = details.get("note")
    if not isinstance(note, str) or "reasons" in details:
        return None
    reasons, typed = read_note(note, details.get("to_state"))
    if not reasons:
        return None
    details.update(note=typed, reasons=reasons)
    return {"details": details}


def downgrade() -> None:
    with op.batch_alter_table('fines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_reason', sa.String(length=500), nullable=True))

    _convert(_messages, [_messages.c.reason_code, _messages.c.reason], _message_sentences,
             where=_messages.c.reason_code.is_not(None))
    _convert(_fines, [_fines.c.state, _fines.c.reason_code, _fines.c.reason, _fines.c.duplicate_of_id,
                      _fines.c.problems, _fines.c.match_reason_code, _fines.c.match_reason_params], _fine_sentences)
    _convert(_events, [_events.c.note, _events.c.reasons], _event_sentences)
    _convert(_audit, [_audit.c.details], _audit_sentences,
             where=sa.and_(_audit.c.action == 'fine.state_changed', _audit.c.object_type == 'Fine'))

    with op.batch_alter_table('fine_events', schema=None) as batch_op:
        batch_op.drop_column('reasons')
    # In place, as in the upgrade: a copy would cascade to the fines' events and trip over the fines'
    # references to their messages.
    with op.batch_alter_table('fines', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('match_reason_params')
        batch_op.drop_column('match_reason_code')
    with op.batch_alter_table('intake_messages', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('reason_code')


def _message_sentences(row: Any) -> dict[str, Any]:
    return {"reason": (write_message_reason(row.reason_code, row.reason) or "")[:500] or None}


def _fine_sentences(row: Any) -> dict[str, Any]:
    problems = [write_reason(p) if isinstance(p, dict) else p for p in row.problems or []]
    if row.reason_code:
        reason = f"{row.reason_code}: {row.reason}" if row.reason else row.reason_code
    elif row.state == "duplicate" and row.duplicate_of_id:
        reason = _MATCH["duplicate_of"].format(id=row.duplicate_of_id)
    else:
        reason = "; ".join(problems) or None
    waits = {"code": row.match_reason_code, "params": row.match_reason_params or {}}
    return {"problems": problems, "reason": reason[:500] if reason else None,
            "match_reason": write_reason(waits)[:500] if row.match_reason_code else None}


def _event_sentences(row: Any) -> dict[str, Any] | None:
    if row.note or not row.reasons:
        return None
    return {"note": "; ".join(write_reason(r) for r in row.reasons)[:1000]}


def _audit_sentences(row: Any) -> dict[str, Any] | None:
    details = dict(row.details or {})
    reasons = details.pop("reasons", None)
    if reasons is None:
        return None
    if not details.get("note") and reasons:
        details["note"] = "; ".join(write_reason(r) for r in reasons)
    return {"details": details}

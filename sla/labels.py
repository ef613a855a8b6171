"""What the desk's screens call a ticket's states, events, levels and impacts, translated.

The database keeps the identifiers (``waiting_client``); people read these labels.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from sla.forms import IMPACT_CHOICES, LEVEL_CHOICES

__all__ = ["LABELS", "label"]

LABELS: dict[str, dict[str, LazyString]] = {
    "state": {
        "new": _l("new"),
        "acknowledged": _l("acknowledged"),
        "in_progress": _l("in progress"),
        "waiting_client": _l("waiting for the client"),
        "resolved": _l("resolved"),
        "closed": _l("closed"),
    },
    "event": {
        "reported": _l("reported"),
        "reaction": _l("acknowledged"),
        "start": _l("work started"),
        "status_report": _l("status report"),
        "comment": _l("comment"),
        "note": _l("internal note"),
        "pause": _l("waiting for the client"),
        "resume": _l("resumed"),
        "restore_start": _l("restore started"),
        "restore_end": _l("restore finished"),
        "resolved": _l("resolved"),
        "close": _l("closed"),
        "warning": _l("warning"),
        "escalated": _l("escalated"),
        "corrected": _l("level or impact corrected"),
        "assigned": _l("assigned"),
        "chargeable": _l("marked chargeable"),
        "not_chargeable": _l("marked not chargeable"),
    },
    "impact": {value: text for value, text in IMPACT_CHOICES},
    "level": {value: text for value, text in LEVEL_CHOICES},
}


def label(kind: str, value: object) -> str:
    """Return the label of a ticket's state, event kind, level or impact; unknown values as they are."""
    if value is None:
        return ""
    found = LABELS.get(kind, {}).get(str(value))
    return str(found) if found is not None else str(value)

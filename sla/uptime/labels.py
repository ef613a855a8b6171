"""What the uptime screens call sources, days and refusals, translated; the prober's outage reasons read back.

The database keeps the identifiers (``probe``, ``manual``); people read these labels.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

__all__ = ["LABELS", "label", "outage_reason"]

LABELS: dict[str, dict[str, LazyString]] = {
    "source": {
        "probe": _l("automatic check"),
        "manual": _l("recorded by an agent"),
    },
    # The uptime day strip.
    "day": {
        "ok": _l("available"),
        "warn": _l("short outage"),
        "bad": _l("below target"),
        "off": _l("no working hours"),
        "future": _l("not yet"),
        "nodata": _l("no data"),
    },
}


#: How the prober words an outage it recorded (``sla.uptime.services.record_check``), read back for display.
PROBE_REASON = re.compile(r"(?P<count>\d+) failed checks: (?P<detail>.*)", re.S)


def outage_reason(text: str | None) -> str:
    """Say an outage's reason in the user's language: the prober's own words translated, an agent's as typed."""
    if not text:
        return ""
    found = PROBE_REASON.fullmatch(text)
    if found is None:
        return text
    return _("%(count)s failed checks in a row: %(detail)s", count=int(found["count"]), detail=found["detail"])


def label(kind: str, value: object) -> str:
    """Return the label of an outage's source or a day of the strip; unknown values as they are."""
    if value is None:
        return ""
    found = LABELS.get(kind, {}).get(str(value))
    return str(found) if found is not None else str(value)

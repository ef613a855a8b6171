"""The words of the register: kinds, states and urgencies, in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KINDS = {"access": _l("access"), "rectification": _l("rectification"), "erasure": _l("erasure"),
         "restriction": _l("restriction of processing"), "portability": _l("portability"),
         "objection": _l("objection")}
STATES = {"open": _l("open"), "extended": _l("extended"), "answered": _l("answered"), "refused": _l("refused")}
URGENCIES = {"late": _l("late"), "soon": _l("due within 7 days"), "ok": _l("on time"), "done": _l("done")}


def name(table: dict[str, object], code: str | None) -> str:
    return str(table.get(code or "", code or ""))

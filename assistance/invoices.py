"""Check an insurer's or provider's invoice lines against a verdict's caps and entitlement.

Pure: standard library, ``app.workcalendar`` and the assistance values. Each line is accepted up to
what the verdict allows and refused beyond it, with the reasons as findings (codes of
``INVOICE_CODES``, effect ``withholds`` for a refusal, ``note`` otherwise). Amounts are cents.

Items (``InvoiceLine.item``): ``towing`` (towing not organised by the insurer, capped per case; nothing
when help was not asked for at the time), ``hotel`` (per passenger, insured or room-night, and the
case total), ``continue_trip``, ``guarding`` (``quantity`` days, at most the cap's days),
``replacement_vehicle`` (``quantity`` days, or ``days_used``; days beyond the entitlement are the
driver's or lessee's, 002 1.5 6°), ``transport`` and ``repatriation`` (at most the vehicle's
residual value, when given), ``parts`` (above the cap only with a payment guarantee). Anything else
is not an assistance cost (002 7.1.7, 7.1.29; 003 XII.1) and every line of an uncovered case is refused.
Caps per case are shared by the lines of the same item, in the order given.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.workcalendar import WorkCalendar
from assistance.terms import Cap, Finding, Replacement, Verdict, finding

__all__ = ["INVOICE_CODES", "ITEMS", "CheckedLine", "InvoiceCheck", "InvoiceLine", "check_invoice", "days_beyond"]

ITEMS: tuple[str, ...] = ("towing", "hotel", "continue_trip", "guarding", "replacement_vehicle", "transport",
                          "repatriation", "parts")

INVOICE_CODES: tuple[str, ...] = (
    "invoice_case_not_covered", "invoice_item_not_covered", "invoice_over_cap", "invoice_days_beyond",
    "invoice_no_replacement", "invoice_parts_guarantee", "invoice_residual_value_unknown",
    "invoice_not_in_entitlement",
)


@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice: the cost item, its words as written, how many (days, nights), the amount."""

    item: str
    description: str
    quantity: int
    amount_cents: int


@dataclass(frozen=True)
class CheckedLine:
    """A line with what is accepted and refused of it, and why."""

    line: InvoiceLine
    accepted_cents: int
    refused_cents: int
    reasons: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class InvoiceCheck:
    """Every line checked, and the totals."""

    lines: tuple[CheckedLine, ...]
    accepted_cents: int = field(init=False)
    refused_cents: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepted_cents", sum(line.accepted_cents for line in self.lines))
        object.__setattr__(self, "refused_cents", sum(line.refused_cents for line in self.lines))

    def as_json(self, text: Callable[[Finding], str] | None = None) -> dict[str, object]:
        """The check as JSON-ready values; each reason as code, ref, effect, params (and ``text`` if given)."""
        def reason(f: Finding) -> dict[str, object]:
            said: dict[str, object] = {"code": f.code, "ref": f.ref, "effect": f.effect, "params": dict(f.params)}
            if text is not None:
                said["text"] = text(f)
            return said
        return {
            "accepted_cents": self.accepted_cents,
            "refused_cents": self.refused_cents,
            "lines": [{"item": c.line.item, "description": c.line.description, "quantity": c.line.quantity,
                       "amount_cents": c.line.amount_cents, "accepted_cents": c.accepted_cents,
                       "refused_cents": c.refused_cents, "reasons": [reason(f) for f in c.reasons]}
                      for c in self.lines],
        }


def days_beyond(replacement: Replacement, start: date, returned: date, calendar: WorkCalendar) -> int:
    """Calendar days the replacement vehicle was kept after its last day (the driver's or lessee's to pay).

    The last day is ``replacement.return_by`` when set, else counted from ``start`` (day 1) in the
    entitlement's unit on ``calendar``.
    """
    last = replacement.return_by
    if last is None:
        if replacement.unit == "workdays":
            last = calendar.add_workdays(start - timedelta(days=1), replacement.max_days)
        else:
            last = start + timedelta(days=replacement.max_days - 1)
    return max(0, (returned - last).days)


def _refuse(line: InvoiceLine, code: str, ref: str = "", **params: object) -> CheckedLine:
    return CheckedLine(line, 0, line.amount_cents, (finding(code, ref, params, "withholds"),))


def _limit(line: InvoiceLine, allowed: int, code: str, ref: str, **params: object) -> CheckedLine:
    accepted = max(0, min(line.amount_cents, allowed))
    if accepted == line.amount_cents:
        return CheckedLine(line, accepted, 0)
    return CheckedLine(line, accepted, line.amount_cents - accepted,
                       (finding(code, ref, {"allowed_cents": accepted, **params}, "withholds"),))


def _pro_rata(line: InvoiceLine, units_allowed: int, units: int) -> int:
    if units <= 0:
        return line.amount_cents
    return line.amount_cents * max(0, min(units_allowed, units)) // units


class _Checker:
    """Checks lines one by one, keeping what each per-case cap has left."""

    def __init__(self, verdict: Verdict, passengers: int, days_used: int | None, residual_value_cents: int | None,
                 parts_guarantee: bool) -> None:
        self.verdict = verdict
        self.passengers = max(1, passengers)
        self.days_used = days_used
        self.residual = residual_value_cents
        self.parts_guarantee = parts_guarantee
        self.spent: dict[str, int] = {}

    def _budget(self, key: str, cap_cents: int) -> int:
        return max(0, cap_cents - self.spent.get(key, 0))

    def _spend(self, key: str, checked: CheckedLine) -> CheckedLine:
        self.spent[key] = self.spent.get(key, 0) + checked.accepted_cents
        return checked

    def line(self, line: InvoiceLine) -> CheckedLine:
        if not self.verdict.covered:
            return _refuse(line, "invoice_case_not_covered")
        handler = {
            "towing": self._per_case, "continue_trip": self._per_case, "hotel": self._hotel,
            "guarding": self._guarding, "replacement_vehicle": self._replacement, "transport": self._transport,
            "repatriation": self._transport, "parts": self._parts,
        }.get(line.item)
        if handler is None:
            return _refuse(line, "invoice_item_not_covered", item=line.item)
        return handler(line)

    def _cap(self, line: InvoiceLine, item: str) -> Cap | CheckedLine:
        cap = self.verdict.cap(item)
        return cap if cap is not None else _refuse(line, "invoice_not_in_entitlement", item=item)

    def _per_case(self, line: InvoiceLine) -> CheckedLine:
        cap = self._cap(line, line.item)
        if isinstance(cap, CheckedLine):
            return cap
        if cap.max_cents is None:
            return CheckedLine(line, line.amount_cents, 0)
        return self._spend(line.item, _limit(line, self._budget(line.item, cap.max_cents), "invoice_over_cap",
                                             cap.ref, item=line.item, cap_cents=cap.max_cents))

    def _hotel(self, line: InvoiceLine) -> CheckedLine:
        cap = self._cap(line, "hotel")
        if isinstance(cap, CheckedLine):
            return cap
        allowed = line.amount_cents
        if cap.max_cents is not None and cap.per == "room":  # per room-night, at most max_count nights
            nights = line.quantity
            if cap.max_count is not None:
                nights = min(nights, cap.max_count - self.spent.get("hotel_nights", 0))
            nights = max(0, nights)
            self.spent["hotel_nights"] = self.spent.get("hotel_nights", 0) + nights
            allowed = cap.max_cents * nights
        elif cap.max_cents is not None:  # per passenger or insured: for the whole case
            units = self.passengers if cap.per in ("passenger", "insured") else 1
            allowed = self._budget("hotel", cap.max_cents * units)
        total = self.verdict.cap("hotel_total")
        if total is not None and total.max_cents is not None:
            allowed = min(allowed, self._budget("hotel_total", total.max_cents))
        checked = _limit(line, allowed, "invoice_over_cap", cap.ref, item="hotel", cap_cents=cap.max_cents or 0)
        self.spent["hotel_total"] = self.spent.get("hotel_total", 0) + checked.accepted_cents
        return self._spend("hotel", checked)

    def _guarding(self, line: InvoiceLine) -> CheckedLine:
        cap = self._cap(line, "guarding_days")
        if isinstance(cap, CheckedLine):
            return cap
        days_left = (cap.max_count or 0) - self.spent.get("guarding_days", 0)
        allowed_days = max(0, min(days_left, line.quantity))
        self.spent["guarding_days"] = self.spent.get("guarding_days", 0) + allowed_days
        return _limit(line, _pro_rata(line, allowed_days, line.quantity), "invoice_over_cap", cap.ref,
                      item="guarding", max_count=cap.max_count or 0)

    def _replacement(self, line: InvoiceLine) -> CheckedLine:
        replacement = self.verdict.replacement
        if replacement is None:
            return _refuse(line, "invoice_no_replacement")
        used = self.days_used if self.days_used is not None else line.quantity
        left = replacement.max_days - self.spent.get("replacement_days", 0)
        allowed_days = max(0, min(left, used))
        self.spent["replacement_days"] = self.spent.get("replacement_days", 0) + allowed_days
        return _limit(line, _pro_rata(line, allowed_days, max(used, line.quantity, 1)), "invoice_days_beyond",
                      replacement.ref, days=used, max_days=replacement.max_days, unit=replacement.unit)

    def _transport(self, line: InvoiceLine) -> CheckedLine:
        cap = self.verdict.cap("transport") or self.verdict.cap("repatriation")
        ref = cap.ref if cap else ""
        if self.residual is None:
            return CheckedLine(line, line.amount_cents, 0,
                               (finding("invoice_residual_value_unknown", ref, {}, "note"),))
        return self._spend("transport", _limit(line, self._budget("transport", self.residual), "invoice_over_cap",
                                               ref, item=line.item, cap_cents=self.residual))

    def _parts(self, line: InvoiceLine) -> CheckedLine:
        cap = self.verdict.cap("parts_guarantee")
        if cap is None or cap.max_cents is None or line.amount_cents <= cap.max_cents or self.parts_guarantee:
            return CheckedLine(line, line.amount_cents, 0)
        return _refuse(line, "invoice_parts_guarantee", cap.ref, cap_cents=cap.max_cents)


def check_invoice(verdict: Verdict, lines: Sequence[InvoiceLine], *, passengers: int = 1,
                  days_used: int | None = None, residual_value_cents: int | None = None,
                  parts_guarantee: bool = False) -> InvoiceCheck:
    """Check ``lines`` against ``verdict``: what is accepted, what refused and why.

    ``passengers`` multiplies per-passenger and per-insured hotel caps; ``days_used`` overrides the
    replacement lines' quantity; ``residual_value_cents`` caps transport and repatriation (002 1.5
    3°, 003 III i); ``parts_guarantee`` says the insured gave the payment guarantee for parts above
    the cap (002 6.2, 003 IV.6).
    """
    checker = _Checker(verdict, passengers, days_used, residual_value_cents, parts_guarantee)
    return InvoiceCheck(tuple(checker.line(line) for line in lines))

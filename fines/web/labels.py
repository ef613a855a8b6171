"""What the screens call the workflow's states, urgencies, instructions and outcomes, translated.

The database and the domain modules keep the identifiers (``waiting_info``) and, for reasons, notes
and problems, a code and its parameters (``fines.reasons.Reason``); people read these labels, in
English, Dutch or French (``app/translations``). Each code's words live here once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext  # the name the message extractor knows, kept lazy
from flask_babel.speaklater import LazyString

from app import formatting
from fines.money import format_structured_reference, reference_check_fails
from fines.workflow.matching import shown_plate

__all__ = ["LABELS", "MESSAGE_REASONS", "REASONS", "correction_error", "label", "liability_text", "message_reason",
           "reason_text", "reasons_text", "shown_fields", "upload_reason"]

LABELS: dict[str, dict[str, LazyString]] = {
    "state": {
        "received": _l("received"),
        "read": _l("read"),
        "review": _l("in review"),
        "matched": _l("matched"),
        "waiting_info": _l("waiting for information"),
        "ready": _l("ready"),
        "processed": _l("processed"),
        "closed": _l("closed"),
        "cancelled": _l("cancelled"),
        "quarantined": _l("quarantined"),
        "duplicate": _l("duplicate"),
    },
    "urgency": {
        "overdue": _l("cut-off passed"),
        "cutoff_today": _l("cut-off today"),
        "this_week": _l("cut-off this week"),
        "later": _l("later"),
        # A fine is feminine in French, a time limit masculine: "done" needs its own context here.
        "done": pgettext("fine", "done"),
        "unknown": _l("no due date known"),
    },
    # Who bears the costs of a missed deadline (``deadlines.Liable``).
    "liable": {
        "client": _l("the client"),
        "operator": _l("the service provider"),
    },
    "instruction": {
        "redirect": _l("redirect"),
        "recharge": _l("recharge"),
    },
    "outcome": {
        "redirected": _l("redirected"),
        "recharged": _l("recharged"),
    },
    "kind": {
        "immediate_collection": _l("immediate collection"),
        "driver_identification": _l("request to identify the driver"),
        "parking": _l("parking charge"),
        "lez": _l("low-emission zone"),
        "settlement": _l("settlement proposal"),
        "payment_order": _l("payment order"),
        "foreign": _l("foreign fine"),
        "other": _l("other"),
    },
    # Why intake quarantined a fine (``Fine.reason_code``; the sandbox's and intake's codes).
    "quarantine": {
        "encrypted": _l("The PDF is protected by a password: it cannot be read."),
        "unreadable": _l("The PDF could not be read."),
        "no_text": _l("The PDF has no text layer and no page that OCR could read."),
        "ocr_unavailable": _l("The PDF is a scan and OCR is not available on this server."),
        "too_large": _l("The PDF is larger than FleetDesk accepts."),
        "no_fine": _l("No report number, plate or amount was found: this does not look like a fine."),
        "no_page": _l("The PDF has no pages."),
        "too_complex": _l("The PDF is too complex to read within the memory limit."),
        "timeout": _l("Reading the PDF took too long."),
        "crashed": _l("The PDF reader stopped on this file."),
        "too_many_pages": _l("The PDF has more pages than a fine letter; it was not read."),
        "cpu_limit": _l("Reading the PDF needed more computing time than allowed."),
        "not_pdf": _l("The file is neither a PDF nor a picture of a letter (JPEG, PNG, TIFF, HEIC)."),
        "no_pdf": _l("No PDF was attached."),
        # Why a whole e-mail was refused (``IntakeMessage.reason``: "<code>: <technical detail>").
        "empty": _l("The e-mail is empty."),
        "not_mail": _l("These bytes are not an e-mail: no e-mail headers were found."),
        "headers_too_large": _l("The e-mail's headers are larger than FleetDesk reads."),
        "too_many_headers": _l("The e-mail has more header lines than FleetDesk reads."),
        "too_many_encoded_words": _l("A header of the e-mail holds more encoded words than FleetDesk reads."),
        "too_many_parts": _l("The e-mail has more parts than FleetDesk reads."),
        "too_deep": _l("The e-mail nests forwarded messages deeper than FleetDesk reads."),
        "unparseable": _l("The e-mail could not be taken apart."),
        "intake_error": _l("Intake failed on this e-mail; it was set aside so that the next ones are read."),
        "message_too_large": _l("The e-mail is larger than FleetDesk accepts."),
    },
    # ``IntakeMessage.status`` and ``IntakeMessage.source``.
    "message_status": {
        "processed": _l("taken in"),
        "quarantined": _l("refused"),
        "triage": _l("to assign"),
        "held": _l("held"),
    },
    "source": {
        "imap": _l("e-mail"),
        "upload": _l("upload"),
        "cli": _l("command line"),
    },
    # The automatic replies a message received (``IntakeMessage.replies_sent``).
    "reply": {
        "question": _l("questions are not handled here"),
        "refused": _l("refused attachments"),
    },
    # Who took a step (``FineEvent.actor_label``) when it was not a person.
    "actor": {
        "system": _l("automatic step"),
        "intake": _l("intake"),
        "demo": _l("demo data"),
    },
    "language": {
        "nl": _l("Dutch"),
        "fr": _l("French"),
        "de": _l("German"),
        "en": _l("English"),
    },
    "field": {
        "kind": _l("Kind"),
        "language": _l("Language"),
        "issuer": _l("Issuing authority"),
        "notice_number": _l("Report number"),
        "plate": _l("Plate"),
        "plate_country": _l("Country of registration"),
        "offence_at": _l("Offence (Belgian time)"),
        "letter_date": _l("Letter date"),
        "due_date": _l("Due date"),
        "amount_cents": _l("Amount"),
        "currency": _l("Currency"),
        "payment_reference": _l("Structured reference"),
        "addressee": _l("Addressee"),
    },
}



def label(kind: str, value: str | None) -> str:
    """Return the label of ``value`` (a state, urgency, instruction, kind...); unknown values as they are."""
    if value is None:
        return ""
    found = LABELS.get(kind, {}).get(value)
    return str(found) if found is not None else value


def shown_fields(fields: dict[str, Any], currency: str | None, *, reviewed: bool = False) -> list[tuple[str, str]]:
    """Show the read-out fields (``fines.intake.services.fine_fields``) as people read them.

    Labelled in their language, the kind and language named, the plate in its national notation,
    dates and moments in the language's format, the amount as money; a structured communication
    whose check digits fail says so (and, once an agent reviewed it, that it was kept as printed).
    """
    shown = []
    for name, value in fields.items():
        if value is None or value == "":
            text = "—"
        elif name in ("kind", "language"):
            text = label(name, value)
        elif name == "plate":
            text = shown_plate(value, fields.get("plate_country"))
        elif name == "amount_cents":
            text = formatting.money(int(value), currency or "EUR")
        elif name == "payment_reference":
            text = format_structured_reference(str(value))
            if reference_check_fails(str(value)):
                text += " (" + (_("kept as printed, check digits fail") if reviewed else _("check digits fail")) + ")"
        elif name == "offence_at":
            text = formatting.when_long(datetime.fromisoformat(str(value)))
        elif name in ("letter_date", "due_date"):
            text = formatting.day_long(date.fromisoformat(str(value)))
        else:
            text = str(value)
        shown.append((label("field", name), text))
    return shown


#: ``fines.intake.services.CORRECTION_ERRORS``, translated.
CORRECTION_ERRORS: dict[str, LazyString] = {
    "final": _l("A fine in this state can no longer be corrected."),
    "plate": _l("%(plate)s is not a plate of %(country)s."),
    "reference_check": _l("This structured communication fails its mod-97 check: correct it, or confirm that it"
                          " is kept exactly as printed."),
    "due_before_letter": _l("The due date lies before the letter date."),
    "offence_after_letter": _l("The offence lies after the letter date."),
}


def correction_error(code: str, params: Mapping[str, str]) -> str:
    """Say why a correction was refused (``fines.intake.services.CorrectionRefused``) in the user's language."""
    return str(CORRECTION_ERRORS[code]) % dict(params)


#: Why a message waits for triage (``IntakeMessage.reason_code``; its ``reason`` is the detail). A refused
#: message's codes are ``LABELS["quarantine"]``'s.
MESSAGE_REASONS: dict[str, LazyString] = {
    "no_client": _l("No client has any of these addresses: %(detail)s"),
    "client_suspended": _l("Held while the client is suspended; taken in when the suspension is lifted."),
}


def message_reason(code: str | None, detail: str | None = None) -> str:
    """Say why intake set a message aside (``IntakeMessage.reason_code``), its technical detail as written."""
    if not code:
        return detail or ""
    if code in MESSAGE_REASONS:
        return str(MESSAGE_REASONS[code]) % {"detail": detail or "—"}
    return label("quarantine", code) + (f" ({detail})" if detail else "")


def _shown_day(value: str) -> str:
    """A stored ISO date as the language writes it in prose; anything else as it is."""
    try:
        return formatting.day_long(date.fromisoformat(value))
    except ValueError:
        return value


#: The codes of ``fines.reasons.Reason``: why a fine waits, what an automatic step did, what looked wrong
#: when it was read. Parameters: ``day`` an ISO date, ``missing`` ``MISSING`` codes joined by commas,
#: ``field`` a ``LABELS["field"]`` code; the others are shown as stored. An outcome (``LABELS["outcome"]``)
#: or a quarantine code (``LABELS["quarantine"]``) is a reason too, said by its own catalogue.
REASONS: dict[str, LazyString] = {
    # Matching (``fines.workflow.matching.MATCH_CODES``).
    "no_plate": _l("The fine has no plate to match a lease contract on %(day)s."),
    "no_contract": _l("No lease contract for plate %(plate)s on %(day)s."),
    "overlap": _l("%(count)s lease contracts for plate %(plate)s overlap on %(day)s: %(numbers)s."),
    # The automatic steps (``fines.workflow.states.STEP_CODES``).
    "matched": _l("contract %(number)s"),
    "information_missing": _l("contract %(number)s: missing %(missing)s"),
    "complete": _l("information complete"),
    # Intake (``fines.intake.services``).
    "duplicate_of": _l("same issuing authority and report number as fine %(id)s"),
    # What the reading found doubtful (``fines.intake``: the extraction and the PDF reader).
    "implausible_amount": _l("the amount is implausible"),
    "reference_check": _l("the structured reference's check digits fail (mod 97)"),
    "offence_after_letter": _l("the offence is dated after the letter"),
    "due_before_letter": _l("the due date is before the letter date"),
    "offence_after_due": _l("the offence is dated after the due date"),
    "offence_time_missing": _l("the time of the offence is missing"),
    "plate_pattern": _l("the plate does not look like a plate of %(country)s"),
    "missing": _l("%(field)s not found in the letter"),
    "page_unreadable": _l("page %(number)s could not be read"),
}
#: ``fines.workflow.states.MISSING``, translated.
MISSING: dict[str, LazyString] = {
    "instruction": _l("the contract's instruction (redirect or recharge)"),
    "driver_name": _l("the driver's name"),
    "driver_address": _l("the driver's postal address"),
    "answer_date": _l("the answer date of the identification request"),
    "letter_date": _l("the letter date (for the designation due date)"),
    "amount": _l("the amount"),
    "due_date": _l("the payment due date"),
}
#: ``fines.workflow.deadlines.LIABILITY_REASONS`` and ``DEADLINE_NAMES``, translated.
LIABILITY: dict[str, LazyString] = {
    "arrived_late": _l("The fine arrived on %(arrived)s, after the cut-off of %(cutoff)s: the client bears the"
                       " damage, costs and surcharges."),
    "incomplete_at_cutoff": _l("The fine's information was still incomplete after the cut-off of %(cutoff)s:"
                               " the client bears the damage, costs and surcharges."),
    "completed_late": _l("The fine's information became complete on %(complete)s, after the cut-off of"
                         " %(cutoff)s: the client bears the damage, costs and surcharges."),
    "operator_processed_late": _l("The fine and its information were complete on %(complete)s, by the cut-off of"
                                  " %(cutoff)s, but it was processed on %(processed)s, after %(what)s: the service"
                                  " provider bears the damage, costs and surcharges, within the limits of the"
                                  " general terms."),
    "operator_not_processed": _l("The fine and its information were complete on %(complete)s, by the cut-off of"
                                 " %(cutoff)s, but it was not processed by %(what)s: the service provider bears the"
                                 " damage, costs and surcharges, within the limits of the general terms."),
    "processed_in_time": _l("The fine was processed on %(processed)s, by %(what)s: no liability; late payment of"
                            " the fine is the client's concern."),
    "no_answer_date": _l("No due date can be computed without the answer date of the request: liability cannot"
                         " be decided yet."),
    "no_payment_due": _l("No due date can be computed without the payment due date: liability cannot be decided"
                         " yet."),
    "no_dates": _l("No due date can be computed without the letter date or the payment due date: liability"
                   " cannot be decided yet."),
}
DEADLINE_NAMES: dict[str, LazyString] = {
    "designation": _l("the designation due date of %(deadline)s"),
    "payment": _l("the payment due date of %(deadline)s"),
}


def _shown_value(name: str, value: str) -> str:
    """A reason's parameter as the reader's language writes it."""
    if name == "day":
        return _shown_day(value)
    if name == "missing":
        return ", ".join(str(MISSING[item]) if item in MISSING else item for item in value.split(",") if item)
    if name == "field":
        return label("field", value)
    return value


def reason_text(code: str | None, params: Mapping[str, Any] | None = None) -> str:
    """Say a stored reason (``fines.reasons.Reason``'s code and parameters) in the user's language.

    A quarantine's technical detail is for the fine's own page, not said here; an unknown code is
    shown as it is.
    """
    if not code:
        return ""
    template = REASONS.get(code)
    if template is None:
        return label("outcome" if code in LABELS["outcome"] else "quarantine", code)
    values = {name: _shown_value(name, str(value)) for name, value in (params or {}).items()}
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):  # stored by an older version with other parameters
        return code


def liability_text(code: str | None, params: Mapping[str, str], english: str | None) -> str:
    """Say the liability reason of an assessment (``fines.workflow.deadlines.assess``) in the user's language."""
    if code is None or code not in LIABILITY:
        return english or ""
    values = {name: _shown_day(value) if name != "deadline_kind" else value for name, value in params.items()}
    if "deadline_kind" in values:
        values["what"] = str(DEADLINE_NAMES[values["deadline_kind"]]) % {"deadline": values["deadline"]}
    return str(LIABILITY[code]) % values


def reasons_text(reasons: Iterable[Mapping[str, Any]] | None) -> str:
    """Say a stored list of reasons (``Fine.problems``, ``FineEvent.reasons``: ``{"code", "params"}`` each)."""
    return formatting.semicolons(reason_text(str(item.get("code") or ""), item.get("params"))
                                 for item in reasons or () if item.get("code"))


def upload_reason(state: str, reason_code: str | None, problems: Iterable[Mapping[str, Any]] | None, *,
                  staff: bool) -> str | None:
    """Say why an uploaded fine is not simply read: a quarantine, or (for agents only) what the reading
    found doubtful, in the user's language."""
    if state == "quarantined" and reason_code:
        return label("quarantine", reason_code)
    return (reasons_text(problems) or None) if staff else None

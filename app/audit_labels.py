"""The audit log in words: a label for every action code the code base records, and readable details.

The log stores codes and parameters (``user.logged_in``, ``{"changes": {"name": ["A", "B"]}}``);
the audit page and a client's activity page choose the words here, in the reader's language and
in Belgian local time. ``tests/unit/test_audit_labels.py`` fails when a ``record(...)`` call
anywhere uses a code without a label.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS: Mapping[str, Any] = {
    "client.created": _l("Client created"),
    "client.updated": _l("Client changed"),
    "client.suspended": _l("Client suspended"),
    "client.resumed": _l("Client's suspension lifted"),
    "client.service_contract_set": _l("Service contract recorded"),
    "client.offboarding_started": _l("Off-boarding started"),
    "client.exported": _l("Everything of the client exported"),
    "client.purged": _l("Client purged"),
    "client.imported": _l("Client restored from its off-boarding archive"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.reporter_changed": _l("Authorisation to report incidents changed"),
    "user.password_changed": _l("Password changed"),
    "user.logged_in": _l("Logged in"),
    "fines.upload": _l("Fines uploaded"),
    "fines.cli": _l("Fines taken in from the command line"),
    "fines.message_assigned": _l("E-mail assigned to a client"),
    "fines.message_retried": _l("Refused e-mail read again"),
    "fines.held_taken_in": _l("E-mail held during a suspension taken in"),
    "fines.mail_imported": _l("Saved e-mail taken in from the command line"),
    "fines.matched_again": _l("Fines matched again"),
    "fines.reminder_sent": _l("Cut-off reminder sent"),
    "fine.corrected": _l("Fine corrected in review"),
    "fine.state_changed": _l("Fine status changed"),
    "fine.rematched": _l("Fine matched to another contract"),
    "contract.created": _l("Lease contract created"),
    "contract.updated": _l("Lease contract changed"),
    "contracts.imported": _l("Lease contracts imported"),
    "privacy.driver_erased": _l("Driver's personal data erased"),
    "privacy.driver_exported": _l("Driver's personal data exported"),
    "privacy.fine_expired": _l("Fine's documents removed after the retention period"),
    "privacy.request_opened": _l("Privacy request recorded"),
    "privacy.identity_checked": _l("Requester's identity checked"),
    "privacy.request_extended": _l("Privacy request's deadline extended"),
    "privacy.request_answered": _l("Privacy request answered"),
    "privacy.request_refused": _l("Privacy request refused"),
    "privacy.restricted": _l("Processing of a driver's data restricted"),
    "privacy.restriction_lifted": _l("Restriction of processing lifted"),
    "privacy.restriction_overridden": _l("Restriction of processing overridden"),
    "privacy.person_exported": _l("Everything held on a person exported"),
    "privacy.person_erased": _l("A person's data erased everywhere"),
    "privacy.retention_run": _l("Personal data past its retention removed"),
    "ticket.opened": _l("Incident reported"),
    "ticket.corrected": _l("Incident level or impact corrected"),
    "ticket.restore_requested": _l("Restore requested"),
    "ticket.restored": _l("Data restored from a backup"),
    "ticket.attached": _l("File attached to an incident"),
    "ticket.bulk_assigned": _l("Incidents assigned together"),
    "uptime.outage_recorded": _l("Outage recorded"),
    "uptime.maintenance_planned": _l("Maintenance planned"),
    "backups.run_requested": _l("Backup run asked for"),
    "backups.verify_requested": _l("Backup verification asked for"),
    "backups.job_done": _l("Backup job finished"),
    "backups.job_failed": _l("Backup job failed"),
    "assistance.cover_created": _l("Assistance cover created"),
    "assistance.cover_updated": _l("Assistance cover changed"),
    "assistance.covers_imported": _l("Assistance covers imported"),
    "assistance.case_opened": _l("Assistance case opened"),
    "assistance.case_updated": _l("Assistance case corrected"),
    "assistance.replacement_recorded": _l("Replacement vehicle dates recorded"),
    "assistance.deadline_met": _l("Assistance deadline met"),
    "assistance.provider_created": _l("Provider created"),
    "assistance.provider_updated": _l("Provider changed"),
    "assistance.provider_assigned": _l("Case assigned to a provider"),
    "assistance.provider_event": _l("Provider's step recorded"),
    "assistance.invoice_checked": _l("Invoice checked"),
    "assistance.case_closed": _l("Assistance case closed"),
    "assistance.reminders_sent": _l("Assistance deadlines reminded to the agents"),
}

OBJECT_LABELS: Mapping[str, Any] = {
    "Client": _l("client"),
    "User": _l("user"),
    "Fine": _l("fine"),
    "IntakeMessage": _l("e-mail"),
    "Contract": _l("lease contract"),
    "Ticket": _l("incident"),
    "Outage": _l("outage"),
    "MaintenanceWindow": _l("maintenance"),
    "BackupJob": _l("backup job"),
    "Cover": _l("assistance cover"),
    "Case": _l("assistance case"),
    "Provider": _l("provider"),
    "PrivacyRequest": _l("privacy request"),
}

DETAIL_LABELS: Mapping[str, Any] = {
    "code": _l("Code"),
    "attachment": _l("Attachment"),
    "tickets": _l("Incidents"),
    "agent": _l("Agent"),
    "sha256": _l("Checksum (SHA-256)"),
    "size": _l("Size (bytes)"),
    "internal": _l("Agents only"),
    "name": _l("Name"),
    "intake_address": _l("Fine-intake address"),
    "email": _l("E-mail address"),
    "role": _l("Role"),
    "locale": _l("Language"),
    "allowed": _l("Authorised"),
    "changes": _l("Changes"),
    "files": _l("Files"),
    "fines": _l("Fines"),
    "to": _l("To"),
    "number": _l("Contract number"),
    "contract": _l("Contract number"),
    "contracts": _l("Contracts"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "reasons": _l("Why"),
    "from_state": _l("From"),
    "to_state": _l("To"),
    "category": _l("Intervention category"),
    "level": _l("Level"),
    "impact": _l("Impact"),
    "before": _l("Before"),
    "after": _l("After"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "query": _l("Search"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "old_plate": _l("Previous plate"),
    "reference_kept_as_printed": _l("Reference kept as printed"),
    # Assistance.
    "policy": _l("Policy number"),
    "product": _l("Product"),
    "plates": _l("Plates covered"),
    "plate": _l("Plate"),
    "cause": _l("Cause"),
    "country": _l("Country"),
    "covered": _l("Covered"),
    "start": _l("Taken on"),
    "returned": _l("Returned on"),
    "deadline": _l("Deadline"),
    "on_time": _l("On time"),
    "provider": _l("Provider"),
    "accepted_at": _l("Accepted at"),
    "event": _l("Step"),
    "at": _l("Moment"),
    "issuer": _l("Invoice from"),
    "source": _l("Source"),
    "lines": _l("Invoice lines"),
    "accepted_cents": _l("Accepted"),
    "refused_cents": _l("Refused"),
    "deadlines": _l("Deadlines"),
    # Restore requests.
    "restore_what": _l("Data to restore"),
    "restore_point": _l("Restore to"),
    "backup": _l("Backup"),
    # Backup jobs from the backups page.
    "tier": _l("Backup tier"),
    "kind": _l("Job"),
    "error": _l("Reason"),
    # A client's suspension and service contract.
    "sessions_ended": _l("Sessions ended"),
    "held_mail": _l("Held e-mails taken in"),
    "starts_on": _l("Contract start"),
    "term_months": _l("Initial term (months)"),
    "notice_months": _l("Notice period (months)"),
    "renewal_months": _l("Renewal term (months)"),
    "messages": _l("E-mails"),
}

_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


#: Who acted when it was not a person (``Actor.label``: a code; people are stored as their e-mail address).
ACTOR_LABELS: Mapping[str, Any] = {
    "system": _l("automatic step"),
    "intake": _l("intake"),
    "demo": _l("demo data"),
    "scheduler": _l("scheduled task"),
    "retention": _l("retention period"),
    "sla": _l("time limit watch"),
}


def actor_label(label: str | None) -> str:
    """Who acted, in words: a person's address as it is, an automatic actor translated, ``cli:who`` said so."""
    if not label:
        return ""
    found = ACTOR_LABELS.get(label)
    if found is not None:
        return str(found)
    if label.startswith("cli:"):
        return _("command line (%(who)s)", who=label[4:])
    return label


def action_label(code: str) -> str:
    """The action in words (the code itself, made readable, for a code recorded by newer code)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ").replace(".", ": ")


def object_label(object_type: str | None, object_id: str | None) -> str:
    """``fine 12``, ``incident 3``: what an entry is about."""
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type)
    kind = str(label) if label is not None else object_type
    return f"{kind} {object_id}" if object_id else kind


def _value(value: Any) -> str:
    if value is None or value in ("", "None"):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(item) for item in value) or "—"
    if isinstance(value, Mapping):
        from app import formatting

        return formatting.semicolons(f"{formatting.colon(detail_label(k))} {_value(v)}" for k, v in value.items())
    return str(value)


def _text(value: str) -> str:
    """A recorded string: an ISO moment in the reader's words, anything else as it is."""
    from app.formatting import when

    if _ISO_MOMENT.match(value):
        try:
            return when(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return str(value)


ValueLabel = Callable[[Any], str]
_VALUE_LABELS = "fleetdesk.audit_value_labels"


def add_value_labels(app: Flask, object_type: str, labels: Mapping[str, ValueLabel]) -> None:
    """Let a feature name the codes it records: ``{"to_state": lambda code: ...}`` for its ``object_type``.

    The platform cannot import a feature's label tables, so a fine's ``ready`` or an incident's
    impact ``few`` reach the audit page in words through this registry. A labeller receives a code
    as a string, or a recorded list (of codes with their parameters, say) as it is.
    """
    table: dict[tuple[str, str], ValueLabel] = app.extensions.setdefault(_VALUE_LABELS, {})
    for key, labeler in labels.items():
        table[(object_type, key)] = labeler


def _feature_value(object_type: str | None, key: str, value: Any) -> str | None:
    if not object_type or not isinstance(value, (str, int, list)) or isinstance(value, bool):
        return None
    labeler = current_app.extensions.get(_VALUE_LABELS, {}).get((object_type, key))
    if labeler is None:
        return None
    return labeler(value if isinstance(value, list) else str(value))


def detail_label(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def readable_details(details: Mapping[str, Any] | None, object_type: str | None = None) -> list[tuple[str, str]]:
    """The details as (label, text) pairs; a change reads ``name: old → new``; features' codes in words."""
    rows: list[tuple[str, str]] = []
    for key, value in (details or {}).items():
        named = _feature_value(object_type, key, value)
        if named is not None:
            rows.append((detail_label(key), named))
        elif key == "changes" and isinstance(value, Mapping):
            for field, pair in value.items():
                if isinstance(pair, (list, tuple)) and len(pair) == 2:
                    rows.append((detail_label(field), f"{_value(pair[0])} → {_value(pair[1])}"))
                else:
                    rows.append((detail_label(field), _value(pair)))
        elif key in ("before", "after") and isinstance(value, (list, tuple)) and len(value) == 2:
            rows.append((detail_label(key), f"{_value(value[0])} – {_value(value[1])}"))
        elif key == "role" and isinstance(value, str):
            from app.web import role_label

            rows.append((detail_label(key), role_label(value) if value in ("admin", "agent", "client") else value))
        else:
            rows.append((detail_label(key), _value(value)))
    return rows

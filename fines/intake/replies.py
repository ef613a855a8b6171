"""The automatic replies intake sends (pure: builds the messages, does not send them)."""
from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

REASONS = {
    "not_pdf": ("is geen pdf of foto (JPEG, PNG, TIFF, HEIC)", "n’est ni un PDF ni une photo (JPEG, PNG, TIFF, HEIC)",
                "is neither a PDF nor a photo (JPEG, PNG, TIFF, HEIC)"),
    "encrypted": ("is beveiligd met een wachtwoord", "est protégé par un mot de passe", "is password-protected"),
    "unreadable": ("is onleesbaar of beschadigd", "est illisible ou endommagé", "is unreadable or damaged"),
    "too_large": ("is te groot", "est trop volumineux", "is too large"),
    "no_fine": ("bevat geen verkeersboete", "ne contient pas d'amende", "contains no traffic fine"),
    "no_pdf": ("er was geen pdf bijgevoegd", "aucun PDF n'était joint", "no PDF was attached"),
}


@dataclass(frozen=True)
class Refusal:
    """One file intake could not use, and why (a key of ``REASONS``)."""

    filename: str
    code: str
    detail: str = ""


def reason_key(code: str) -> str:
    """Map a sandbox or intake reason code onto the reasons a sender is told."""
    return {"timeout": "unreadable", "too_complex": "unreadable", "crashed": "unreadable", "no_text": "unreadable",
            "ocr_unavailable": "unreadable"}.get(code, code if code in REASONS else "unreadable")


def question_reply(*, sender: str, mail_from: str, subject: str | None, in_reply_to: str | None) -> EmailMessage:
    """Tell the sender that text typed in the mail is not read."""
    body = (
        "NL - Dit adres verwerkt enkel de bijgevoegde boetes (pdf). Vragen of uitleg in de e-mail worden niet "
        "gelezen: stel ze apart via support.\n\n"
        "FR - Cette adresse traite uniquement les amendes jointes (PDF). Les questions ou explications dans "
        "l'e-mail ne sont pas lues : posez-les séparément via le support.\n\n"
        "EN - This address only processes the attached fines (PDF). Questions or explanations in the e-mail "
        "are not read: please ask them separately through support.\n"
    )
    return _reply(sender, mail_from, subject, in_reply_to, body)


def held_reply(*, sender: str, mail_from: str, subject: str | None, in_reply_to: str | None) -> EmailMessage:
    """Tell the sender that the message is kept but not processed while the client's account is suspended."""
    body = (
        "NL - Uw bericht is goed ontvangen en bewaard, maar wordt nu niet verwerkt: de FleetDesk-account van "
        "deze klant is opgeschort. Het wordt verwerkt zodra de opschorting is opgeheven; u hoeft het niet "
        "opnieuw te sturen.\n\n"
        "FR - Votre message a bien été reçu et conservé, mais il n’est pas traité pour l’instant : le compte "
        "FleetDesk de ce client est suspendu. Il sera traité dès la levée de la suspension ; inutile de le "
        "renvoyer.\n\n"
        "EN - Your message was received and kept, but it is not processed for now: this client's FleetDesk "
        "account is suspended. It will be processed as soon as the suspension is lifted; there is no need to "
        "send it again.\n"
    )
    return _reply(sender, mail_from, subject, in_reply_to, body)


def refusal_reply(refusals: list[Refusal], *, sender: str, mail_from: str, subject: str | None,
                  in_reply_to: str | None) -> EmailMessage:
    """Tell the sender which attachments were refused and why."""
    blocks = []
    for lang_index, intro in enumerate((
        "NL - Deze bijlagen konden niet verwerkt worden:",
        "FR - Ces pièces jointes n'ont pas pu être traitées :",
        "EN - These attachments could not be processed:",
    )):
        lines = [intro]
        for refusal in refusals:
            reason = REASONS[reason_key(refusal.code)][lang_index]
            lines.append(f"  - {refusal.filename}: {reason}")
        blocks.append("\n".join(lines))
    body = "\n\n".join(blocks) + "\n\nStuur een leesbare pdf / Envoyez un PDF lisible / Please send a readable PDF.\n"
    return _reply(sender, mail_from, subject, in_reply_to, body)


def _reply(sender: str, mail_from: str, subject: str | None, in_reply_to: str | None, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = sender
    msg["Subject"] = f"Re: {subject}" if subject else "FleetDesk"
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: no reply loops
    msg["Message-ID"] = make_msgid(domain="fleetdesk.invalid")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return msg

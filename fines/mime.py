"""Take an e-mail apart: who it was for, what was typed in it, and every attachment (pure).

The recipient decides the client, never the sender. The whole MIME tree is walked, including
forwarded ``message/rfc822`` parts, and PDFs are recognised by their bytes, not their name or
declared type.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses

ROUTING_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
PDF_MAGIC = b"%PDF-"
_FORWARD_MARKERS = re.compile(
    r"^(-{2,}\s*(forwarded message|original message|doorgestuurd bericht|oorspronkelijk bericht|"
    r"message transféré|message d'origine|weitergeleitete nachricht|ursprüngliche nachricht)\s*-{2,}|"
    r"(begin forwarded message|début du message réexpédié)\s*:|"
    r"(on|op|le|am) .{4,80}(wrote|schreef|a écrit|schrieb)\s*:)",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE = re.compile(r"^(from|to|cc|subject|date|sent|van|aan|onderwerp|datum|verzonden|de|à|objet|envoyé|von|an|betreff|gesendet)\s*:", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


class MalformedMail(ValueError):
    """The bytes are not an e-mail we can take apart."""


@dataclass(frozen=True)
class Attachment:
    """One leaf part that carries a file."""

    filename: str | None
    content_type: str
    data: bytes
    inline_image: bool = False  # a logo or picture in a signature: not something the sender sent us

    @property
    def is_pdf(self) -> bool:
        return looks_like_pdf(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class MailContents:
    """What intake needs of a message."""

    message_id: str | None
    sender: str | None
    subject: str | None
    recipients: tuple[str, ...]  # in routing order: Delivered-To, X-Original-To, To, Cc
    typed_text: str  # what the sender typed above any forwarded content, signature removed
    attachments: tuple[Attachment, ...]
    automatic: bool = False  # an auto-reply, bounce or list mail: never answer it

    @property
    def pdfs(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.is_pdf)

    @property
    def refused(self) -> tuple[Attachment, ...]:
        """Files the sender sent that are not PDFs (inline signature images are left alone)."""
        return tuple(a for a in self.attachments if not a.is_pdf and not a.inline_image)

    @property
    def has_question(self) -> bool:
        """Tell whether the sender typed something meant to be read (which intake does not handle)."""
        return len(_WORD.findall(self.typed_text)) >= 3 or "?" in self.typed_text


def looks_like_pdf(data: bytes) -> bool:
    """Recognise a PDF by its signature within the first kilobyte (as readers accept it)."""
    return PDF_MAGIC in data[:1024]


def parse_mail(raw: bytes) -> MailContents:
    """Parse raw RFC 5322 bytes; raise ``MalformedMail`` when there is no usable message."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything it raises means unusable input
        raise MalformedMail(f"cannot parse the message: {exc}") from exc
    if not isinstance(msg, EmailMessage) or not (msg.keys() or msg.get_payload()):
        raise MalformedMail("no headers")
    if len(msg.keys()) == 0 or not any(h in msg for h in ("From", "To", "Delivered-To", "X-Original-To", "Subject")):
        raise MalformedMail("no e-mail headers (From, To, Subject) found")

    attachments: list[Attachment] = []
    texts: list[str] = []
    for part in _leaves(msg, depth=0):
        _collect(part, attachments, texts)
    return MailContents(
        message_id=_clean_header(msg, "Message-ID"),
        sender=_first_address(msg, ("Reply-To", "From")),
        subject=_clean_header(msg, "Subject"),
        recipients=_recipients(msg),
        typed_text=typed_text(texts[0]) if texts else "",
        attachments=tuple(attachments),
        automatic=_is_automatic(msg),
    )


def _is_automatic(msg: Message) -> bool:
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    return auto != "no" or precedence in {"bulk", "junk", "list"} or "List-Id" in msg or \
        str(msg.get("Content-Type", "")).lower().startswith("multipart/report")


def _leaves(part: Message, depth: int) -> Iterator[Message]:
    if depth > 20:  # a message nested this deep is hostile; stop walking
        return
    if part.is_multipart():
        for sub in part.get_payload() or []:
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1)
        return
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        for sub in inner if isinstance(inner, list) else [inner]:
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1)
        return
    yield part


def _collect(part: Message, attachments: list[Attachment], texts: list[str]) -> None:
    ctype = part.get_content_type()
    filename = part.get_filename()
    try:
        decoded = part.get_payload(decode=True)
    except Exception:  # broken transfer encoding: keep what the raw payload is
        decoded = None
    if isinstance(decoded, bytes):
        data = decoded
    else:
        payload = part.get_payload()
        data = payload.encode("utf-8", "replace") if isinstance(payload, str) else b""
    is_file = bool(filename) or part.get_content_disposition() == "attachment" or looks_like_pdf(data)
    if ctype in ("text/plain", "text/html") and not is_file:
        charset = part.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, "replace")
        except LookupError:
            text = data.decode("utf-8", "replace")
        texts.append(_strip_html(text) if ctype == "text/html" else text)
        return
    if data or filename:
        inline_image = ctype.startswith("image/") and (part.get_content_disposition() == "inline" or "Content-ID" in part)
        attachments.append(Attachment(filename=_safe_filename(filename), content_type=ctype, data=data,
                                      inline_image=inline_image and not looks_like_pdf(data)))


def typed_text(body: str) -> str:
    """Keep what the sender typed: above forwarded or quoted content, without signature and quotes."""
    match = _FORWARD_MARKERS.search(body)
    if match:
        body = body[: match.start()]
    lines: list[str] = []
    for line in body.splitlines():
        if line.rstrip() in ("--", "-- "):  # signature separator
            break
        stripped = line.strip()
        if stripped.startswith(">") or _HEADER_LINE.match(stripped):
            continue
        lines.append(stripped)
    return "\n".join(lines).strip()


def _strip_html(html: str) -> str:
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"[ \t]+", " ", text)


def _recipients(msg: Message) -> tuple[str, ...]:
    seen: list[str] = []
    for header in ROUTING_HEADERS:
        values = [str(v) for v in msg.get_all(header, [])]
        for _name, address in getaddresses(values):
            address = address.strip().lower()
            if "@" in address and address not in seen:
                seen.append(address)
    return tuple(seen)


def _first_address(msg: Message, headers: tuple[str, ...]) -> str | None:
    for header in headers:
        values = [str(v) for v in msg.get_all(header, [])]
        for _name, address in getaddresses(values):
            if "@" in address:
                return address.strip()
    return None


def _clean_header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # a header that cannot be decoded is as good as absent
        return None
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:500] or None


def _safe_filename(name: str | None) -> str | None:
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f]", "", name).strip()
    return name[:200] or None

"""Take an e-mail apart: who it was for, what was typed in it, and every attachment (pure).

The recipient decides the client, never the sender. The raw bytes are checked against size and
count limits before any parser sees them, then read with the lenient ``compat32`` policy and
every header decoded here, so no header form (an encoded CR/LF, a group, 8-bit bytes) can make
the standard library's header parser raise or blow up. The whole MIME tree is walked: forwarded
``message/rfc822`` parts in any transfer encoding, messages attached as plain files (``.eml``
as ``application/octet-stream``) and Outlook's ``winmail.dat`` (TNEF). PDFs are recognised by
their bytes, not their name or declared type.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from typing import Literal

from tnefparse.tnef import TNEF

ROUTING_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
PDF_MAGIC = b"%PDF-"
TNEF_MAGIC = b"\x78\x9f\x3e\x22"
#: An inline picture at least this large is a photo a mail program put inline, not a signature's logo.
MIN_INLINE_PHOTO = 100 * 1024
BOM = b"\xef\xbb\xbf"
_FORWARD_MARKERS = re.compile(
    r"^(-{2,}\s*(forwarded message|original message|doorgestuurd bericht|oorspronkelijk bericht|"
    r"message transféré|message d'origine|weitergeleitete nachricht|ursprüngliche nachricht)\s*-{2,}|"
    r"(begin forwarded message|début du message réexpédié)\s*:|"
    r"(on|op|le|am) .{4,80}(wrote|schreef|a écrit|schrieb)\s*:)",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE = re.compile(r"^(from|to|cc|subject|date|sent|van|aan|onderwerp|datum|verzonden|de|à|objet|envoyé"
                          r"|von|an|betreff|gesendet)\s*:", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)

# A header field's name (RFC 5322 ftext: printable ASCII but the colon), then the colon.
_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ENCODED_WORD = re.compile(rb"=\?[^?\s]{1,64}\?[bBqQ]\?")
_DELIMITER_LINE = re.compile(rb"(?m)^--")
_MESSAGE_HEADERS = frozenset({"from", "to", "cc", "subject", "date", "message-id", "received", "mime-version",
                              "return-path", "delivered-to", "reply-to", "sender"})
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"@\\]+@[^\s<>()\[\],;:\"@\\]+\.[^\s<>()\[\],;:\"@\\]+")
_MESSAGE_ID = re.compile(r"<[^\s<>\"]{1,250}>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Machine-readable report parts: nothing a person attached, nothing typed.
_REPORT_PARTS = frozenset({"message/delivery-status", "message/global-delivery-status",
                           "message/disposition-notification", "message/feedback-report", "text/rfc822-headers",
                           "message/global-headers"})


#: Why a message is refused before or while it is taken apart (``fines.web.labels``: LABELS["quarantine"]).
ReasonCode = Literal["empty", "not_mail", "headers_too_large", "too_many_headers", "too_many_encoded_words",
                     "too_many_parts", "too_deep", "unparseable"]


class MalformedMail(ValueError):
    """The bytes are not an e-mail we can take apart; ``code`` says why (``fines.web.labels``: quarantine)."""

    def __init__(self, code: ReasonCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """What intake reads of one message at most; beyond these it is quarantined unparsed."""

    max_header_bytes: int = 256 * 1024  # the top-level header block
    max_header_fields: int = 1000
    max_encoded_words: int = 500  # in one header field
    max_parts: int = 1000  # MIME parts, nested and attached messages included
    max_depth: int = 50  # levels of the tree: multiparts, and messages within messages (about 3 per forward)


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
    def is_document(self) -> bool:
        """A PDF, or a picture of a letter: a photo, a scan (an inline logo or a small signature
        picture is not one, but a photo a mail program put inline is)."""
        if self.is_pdf:
            return True
        return picture_kind(self.data) is not None and (not self.inline_image or len(self.data) >= MIN_INLINE_PHOTO)

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
    def documents(self) -> tuple[Attachment, ...]:
        """The files read as fines: PDFs and pictures of letters (JPEG, PNG, TIFF, HEIC)."""
        return tuple(a for a in self.attachments if a.is_document)

    @property
    def refused(self) -> tuple[Attachment, ...]:
        """Files the sender sent that are neither PDFs nor pictures of letters (inline signature
        images are left alone)."""
        return tuple(a for a in self.attachments if not a.is_document and not a.inline_image)

    @property
    def has_question(self) -> bool:
        """Tell whether the sender typed something meant to be read (which intake does not handle)."""
        return len(_WORD.findall(self.typed_text)) >= 3 or "?" in self.typed_text


@dataclass(frozen=True)
class Headers:
    """The few top-level headers intake shows, read without parsing the body (for refused mail)."""

    sender: str | None
    subject: str | None
    recipients: tuple[str, ...]


def looks_like_pdf(data: bytes) -> bool:
    """Recognise a PDF by its signature within the first kilobyte (as readers accept it)."""
    return PDF_MAGIC in data[:1024]


#: ISO base media brands of HEIC/HEIF pictures (what an iPhone saves a photo as).
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def picture_kind(data: bytes) -> str | None:
    """Recognise a picture intake reads as a fine by its first bytes: ``jpeg``, ``png``, ``tiff``,
    ``heic``; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return "heic"
    return None


def clean_raw(raw: bytes) -> bytes:
    """Drop what comes before the headers: a UTF-8 BOM, blank lines, an mbox ``From `` line."""
    raw = raw.removeprefix(BOM).lstrip(b"\r\n\t ")
    if raw.startswith(b"From "):  # mbox separator (also ">From " is body text, not ours to undo)
        newline = raw.find(b"\n")
        raw = raw[newline + 1:] if newline >= 0 else b""
    return raw


def header_block(raw: bytes, limit: int) -> bytes | None:
    """The header block of cleaned ``raw`` (up to the first blank line); None if over ``limit`` bytes."""
    end = _HEADER_END.search(raw, 0, limit + 4)
    if end is None:
        return raw if len(raw) <= limit else None  # headers only, no body
    return raw[:end.start()] if end.start() <= limit else None


def check_limits(raw: bytes, limits: Limits) -> None:
    """Refuse cleaned ``raw`` before parsing when it is no e-mail or exceeds ``limits``."""
    if not raw.strip():
        raise MalformedMail("empty")
    block = header_block(raw, limits.max_header_bytes)
    if block is None:
        raise MalformedMail("headers_too_large", f"> {limits.max_header_bytes} bytes")
    if not _FIELD.match(block):
        raise MalformedMail("not_mail")
    fields = _split_fields(block)
    if len(fields) > limits.max_header_fields:
        raise MalformedMail("too_many_headers", f"{len(fields)} > {limits.max_header_fields}")
    for name, value in fields:
        words = len(_ENCODED_WORD.findall(value))
        if words > limits.max_encoded_words:
            raise MalformedMail("too_many_encoded_words", f"{name.decode('ascii', 'replace')}: {words} > "
                                                          f"{limits.max_encoded_words}")
    delimiters = len(_DELIMITER_LINE.findall(raw))
    if delimiters > 2 * limits.max_parts:  # every part has its delimiter line, so this bounds the parts
        raise MalformedMail("too_many_parts", f"{delimiters} delimiter lines > {2 * limits.max_parts}")
    if not any(name.strip().lower().decode("ascii", "replace") in _MESSAGE_HEADERS for name, _ in fields):
        raise MalformedMail("not_mail")


def _split_fields(block: bytes) -> list[tuple[bytes, bytes]]:
    """Split a header block into (name, unfolded value) pairs; lines that are no field are skipped."""
    fields: list[tuple[bytes, bytes]] = []
    for line in block.splitlines():
        if line[:1] in (b" ", b"\t"):
            if fields:
                fields[-1] = (fields[-1][0], fields[-1][1] + b" " + line.strip())
            continue
        name, colon, value = line.partition(b":")
        if colon and _FIELD.match(line):
            fields.append((name, value.strip()))
    return fields


def looks_like_message(data: bytes) -> bool:
    """Tell whether a file's bytes are an e-mail (an attached ``.eml``): header fields, then a body."""
    raw = clean_raw(data[:64 * 1024])
    block = header_block(raw, 32 * 1024)
    if not block or not _FIELD.match(block) or _HEADER_END.search(raw) is None:
        return False
    names = {name.strip().lower().decode("ascii", "replace") for name, _ in _split_fields(block)}
    return len(names & _MESSAGE_HEADERS) >= 2


def read_headers(raw: bytes, limits: Limits = Limits()) -> Headers:
    """Read sender, subject and recipients of a message without parsing its body; never raises."""
    block = header_block(clean_raw(raw), limits.max_header_bytes) or b""
    values: dict[str, list[str]] = {}
    for name, value in _split_fields(block)[: limits.max_header_fields]:
        if len(_ENCODED_WORD.findall(value)) <= limits.max_encoded_words:
            values.setdefault(name.strip().lower().decode("ascii", "replace"), []).append(_from_bytes(value))
    return Headers(sender=_first_address([values.get("reply-to", []), values.get("from", [])]),
                   subject=_text(values.get("subject", [None])[0]),
                   recipients=_addresses([values.get(h.lower(), []) for h in ROUTING_HEADERS]))


def parse_mail(raw: bytes, limits: Limits = Limits()) -> MailContents:
    """Parse raw RFC 5322 bytes; raise ``MalformedMail`` (with its code) when intake must not read them."""
    raw = clean_raw(raw)
    check_limits(raw, limits)
    msg = _parse(raw)
    walker = _Walker(limits)
    walker.walk(msg, depth=0)
    return MailContents(
        message_id=_message_id(_values(msg, "Message-ID")),
        sender=_first_address([_values(msg, "Reply-To"), _values(msg, "From")]),
        subject=_text(next(iter(_values(msg, "Subject")), None)),
        recipients=_addresses([_values(msg, h) for h in ROUTING_HEADERS]),
        typed_text=typed_text(walker.texts[0]) if walker.texts else "",
        attachments=tuple(walker.attachments),
        automatic=_is_automatic(msg),
    )


class _Part(Message):
    """A part as the parser builds it; a ``message/*`` part in base64 or quoted-printable stays encoded.

    The standard parser would read the encoded text as if it were the forwarded message and lose
    it; kept as the part's body, it is decoded and read as a message of its own.
    """

    def get_content_maintype(self) -> str:
        maintype = super().get_content_maintype()
        if maintype == "message" and _transfer_encoding(self) in ("base64", "quoted-printable"):
            return "application"
        return maintype


def _parse(raw: bytes) -> Message:
    try:  # compat32 keeps header values as written: they are decoded here, defensively
        return email.message_from_bytes(raw, _class=_Part, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; anything it raises means unusable input
        raise MalformedMail("unparseable", f"{type(exc).__name__}: {exc}"[:200]) from exc


@dataclass
class _Walker:
    """Collect the attachments and typed texts of a MIME tree, within the limits."""

    limits: Limits
    attachments: list[Attachment] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    parts: int = 0

    def walk(self, part: Message, depth: int) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise MalformedMail("too_many_parts", f"> {self.limits.max_parts}")
        if depth > self.limits.max_depth:
            raise MalformedMail("too_deep", f"> {self.limits.max_depth} levels")
        ctype = part.get_content_type()
        if ctype in _REPORT_PARTS:
            return
        if part.is_multipart():
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        data = _payload(part)
        if ctype in ("message/rfc822", "message/global"):
            self.message(data, depth + 1)
            return
        filename = _filename(part)
        disposition = part.get_content_disposition()
        is_file = bool(filename) or disposition == "attachment" or looks_like_pdf(data)
        if ctype in ("text/plain", "text/html") and not is_file:
            text = _decode_text(data, part.get_content_charset())
            self.texts.append(_strip_html(text) if ctype == "text/html" else text)
            return
        if data or filename:
            self.file(filename, ctype, data, depth,
                      inline_image=ctype.startswith("image/") and (disposition == "inline" or "Content-ID" in part))

    def file(self, filename: str | None, ctype: str, data: bytes, depth: int, *, inline_image: bool = False) -> None:
        """Take one file: a PDF, or a message or TNEF container to open, or something refused."""
        # TNEF first: a winmail.dat holding a PDF has "%PDF-" within its first kilobyte too.
        if data.startswith(TNEF_MAGIC) and self.tnef(data, depth + 1):
            return
        if not looks_like_pdf(data) and looks_like_message(data):
            self.message(data, depth + 1)
            return
        self.attachments.append(Attachment(filename=_safe_filename(filename), content_type=ctype, data=data,
                                           inline_image=inline_image and not looks_like_pdf(data)))

    def message(self, raw: bytes, depth: int) -> None:
        """Walk a message found inside the message (forwarded, attached, or in TNEF)."""
        raw = clean_raw(raw)
        check_limits(raw, self.limits)
        self.walk(_parse(raw), depth)

    def tnef(self, data: bytes, depth: int) -> bool:
        """Take the files out of an Outlook ``winmail.dat``; False if it cannot be read (kept as a file)."""
        if depth > self.limits.max_depth:
            raise MalformedMail("too_deep", f"> {self.limits.max_depth} levels")
        try:
            container = TNEF(data, do_checksum=False)
            files = [(str(a.long_filename() or "") or None, bytes(a.data or b""), getattr(a, "embed", None))
                     for a in container.attachments]
        except Exception:  # a damaged or unusual container: keep it as a refused file, say no more
            return False
        if not files:
            return False
        for name, content, embedded in files:
            if embedded is not None:  # a message attached in Outlook: its own TNEF attachments
                for inner in embedded.attachments:
                    self.file(str(inner.long_filename() or "") or None, "application/octet-stream",
                              bytes(inner.data or b""), depth + 1)
            elif content:
                self.file(name, "application/octet-stream", content, depth)
        return True


def _transfer_encoding(part: Message) -> str:
    return str(part.get("Content-Transfer-Encoding", "")).strip().lower()


def _payload(part: Message) -> bytes:
    try:
        decoded = part.get_payload(decode=True)
    except Exception:  # broken transfer encoding: keep what the raw payload is
        decoded = None
    if isinstance(decoded, bytes):
        return decoded
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _decode_text(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8", "replace")
    except (LookupError, TypeError):
        return data.decode("utf-8", "replace")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()  # compat32 decodes RFC 2231 parameters
    except Exception:  # a parameter that cannot be decoded: as good as no name
        return None
    if not name:
        return None
    return _text(str(name)) if "=?" in str(name) else str(name)


def _is_automatic(msg: Message) -> bool:
    auto = (next(iter(_values(msg, "Auto-Submitted")), None) or "no").strip().lower()
    precedence = (next(iter(_values(msg, "Precedence")), None) or "").strip().lower()
    return auto != "no" or precedence in {"bulk", "junk", "list"} or "List-Id" in msg or \
        msg.get_content_type() == "multipart/report"


def _values(msg: Message, name: str) -> list[str]:
    """Every value of header ``name`` as written (unfolded; 8-bit bytes read as UTF-8, else Latin-1)."""
    wanted = name.lower()
    values = []
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            text = value if isinstance(value, str) else str(value)
            values.append(_unfold(_from_surrogates(text)))
    return values


def _from_surrogates(text: str) -> str:
    """Undo the parser's surrogateescape of 8-bit header bytes."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text
    return _from_bytes(raw)


def _from_bytes(raw: bytes) -> str:
    try:
        return _unfold(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _unfold(raw.decode("latin-1"))


def _unfold(text: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", text).strip()


def _text(value: str | None) -> str | None:
    """A header's text for people: encoded words decoded, control characters (CR/LF too) removed."""
    if value is None:
        return None
    try:
        text = str(make_header(decode_header(value))) if "=?" in value else value
    except Exception:  # a broken encoded word: show it as written
        text = value
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text[:500] or None


def _addresses(groups: list[list[str]]) -> tuple[str, ...]:
    """The addresses in header values, lower case, in order, each once; anything else is dropped."""
    seen: list[str] = []
    for values in groups:
        for address in _parse_addresses(values):
            if address.lower() not in seen:
                seen.append(address.lower())
    return tuple(seen)


def _first_address(groups: list[list[str]]) -> str | None:
    for values in groups:
        for address in _parse_addresses(values):
            return address
    return None


def _parse_addresses(values: list[str]) -> Iterator[str]:
    """Addresses only: display names (which may hold encoded CR/LF) and groups are never decoded."""
    for value in values:
        try:
            pairs = getaddresses([value])
        except Exception:  # the old address parser can trip over odd input: fall back to a plain scan
            pairs = [("", found) for found in _ADDRESS.findall(value)]
        for _name, raw in pairs:
            address = raw.strip()
            if len(address) <= 254 and _ADDRESS.fullmatch(address):
                yield address


def _message_id(values: list[str]) -> str | None:
    """The Message-ID: its first ``<...>`` token, else its text cleaned up; None when absent."""
    if not values:
        return None
    found = _MESSAGE_ID.search(values[0])
    if found:
        return found.group(0)
    return _text(values[0])


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


def _safe_filename(name: str | None) -> str | None:
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or None

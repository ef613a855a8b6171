"""Taking e-mail apart (pure): hostile headers, bounded parsing, every wrapper a PDF comes in."""
from __future__ import annotations

import base64
import quopri
import time
import tracemalloc
from email.message import EmailMessage
from typing import get_args

import pytest

from fines.intake import mime
from tests import pdfs
from tests.tnef import build_tnef

INTAKE = "alpha@fines.fleetdesk.test"
PDF = pdfs.text_pdf(pdfs.LETTER)


def _raw(*headers: str, body: str = "hallo") -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def _police_mail() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "noreply@politie.example", "fleet@alpha.test", "PV"
    msg.set_content("zie bijlage")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="pv.pdf")
    return msg


def _outer(*parts: tuple[bytes, str, str | None], cte: str = "base64") -> bytes:
    """A mail to the intake address with ``parts`` (bytes, content type, file name) in ``cte``."""
    lines = [f"From: fleet@alpha.test\r\nTo: {INTAKE}\r\nSubject: Fw\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=OUT\r\n\r\n"
             "--OUT\r\nContent-Type: text/plain\r\n\r\nzie bijlage\r\n"]
    for data, ctype, name in parts:
        encoded = (base64.encodebytes(data) if cte == "base64" else quopri.encodestring(data)).decode()
        disposition = f"Content-Disposition: attachment; filename=\"{name}\"\r\n" if name else ""
        lines.append(f"--OUT\r\nContent-Type: {ctype}\r\n{disposition}Content-Transfer-Encoding: {cte}\r\n\r\n"
                     f"{encoded}\r\n")
    lines.append("--OUT--\r\n")
    return "".join(lines).encode()


def test_encoded_crlf_in_a_display_name_is_never_decoded_into_the_sender() -> None:
    contents = mime.parse_mail(_raw("From: =?utf-8?q?x=0D=0Ay?= <a@evil.test>", f"To: {INTAKE}",
                                    "Subject: =?utf-8?q?boete=0D=0ABcc:_victim@evil.test?="))
    assert contents.sender == "a@evil.test" and contents.recipients == (INTAKE,)
    assert "\r" not in (contents.subject or "") and "\n" not in (contents.subject or "")


def test_sendmails_unlisted_recipients_group_does_not_break_routing() -> None:
    contents = mime.parse_mail(_raw("From: fleet@alpha.test", "To: unlisted-recipients:; (no To-header on input)",
                                    f"Delivered-To: {INTAKE}", "Subject: bcc"))
    assert contents.recipients == (INTAKE,)


@pytest.mark.parametrize("message_id, expected", [
    ("<abc@x.test>", "<abc@x.test>"),
    ("<<>>@@ (comment) <not valid", "<<>>@@ (comment) <not valid"),
    ("garbage <ok@x.test> trailing", "<ok@x.test>"),
    ("=?utf-8?q?=0D=0A?=", None),
])
def test_odd_message_ids_are_read_without_raising(message_id: str, expected: str | None) -> None:
    contents = mime.parse_mail(_raw("From: a@b.test", f"To: {INTAKE}", f"Message-ID: {message_id}"))
    assert contents.message_id == expected


def test_eight_bit_raw_headers_are_read_as_utf8_or_latin1() -> None:
    raw = ("From: Ren\u00e9 <rene@alpha.test>\r\nTo: " + INTAKE + "\r\nSubject: caf\u00e9\r\n").encode() + \
        "X-Old: Fran\u00e7ois\r\n\r\nbody\r\n".encode("latin-1")
    contents = mime.parse_mail(raw)
    assert contents.subject == "caf\u00e9" and contents.sender == "rene@alpha.test"


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\r\n\r\n", b"\xef\xbb\xbf\n",
                                    b"From fleet@alpha.test Tue Nov  3 18:00:00 2026\n"])
def test_bom_blank_lines_and_mbox_from_line_before_the_headers_are_skipped(prefix: bytes) -> None:
    contents = mime.parse_mail(prefix + _raw("From: a@b.test", f"To: {INTAKE}", "Subject: s"))
    assert contents.recipients == (INTAKE,) and contents.subject == "s"


def test_mixed_crlf_and_lf_line_endings_are_read() -> None:
    raw = f"From: a@b.test\nTo: {INTAKE}\r\nSubject: s\n\r\nbody\n".encode()
    assert mime.parse_mail(raw).subject == "s"


def _header_bomb(words: int) -> bytes:
    to = ", ".join(f"=?utf-8?b?{base64.b64encode(f'naam {i}'.encode()).decode()}?= <u{i}@x.test>"
                   for i in range(words))
    return _raw("From: a@evil.test", f"To: {to}", "Subject: s")


def test_a_header_of_thousands_of_encoded_words_is_refused_before_parsing_fast_and_small() -> None:
    raw = _header_bomb(2700)
    assert len(raw) > 100_000
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(mime.MalformedMail) as refused:
            mime.parse_mail(raw)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "too_many_encoded_words"
    assert elapsed < 2 and peak < 50 * 1024 * 1024


@pytest.mark.parametrize("raw, code", [
    (b"", "empty"),
    (b"\x00\x01 not mail", "not_mail"),
    (b"X-Only: nothing an e-mail has\r\n\r\nbody", "not_mail"),
    (b"From: a@b.test\r\nX-Pad: " + b"y" * (300 * 1024) + b"\r\n\r\nbody", "headers_too_large"),
    (b"From: a@b.test\r\n" + b"X-N: 1\r\n" * 1200 + b"\r\nbody", "too_many_headers"),
    (b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" + b"--B\r\n\r\nx\r\n" * 2500,
     "too_many_parts"),
])
def test_mail_over_the_limits_or_not_mail_is_refused_with_its_code(raw: bytes, code: str) -> None:
    with pytest.raises(mime.MalformedMail) as refused:
        mime.parse_mail(raw)
    assert refused.value.code == code


def test_messages_nested_deeper_than_the_limit_are_refused() -> None:
    raw = _police_mail().as_bytes()
    for _ in range(12):
        outer = EmailMessage()
        outer["From"], outer["To"] = "a@b.test", INTAKE
        outer.set_content("fw")
        outer.add_attachment(raw, maintype="application", subtype="octet-stream", filename="fw.eml")
        raw = outer.as_bytes()
    with pytest.raises(mime.MalformedMail) as refused:
        mime.parse_mail(raw, mime.Limits(max_depth=10))
    assert refused.value.code == "too_deep"
    assert len(mime.parse_mail(raw).pdfs) == 1  # within the default depth it is found


def _rfc822_plain() -> bytes:
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "fleet@alpha.test", INTAKE, "Fw"
    outer.set_content("zie bijlage")
    part = EmailMessage()
    part.set_content(_police_mail())
    outer.make_mixed()
    outer.attach(part)
    return outer.as_bytes()


def _tnef_in_tnef_free_mail(ctype: str) -> bytes:
    return _outer((build_tnef([("PV.pdf", PDF), ("nota.txt", b"nota")]), ctype, "winmail.dat"))


@pytest.mark.parametrize("shape, raw", [
    ("rfc822 plain", _rfc822_plain()),
    ("rfc822 base64", _outer((_police_mail().as_bytes(), "message/rfc822", None))),
    ("rfc822 quoted-printable", _outer((_police_mail().as_bytes(), "message/rfc822", None), cte="quoted-printable")),
    ("rfc822 base64 twice",
     _outer((_outer((_police_mail().as_bytes(), "message/rfc822", None)), "message/rfc822", None))),
    (".eml as octet-stream", _outer((_police_mail().as_bytes(), "application/octet-stream", "fw.eml"))),
    (".eml as octet-stream twice", _outer((_outer((_police_mail().as_bytes(), "application/octet-stream", "a.eml")),
                                           "application/octet-stream", "b.eml"))),
    ("TNEF winmail.dat", _tnef_in_tnef_free_mail("application/ms-tnef")),
    ("TNEF as octet-stream", _tnef_in_tnef_free_mail("application/octet-stream")),
    ("PDF declared as an image", _outer((PDF, "image/jpeg", "scan.jpg"))),
])
def test_every_forwarding_wrapper_yields_its_pdf(shape: str, raw: bytes) -> None:
    contents = mime.parse_mail(raw)
    assert [a.data for a in contents.pdfs] == [PDF], shape
    assert all(not a.data.startswith((b"From:", mime.TNEF_MAGIC)) for a in contents.attachments), shape


def test_files_inside_tnef_other_than_pdfs_are_refused_by_name() -> None:
    contents = mime.parse_mail(_tnef_in_tnef_free_mail("application/ms-tnef"))
    assert [a.filename for a in contents.refused] == ["nota.txt"]


def test_a_damaged_tnef_container_is_kept_as_a_refused_file() -> None:
    contents = mime.parse_mail(_outer((mime.TNEF_MAGIC + b"\x00\x01broken", "application/ms-tnef", "winmail.dat")))
    assert [a.filename for a in contents.refused] == ["winmail.dat"] and contents.pdfs == ()


def test_delivery_status_parts_are_neither_text_nor_attachments() -> None:
    raw = (f"From: MAILER-DAEMON@mx.test\r\nTo: {INTAKE}\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n"
           "--R\r\nContent-Type: text/plain\r\n\r\nI'm sorry to inform you\r\n"
           "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"
           "Final-Recipient: rfc822; x@y.test\r\nAction: failed\r\n\r\n"
           "--R\r\nContent-Type: message/rfc822\r\n\r\n").encode() + _police_mail().as_bytes() + b"\r\n--R--\r\n"
    contents = mime.parse_mail(raw)
    assert contents.automatic and len(contents.pdfs) == 1 and contents.refused == ()


def test_read_headers_of_a_refused_message_never_raises() -> None:
    headers = mime.read_headers(_header_bomb(2700))
    assert headers.sender == "a@evil.test" and headers.recipients == ()
    headers = mime.read_headers(
        b"\xef\xbb\xbfFrom: =?utf-8?q?x=0D=0Ay?= <a@evil.test>\r\nTo: unlisted-recipients:;\r\n\r\n")
    assert headers.sender == "a@evil.test"


def test_every_refusal_code_has_a_label() -> None:
    from fines.web.labels import LABELS

    assert set(get_args(mime.ReasonCode)) | {"intake_error"} <= set(LABELS["quarantine"])

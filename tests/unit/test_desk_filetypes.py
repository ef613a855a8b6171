"""Which files a ticket may carry: the type read from the bytes, the name checked against it and cleaned."""
from __future__ import annotations

import pytest

from sla.desk.filetypes import ALLOWED, name_disagrees, safe_filename, sniff

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
JPEG = b"\xff\xd8\xff\xe0" + bytes(16)
PDF = b"%PDF-1.4\n"


@pytest.mark.parametrize(("data", "kind"), [
    (PNG, "png"), (JPEG, "jpeg"), (PDF, "pdf"), ("Zoë’s log\n\ttab\r\n".encode(), "text"),
    (b"<html><script>alert(1)</script></html>", "text"),  # text by its bytes; its name decides (below)
    (b"GIF89a" + bytes(8), None), (b"MZ\x90\x00", None), (b"PK\x03\x04zip", None), (b"", None),
    (b"text with a NUL\x00", None), (b"\xff\xfe not utf-8 \xc3", None), (b"\x1b[31m escape codes", None),
])
def test_the_type_is_read_from_the_first_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == (ALLOWED[kind] if kind else None)


@pytest.mark.parametrize(("name", "kind", "disagrees"), [
    ("shot.png", "png", False), ("shot.PNG", "png", False), ("photo.jpeg", "jpeg", False), ("scan.pdf", "pdf", False),
    ("notes.txt", "text", False), ("proxy.log", "text", False), ("export.csv", "text", False),
    ("README", "text", False),
    ("shot", "png", False), ("report.exe", "pdf", False),  # a picture or PDF may have any name but another type's
    ("shot.png", "text", True), ("page.html", "text", True), ("run.sh", "text", True), ("scan.pdf", "png", True),
    ("notes.txt", "png", True), ("photo.jpg", "pdf", True),
])
def test_a_name_saying_another_type_than_the_content_is_caught(name: str, kind: str, disagrees: bool) -> None:
    assert name_disagrees(name, ALLOWED[kind]) is disagrees


@pytest.mark.parametrize(("name", "kind", "safe"), [
    ("shot.png", "png", "shot.png"), ("C:\\Users\\an\\shot.PNG", "png", "shot.png"),
    ("../../etc/passwd", "text", "passwd.txt"), ('quo"te<>:|?*.pdf', "pdf", "quo_te_.pdf"),
    ("screenshot", "png", "screenshot.png"), ("report.exe", "pdf", "report.pdf"), ("...", "png", "attachment.png"),
    ("x" * 300 + ".jpg", "jpeg", "x" * 251 + ".jpg"), ("line\r\nbreak.txt", "text", "line_break.txt"),
])
def test_the_stored_name_has_no_folders_or_header_breaking_characters_and_the_right_suffix(
        name: str, kind: str, safe: str) -> None:
    assert safe_filename(name, ALLOWED[kind]) == safe

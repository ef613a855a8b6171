"""Which files a ticket may carry, told from their first bytes (never from the name the uploader gave).

Pure: the standard library only. A screenshot (PNG, JPEG), a PDF or a plain text file (UTF-8, no
control characters but tabs, line ends and form feeds) is accepted; anything else, a ``.png`` that
is really HTML or a program included, is not.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ALLOWED", "FileType", "name_disagrees", "safe_filename", "sniff"]


@dataclass(frozen=True)
class FileType:
    """An accepted kind of file: the content type it is served with and the suffix it is stored under."""

    content_type: str
    suffix: str


ALLOWED: dict[str, FileType] = {
    "png": FileType("image/png", ".png"),
    "jpeg": FileType("image/jpeg", ".jpg"),
    "pdf": FileType("application/pdf", ".pdf"),
    "text": FileType("text/plain", ".txt"),
}
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"%PDF-", "pdf"))
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')
MAX_NAME = 255
#: What a file's name may end in for each type; a name ending in another type's suffix must match its content.
_SUFFIXES = {"png": {".png"}, "jpeg": {".jpg", ".jpeg", ".jpe"}, "pdf": {".pdf"}, "text": {".txt", ".log", ".csv", ""}}


def sniff(data: bytes) -> FileType | None:
    """The accepted type ``data`` is, read from its content; None when it is none of them."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return ALLOWED[name]
    if _is_plain_text(data):
        return ALLOWED["text"]
    return None


def name_disagrees(name: str, file_type: FileType) -> bool:
    """Whether the file's name says another kind than its content: ``shot.png`` holding text or HTML, say.

    A text file must be named as one (``.txt``, ``.log``, ``.csv`` or no suffix), so an HTML page or a
    script is not taken in as text under its own name; a picture or PDF may have any name.
    """
    suffix = _suffix(name)
    kind = _kind(file_type)
    if suffix in _SUFFIXES[kind]:
        return False
    claimed = [k for k, suffixes in _SUFFIXES.items() if suffix and suffix in suffixes]
    return bool(claimed) or kind == "text"


def _kind(file_type: FileType) -> str:
    return next(k for k, t in ALLOWED.items() if t == file_type)


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    return "." + extension.lower() if dot and stem else ""


def _is_plain_text(data: bytes) -> bool:
    if not data or _TEXT_CONTROL.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def safe_filename(name: str, file_type: FileType) -> str:
    """The uploader's file name without its folders or characters a download header or a file system
    chokes on, ending in the suffix of the type the content really is (``x.png`` holding a PDF: ``x.pdf``)."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" ._") or "attachment"
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem = base
    known = _SUFFIXES[_kind(file_type)] - {""}
    suffix = "." + extension.lower() if dot and "." + extension.lower() in known else file_type.suffix
    return stem[:MAX_NAME - len(suffix)] + suffix

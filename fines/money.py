"""Amounts of money and Belgian structured communications, as written on fine letters.

Pure: standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Money", "find_structured_reference", "format_structured_reference", "parse_amount", "parse_euros",
           "reference_check_fails", "structured_reference_valid"]

#: Currency marks as written, and their ISO 4217 codes.
CURRENCY_MARKS: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "eu r": "EUR",
    "chf": "CHF", "fr.": "CHF", "£": "GBP", "gbp": "GBP", "usd": "USD", "$": "USD",
}
_MARK = r"(?:€|eur(?:o?s?)?\b|chf\b|£|gbp\b|usd\b|\$)"
# A number as written: "1.234,56", "1 234,56", "35,00", "35.00", "135", "35,-", "1,234.56".
_NUMBER = r"\d{1,3}(?:[.\u202f\u00a0 ']\d{3})+(?:[.,](?:\d{2}|-{1,2}))?|\d+(?:[.,](?:\d{2}|-{1,2}))?"
_AMOUNT = re.compile(
    rf"(?P<pre>{_MARK})?\s*(?P<number>{_NUMBER})(?!\d)\s*(?P<post>{_MARK})?",
    re.IGNORECASE,
)
# OCR writes O for 0 and l/I for 1 inside numbers.
_OCR_DIGIT = re.compile(r"(?<=\d)[OolI|](?![A-Za-z])|(?<=\d[.,/:])[OolI|]|(?<![A-Za-z])[OolI|](?=\d)")
_STRUCTURED = re.compile(
    r"(?P<mark>[+*]{2,3}|\+\s?\+\s?\+)\s*(?P<a>[\dOolI]{3})\s*/\s*(?P<b>[\dOolI]{4})\s*/\s*(?P<c>[\dOolI]{5})\s*(?:[+*]{2,3})?"
)


@dataclass(frozen=True)
class Money:
    """An amount in the smallest unit (cents) and its ISO 4217 currency (``None`` when not written)."""

    cents: int
    currency: str | None


def fix_ocr_digits(text: str) -> str:
    """Turn the letters OCR puts in numbers (``1O,5O``, ``l2``, ``15O,OO``) back into digits."""
    for _ in range(3):  # a run like "OO" after a comma is repaired one letter per pass
        fixed = _OCR_DIGIT.sub(lambda m: "0" if m.group(0) in "Oo" else "1", text)
        if fixed == text:
            break
        text = fixed
    return text


def _to_cents(number: str) -> int:
    number = number.replace("\u202f", " ").replace("\u00a0", " ").replace("'", " ")
    decimal = re.search(r"[.,](\d{2}|-{1,2})$", number)
    cents = 0
    if decimal:
        cents = int(decimal.group(1)) if decimal.group(1).isdigit() else 0
        number = number[: decimal.start()]
    whole = re.sub(r"\D", "", number)
    return int(whole or "0") * 100 + cents


def parse_amount(text: str, *, require_currency: bool = False) -> Money | None:
    """Return the first amount in ``text`` (``EUR 35,00``, ``€ 1.234,56``, ``35.00 EUR``, ``135 €``).

    Without a currency mark the amount is still returned (``currency=None``) unless
    ``require_currency``. Numbers glued to letters or slashes (dates, references) are not amounts.
    """
    text = fix_ocr_digits(text)
    for match in _AMOUNT.finditer(text):
        start, end = match.span("number")
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalnum() or before in "/.-+*" or after in "/" or (after.isalpha() and not match.group("post")):
            continue
        mark = (match.group("pre") or match.group("post") or "").lower()
        if require_currency and not mark:
            continue
        currency = CURRENCY_MARKS.get(mark, CURRENCY_MARKS.get(mark.rstrip("s"), "EUR")) if mark else None
        return Money(_to_cents(match.group("number")), currency)
    return None


_TYPED_AMOUNT = re.compile(r"\d+(?:[.,]\d{1,2})?")


def parse_euros(text: str) -> int:
    """Read an amount a person typed in euros (``58,00``, ``58.00``, ``58``, ``1.234,56``, ``€ 1 234,5``) as cents.

    The last ``.`` or ``,`` followed by one or two digits is the decimal mark; other marks, spaces
    and apostrophes group thousands. Raise ``ValueError`` for anything else (or a negative amount).
    """
    cleaned = re.sub(r"(?i)^\s*(?:€|eur)\s*|\s*(?:€|eur)\s*$", "", text.strip())
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", cleaned)
    decimal = re.search(r"[.,](\d{1,2})$", cleaned)
    whole, cents = (cleaned[: decimal.start()], decimal.group(1).ljust(2, "0")) if decimal else (cleaned, "00")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", whole):
        whole = re.sub(r"[.,]", "", whole)
    if not whole.isdigit() or not _TYPED_AMOUNT.fullmatch(f"{whole}.{cents}"):
        raise ValueError(f"not an amount in euros: {text!r}")
    return int(whole) * 100 + int(cents)


def structured_reference_valid(digits: str) -> bool:
    """Check a Belgian structured communication: 12 digits, last two = first ten mod 97 (0 → 97)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    check = int(digits[:10]) % 97 or 97
    return check == int(digits[10:])


def reference_check_fails(digits: str | None) -> bool:
    """Tell whether 12 digits of a structured communication fail their mod-97 check (other text: no)."""
    return digits is not None and len(digits) == 12 and digits.isdigit() and not structured_reference_valid(digits)


def format_structured_reference(digits: str) -> str:
    """Write the 12 digits of a structured communication as on a transfer form (``+++123/4567/89012+++``)."""
    if len(digits) != 12 or not digits.isdigit():
        return digits
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def find_structured_reference(text: str) -> str | None:
    """Return the digits of the first ``+++123/4567/89012+++`` (or ``***…***``) in ``text``.

    A reference that passes the mod-97 check wins over an earlier one that does not.
    """
    found: list[str] = []
    for match in _STRUCTURED.finditer(text):
        digits = fix_ocr_digits(match.group("a") + "." + match.group("b") + "." + match.group("c"))
        digits = digits.replace(".", "").translate(str.maketrans("OolI", "0011"))
        found.append(digits)
    for digits in found:
        if structured_reference_valid(digits):
            return digits
    return found[0] if found else None

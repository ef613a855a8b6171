"""Build small PDFs in tests: a letter with a real text layer, a bomb, broken files (no dependency)."""
from __future__ import annotations

import zlib

from fines.demo import assemble_pdf, text_pdf  # noqa: F401 - the same builders the demo uses


def bomb_pdf(megabytes: int = 2048) -> bytes:
    """A small PDF whose page content inflates to ``megabytes`` of data (a decompression bomb)."""
    # After a full flush deflate restarts, so every further megabyte compresses to the same bytes:
    # repeat them instead of compressing a gigabyte, then close the stream with its real checksum.
    chunk = b" " * (1024 * 1024)
    compressor = zlib.compressobj(9)
    head = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    stream = head + block * (megabytes - 1) + b"\x03\x00" + checksum.to_bytes(4, "big")
    return assemble_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
    ])


def broken_pdf() -> bytes:
    """Bytes that announce a PDF and are not one."""
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\nthis is not a pdf body\n%%EOF"


LETTER = [
    "POLITIEZONE GENT",
    "Proces-verbaal / Onmiddellijke inning",
    "ACME Lease NV",
    "Datum: 02/11/2026",
    "VOORSTEL TOT ONMIDDELLIJKE INNING",
    "Kenmerk: AN.12.L3.123456/2026",
    "Nummerplaat: 1ABC123",
    "Datum van de overtreding: 28/10/2026",
    "Uur: 14u35",
    "Plaats: Kortrijksesteenweg 1, 9000 Gent",
    "Te betalen bedrag: EUR 58,00",
    "Gestructureerde mededeling: +++090/9337/55493+++",
    "Uiterste betaaldatum: 02/12/2026",
]

"""Demo fines for ``fleetdesk demo``: believable letters, built as real PDFs and taken in."""
from __future__ import annotations

import zlib

from flask import Flask

from app.services import Actor, client_by_code
from fines import jobs, services


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF whose text layer holds ``lines`` (Helvetica, WinAnsi; no dependency)."""
    content = bytearray(b"BT /F1 10 Tf 14 TL 50 800 Td\n")
    for line in lines:
        content += b"(" + _escape(line) + b") Tj T*\n"
    content += b"ET"
    stream = zlib.compress(bytes(content))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
    ]
    return assemble_pdf(objects)


def assemble_pdf(objects: list[bytes]) -> bytes:
    """Join numbered PDF objects (object 1 the catalog) into a file with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


LETTERS = {
    "ACME": [
        ["FEDERALE OVERHEIDSDIENST JUSTITIE", "Parket van de procureur des Konings", "ACME Lease NV",
         "Datum: 02/11/2026", "VOORSTEL TOT ONMIDDELLIJKE INNING", "Kenmerk: AN.12.L3.123456/2026",
         "Nummerplaat: 1ABC123", "Datum van de overtreding: 28/10/2026", "Uur: 14u35",
         "Plaats: Kortrijksesteenweg 1, 9000 Gent", "Te betalen bedrag: EUR 58,00",
         "Gestructureerde mededeling: +++090/9337/55493+++", "Uiterste betaaldatum: 02/12/2026"],
        ["SERVICE PUBLIC FEDERAL JUSTICE", "Parquet du procureur du Roi", "ACME Lease NV", "Date: 05/11/2026",
         "PERCEPTION IMMEDIATE", "Référence: AN.44.L1.654321/2026", "Plaque d'immatriculation: 2DEF456",
         "Date de l'infraction: 30/10/2026", "Heure: 08h12", "Lieu: Chaussée de Louvain 200, 1030 Schaerbeek",
         "Montant à payer: EUR 116,00", "Communication structurée: +++123/4567/89012+++",
         "Date limite de paiement: 05/12/2026"],
    ],
}


CONTRACTS = """client_code,contract_number,plate,driver,start_date,end_date,instruction,driver_email,driver_address,vehicle
ACME,ACME-1001,1ABC123,Tom Claes,2024-03-01,2026-06-30,recharge,tom.claes@example.be,"Dorpsstraat 4, 9000 Gent",Skoda Octavia
ACME,ACME-1002,1ABC123,Marie Dubois,2026-07-01,,redirect,marie.dubois@example.be,"Rue Haute 5, 1000 Bruxelles",Volkswagen ID.4
ACME,ACME-1003,2DEF456,Karim Benali,2025-09-01,,recharge,karim.benali@example.be,"Meir 10, 2000 Antwerpen",BMW i4
BRAFL,BRAFL-2001,1XYZ789,Jan Peeters,2025-01-01,,redirect,jan.peeters@example.be,"Bondgenotenlaan 1, 3000 Leuven",Tesla Model 3
"""


def load_demo_fines(app: Flask) -> None:
    """Load demo contracts, then take the demo letters in through the real pipeline (they match)."""
    from fines import contracts

    report = contracts.import_contracts(Actor("demo"), CONTRACTS, client=None, allowed_client_ids=None)
    if not report.ok:
        raise RuntimeError(f"demo contracts refused: {report.errors}")
    settings = services.IntakeSettings.from_config(app.config)
    with jobs.sandbox_for(app.config) as sandbox:
        for code, letters in LETTERS.items():
            client = client_by_code(code)
            files = [(f"demo-{n + 1}.pdf", text_pdf(lines)) for n, lines in enumerate(letters)]
            services.ingest_files(files, client=client, actor=Actor("demo"), source="upload", settings=settings,
                                  sandbox=sandbox)

"""Demo fines for ``fleetdesk demo``: believable letters, built as real PDFs and taken in."""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask

from app.services import Actor, client_by_code
from app.workcalendar import WorkCalendar
from fines import jobs
from fines.demo_history import load_demo_fine_history
from fines.intake import services
from fines.workflow.deadlines import CUTOFF_WORKDAYS, DESIGNATION_DAYS


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


def structured_reference(number: int) -> str:
    """A valid Belgian structured communication for ``number`` (ten digits and their mod-97 check)."""
    digits = f"{number % 10**10:010d}"
    check = int(digits) % 97 or 97
    full = f"{digits}{check:02d}"
    return f"+++{full[:3]}/{full[3:7]}/{full[7:]}+++"


def dutch_letter(*, addressee: str, notice: str, plate: str, letter: date, due: date, amount: str,
                 reference: str, issuer: str = "POLITIEZONE GENT") -> list[str]:
    """The text of a Dutch proposal of immediate collection (offence four days before the letter)."""
    offence = letter - timedelta(days=4)
    return [issuer, "Proces-verbaal / Onmiddellijke inning", addressee, f"Datum: {letter:%d/%m/%Y}",
            "VOORSTEL TOT ONMIDDELLIJKE INNING", f"Kenmerk: {notice}", f"Nummerplaat: {plate}",
            f"Datum van de overtreding: {offence:%d/%m/%Y}", "Uur: 14u35", "Plaats: Kortrijksesteenweg 1, 9000 Gent",
            f"Te betalen bedrag: EUR {amount}", f"Gestructureerde mededeling: {reference}",
            f"Uiterste betaaldatum: {due:%d/%m/%Y}"]


def french_letter(*, addressee: str, notice: str, plate: str, letter: date, due: date, amount: str,
                  reference: str) -> list[str]:
    """The text of a French immediate collection (offence five days before the letter)."""
    offence = letter - timedelta(days=5)
    return ["SERVICE PUBLIC FEDERAL JUSTICE", "Parquet du procureur du Roi", addressee, f"Date: {letter:%d/%m/%Y}",
            "PERCEPTION IMMEDIATE", f"Référence: {notice}", f"Plaque d'immatriculation: {plate}",
            f"Date de l'infraction: {offence:%d/%m/%Y}", "Heure: 08h12",
            "Lieu: Chaussée de Louvain 200, 1030 Schaerbeek",
            f"Montant à payer: EUR {amount}", f"Communication structurée: {reference}",
            f"Date limite de paiement: {due:%d/%m/%Y}"]


def contracts_csv(today: date) -> str:
    """The demo's lease contracts, dated around ``today``: plate 1ABC123 moved from Tom to Marie a year ago."""
    year = timedelta(days=365)
    return (
        "client_code,contract_number,plate,driver,start_date,end_date,instruction,driver_email,driver_address,vehicle\n"
        f"ACME,ACME-1001,1ABC123,Tom Claes,{today - 3 * year},{today - year},recharge,tom.claes@example.be,"
        '"Dorpsstraat 4, 9000 Gent",Skoda Octavia\n'
        f"ACME,ACME-1002,1ABC123,Marie Dubois,{today - year + timedelta(days=1)},,redirect,marie.dubois@example.be,"
        '"Rue Haute 5, 1000 Bruxelles",Volkswagen ID.4\n'
        f"ACME,ACME-1003,2DEF456,Karim Benali,{today - 2 * year},,recharge,karim.benali@example.be,"
        '"Meir 10, 2000 Antwerpen",BMW i4\n'
        f"BRAFL,BRAFL-2001,1XYZ789,Jan Peeters,{today - 2 * year},,redirect,jan.peeters@example.be,"
        '"Bondgenotenlaan 1, 3000 Leuven",Tesla Model 3\n'
    )


@dataclass(frozen=True)
class DemoFine:
    """One demo letter: whose, which contract's plate, its cut-off (workdays from today) and what then."""

    client: str
    plate: str
    instruction: str  # the contract's: redirect (deadline: letter + 15 days) or recharge (the due date)
    cutoff_in: int  # workdays from today (negative: passed; a redirect's letter is dated before today up to ~5)
    then: str = "ready"  # ready, process, duplicate_of_first, review
    addressee: str | None = None
    french: bool = False
    amount: str = "58,00"


DEMO_FINES = (
    DemoFine("ACME", "2DEF456", "recharge", 8, amount="116,00", french=True),  # before its cut-off
    DemoFine("ACME", "1ABC123", "redirect", 2),  # cut-off this week
    DemoFine("ACME", "2DEF456", "recharge", 0, amount="174,00"),  # at its cut-off
    DemoFine("ACME", "1ABC123", "redirect", -3),  # after its cut-off: delivered late
    DemoFine("ACME", "7KLM321", "redirect", 3),  # no contract for this plate: waiting for information
    DemoFine("ACME", "2DEF456", "recharge", 9, then="review", french=True),  # check digits fail: in review
    DemoFine("ACME", "2DEF456", "recharge", 8, then="duplicate_of_first", amount="116,00", french=True),
    DemoFine("ACME", "1ABC123", "redirect", 4, then="process"),  # designated (redirect)
    DemoFine("ACME", "2DEF456", "recharge", 10, then="process", amount="87,00"),  # recharged
    DemoFine("ACME", "2DEF456", "recharge", 4, addressee="Luxauto Lease SA", amount="232,00"),  # another company's
    DemoFine("BRAFL", "1XYZ789", "redirect", 3),
)


def letter_dates(fine: DemoFine, today: date, calendar: WorkCalendar) -> tuple[date, date]:
    """The letter and due dates that put ``fine``'s cut-off ``cutoff_in`` workdays from ``today``."""
    cutoff = today if calendar.is_workday(today) else calendar.add_workdays(today, 1)
    if fine.cutoff_in:
        cutoff = calendar.add_workdays(cutoff, fine.cutoff_in)
    deadline = calendar.add_workdays(cutoff, CUTOFF_WORKDAYS)
    if fine.instruction == "recharge":
        return deadline - timedelta(days=30), deadline
    letter = deadline - timedelta(days=DESIGNATION_DAYS)
    return letter, letter + timedelta(days=30)


def demo_letters(today: date, calendar: WorkCalendar, names: dict[str, str]) -> list[tuple[DemoFine, list[str]]]:
    """Every demo fine with the text of its letter, dated relative to ``today``."""
    letters = []
    for n, fine in enumerate(DEMO_FINES):
        letter, due = letter_dates(fine, today, calendar)
        first = DEMO_FINES[0]
        number = 0 if fine.then == "duplicate_of_first" else n
        notice = f"AN.{12 + number}.L3.{123456 + 1111 * number}/{letter.year}"
        if fine.then == "duplicate_of_first":
            letter, due = letter_dates(first, today, calendar)
            notice = f"AN.12.L3.123456/{letter.year}"
        reference = structured_reference(90933755 + 7919 * n)
        if fine.then == "review":
            reference = "+++123/4567/89012+++"  # misprinted check digits: an agent must look
        write = french_letter if fine.french else dutch_letter
        letters.append((fine, write(addressee=fine.addressee or names[fine.client], notice=notice, plate=fine.plate,
                                    letter=letter, due=due, amount=fine.amount, reference=reference)))
    return letters


def load_demo_fines(app: Flask) -> None:
    """Load demo contracts, then take the demo letters in through the real pipeline, dated around today.

    A new user then sees fines before, at and after their cut-off, one waiting for information,
    one in review, a duplicate, one addressed to another company, one redirected and one recharged.
    """
    from app.clock import now, today, work_calendar
    from app.fleet import services as contracts
    from fines.workflow import services as workflow

    day, calendar = today(), work_calendar()
    report = contracts.import_contracts(Actor("demo"), contracts_csv(day), client=None, allowed_client_ids=None)
    if not report.ok:
        raise RuntimeError(f"demo contracts refused: {report.errors}")
    settings = services.IntakeSettings.from_config(app.config)
    names = {code: client_by_code(code).name for code in {fine.client for fine in DEMO_FINES}}
    with jobs.sandbox_for(app.config) as sandbox:
        for n, (fine, lines) in enumerate(demo_letters(day, calendar, names)):
            result = services.ingest_files([(f"demo-{n + 1}.pdf", text_pdf(lines))], client=client_by_code(fine.client),
                                           actor=Actor("demo"), source="upload", settings=settings, sandbox=sandbox)
            taken = result.fines[0]
            if fine.then == "process" and taken.state == "ready":
                workflow.process(taken, Actor("agent@fleetdesk.test"), now(), calendar)
    load_demo_fine_history(app)  # a year of past fines, for the overview's charts per month

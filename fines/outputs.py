"""What processing produces: the driver designation (PDF form and CSV batch) and recharge lines (CSV, ``app.recharge``).

Pure: values in, bytes or text out. The PDF uses fpdf2's core fonts (no files needed).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date, format_time
from fpdf import FPDF

from app.csvout import write_csv
from app.recharge import RECHARGE_COLUMNS, RechargeLine, recharges_csv

# The recharge lines and their CSV moved down to the platform (shared with assistance); re-exported here.
__all__ = ["DATE_LOCALES", "DESIGNATION_COLUMNS", "LABELS", "RECHARGE_COLUMNS", "Designation", "RechargeLine",
           "designation_pdf", "designations_csv", "recharges_csv"]


@dataclass(frozen=True)
class Designation:
    """One driver designation: the fine, the lessee company, and the person who drove."""

    fine_id: int
    client_code: str
    company: str
    issuer: str | None
    notice_number: str | None
    plate: str  # national notation
    offence_at: datetime | None  # Brussels local time
    contract_number: str
    driver_name: str
    driver_address: str
    driver_email: str | None
    deadline: date | None
    language: str  # nl, fr, de or en


LABELS = {
    "nl": {"title": "Aanwijzing van de bestuurder", "law": "Overeenkomstig artikel 67ter van de wet betreffende de "
           "politie over het wegverkeer wijst de houder van de nummerplaat de bestuurder aan op het ogenblik van de "
           "overtreding.", "issuer": "Aan", "notice": "Pv-nummer", "plate": "Nummerplaat", "offence": "Overtreding op",
           "holder": "Houder (leasingmaatschappij)", "contract": "Leasingcontract", "driver": "Bestuurder",
           "address": "Adres", "email": "E-mail", "deadline": "Aan te wijzen uiterlijk op", "date": "Datum"},
    "fr": {"title": "Désignation du conducteur", "law": "Conformément à l'article 67ter de la loi relative à la police "
           "de la circulation routière, le titulaire de la plaque désigne le conducteur au moment de l'infraction.",
           "issuer": "À", "notice": "N° de PV", "plate": "Plaque d'immatriculation", "offence": "Infraction le",
           "holder": "Titulaire (société de leasing)", "contract": "Contrat de leasing", "driver": "Conducteur",
           "address": "Adresse", "email": "E-mail", "deadline": "À désigner au plus tard le", "date": "Date"},
    "en": {"title": "Designation of the driver", "law": "Under article 67ter of the Belgian road traffic law, the "
           "holder of the plate designates the driver at the time of the offence.", "issuer": "To",
           "notice": "Report number", "plate": "Plate", "offence": "Offence on", "holder": "Holder (leasing company)",
           "contract": "Lease contract", "driver": "Driver", "address": "Address", "email": "E-mail",
           "deadline": "To be designated by", "date": "Date"},
}


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


#: The Babel locale a letter's language writes its dates in (Belgian for Dutch and French).
DATE_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE", "en": "en_GB"}


def _day(value: date, language: str) -> str:
    """A date as the letter's language writes it on a form: ``3/11/2026``."""
    return format_date(value, "d/MM/yyyy", locale=DATE_LOCALES.get(language, "en_GB"))


def _moment(value: datetime, language: str) -> str:
    """A local date and time on a form: ``3/11/2026 14:35``."""
    return f"{_day(value.date(), language)} {format_time(value, 'HH:mm', locale=DATE_LOCALES.get(language, 'en_GB'))}"


def designation_pdf(item: Designation, today: date) -> bytes:
    """The designation form for one fine, in the letter's language (Dutch, French, else English)."""
    words = LABELS.get(item.language, LABELS["en"])
    pdf = FPDF(format="A4")
    pdf.set_title(f"{words['title']} {item.notice_number or item.fine_id}")
    pdf.set_creator("FleetDesk")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, _latin1(words["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, _latin1(words["law"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        (words["issuer"], item.issuer or ""), (words["notice"], item.notice_number or ""),
        (words["plate"], item.plate),
        (words["offence"], _moment(item.offence_at, item.language) if item.offence_at else ""),
        (words["holder"], item.company), (words["contract"], item.contract_number),
        (words["driver"], item.driver_name), (words["address"], item.driver_address),
        (words["email"], item.driver_email or ""),
        (words["deadline"], _day(item.deadline, item.language) if item.deadline else ""),
        (words["date"], _day(today, item.language)),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(60, 7, _latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


DESIGNATION_COLUMNS = ("fine_id", "client_code", "issuer", "notice_number", "plate", "offence_at", "contract_number",
                       "driver_name", "driver_address", "driver_email", "designation_due")

def designations_csv(items: Iterable[Designation]) -> str:
    """A batch of designations, one line per fine (formula-like cells neutralised)."""
    return write_csv(DESIGNATION_COLUMNS, (
        [d.fine_id, d.client_code, d.issuer, d.notice_number, d.plate,
         d.offence_at.isoformat() if d.offence_at else None, d.contract_number, d.driver_name,
         d.driver_address, d.driver_email, d.deadline.isoformat() if d.deadline else None]
        for d in items))

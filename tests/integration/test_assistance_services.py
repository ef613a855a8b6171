"""Assistance on the real database: covers and their import, cases matched to contract and cover, the stored
verdict and deadlines, provider clocks, invoice checks, closing, recharge lines, gauges and tenancy."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

# Monday 16 November 2026, 09:00 in Brussels.
AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@pytest.fixture()
def ctx(app: Any, world: Any) -> Any:
    from app.extensions import db

    with app.app_context():
        yield world
        db.session.rollback()


def _calendar() -> Any:
    from app.clock import work_calendar

    return work_calendar()


def _agent() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


def _client(world: Any, which: str = "a") -> Any:
    from app.extensions import db
    from app.models import Client

    return db.session.get(Client, world.client_a if which == "a" else world.client_b)


def _contract(client: Any, number: str, plate: str, start: date, end: date | None = None) -> Any:
    from app.extensions import db
    from app.fleet.models import Contract

    contract = Contract(client_id=client.id, contract_number=number, plate=plate, plate_country="BE",
                        driver_name="Jan Peeters", start_date=start, end_date=end, instruction="recharge")
    db.session.add(contract)
    db.session.flush()
    return contract


def _cover(client: Any, *, product: str = "optimco", plates: tuple[str, ...] = ("1-ABC-123",),
           policy: str = "OPT-1", formula: str = "", contracts: tuple[str, ...] = ()) -> Any:
    from assistance import services

    return services.save_cover(_agent(), client, {
        "policy_number": policy, "product": product, "formula": formula, "upgrade": False,
        "start_date": date(2026, 1, 1), "premium_paid_on": date(2025, 12, 20), "signed_on": date(2025, 12, 1),
        "end_date": None, "plates": list(plates), "contracts": list(contracts)})


def _case_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "plate": "1-ABC-123", "registered": "BE", "at": AT, "country": "BE", "cause": "breakdown",
        "assistance_called_at_once": True, "police_tow": False, "helper_arrived_at": AT + timedelta(hours=1),
        "immobilised_until": AT + timedelta(days=3), "repairable_within_3_workdays": None, "exclusions": [],
        "trip_started": None, "max_mass_kg": 1800, "body": "car", "passengers": 1}
    values.update(changes)
    return values


def _open(client: Any, **changes: Any) -> Any:
    from assistance import services

    return services.open_case(_agent(), client, _case_values(**changes), opened_by_id=None, calendar=_calendar())


def test_a_case_is_matched_to_the_contract_in_force_and_the_cover_of_its_vehicle(ctx: Any) -> None:
    alpha = _client(ctx)
    _contract(alpha, "OLD-1", "1ABC123", date(2024, 1, 1), date(2025, 12, 31))
    current = _contract(alpha, "NEW-1", "1ABC123", date(2026, 1, 1))
    cover = _cover(alpha)
    case = _open(alpha)
    assert case.contract_id == current.id and case.match_reason is None
    assert case.cover_id == cover.id and case.covered is True
    assert [r["code"] for r in case.verdict["reasons"]] == ["covered", "replacement"]
    assert all("text" not in r for r in case.verdict["reasons"]), "codes and parameters are stored, no sentences"
    assert case.verdict["replacement_vehicle"]["category"] == "B"
    assert case.verdict["replacement_vehicle"]["max_days"] == 7


def test_a_case_without_a_contract_says_why_and_one_without_a_cover_is_not_covered(ctx: Any) -> None:
    alpha = _client(ctx)
    case = _open(alpha, plate="2-XYZ-999")
    assert case.contract_id is None and case.match_reason["code"] == "no_contract"
    assert case.cover_id is None and case.covered is False
    assert case.verdict["reasons"][0]["code"] == "no_cover" and case.deadlines == []


def test_an_all_vehicles_cover_takes_a_vehicle_it_does_not_name(ctx: Any) -> None:
    alpha = _client(ctx)
    cover = _cover(alpha, product="ag-top-mobility", formula="all-vehicles", plates=(), policy="AG-ALL")
    case = _open(alpha, plate="2-XYZ-999")
    assert case.cover_id == cover.id and case.covered is True
    assert case.verdict["replacement_vehicle"]["max_days"] == 15  # 003 IV.2 a, in Belgium


def test_a_cover_naming_the_contract_follows_the_plate_of_that_contract(ctx: Any) -> None:
    alpha = _client(ctx)
    _contract(alpha, "C-7", "1ABC123", date(2026, 1, 1))
    cover = _cover(alpha, plates=(), contracts=("C-7",), policy="BY-CONTRACT")
    assert _open(alpha).cover_id == cover.id


def test_an_excluded_case_is_stored_as_not_covered_with_its_reason(ctx: Any) -> None:
    alpha = _client(ctx)
    _cover(alpha)
    case = _open(alpha, exclusions=["alcohol"])
    assert case.covered is False and [r["code"] for r in case.verdict["reasons"]] == ["exclusion_alcohol"]


def test_deadlines_are_stored_and_the_queue_puts_the_nearest_first(ctx: Any) -> None:
    from assistance import services

    alpha = _client(ctx)
    _cover(alpha, plates=("1-ABC-123", "1-ABD-124"))
    breakdown = _open(alpha)
    theft = _open(alpha, plate="1-ABD-124", cause="theft", helper_arrived_at=None, immobilised_until=None)
    codes = {d.code: d.due_at for d in theft.deadlines}
    assert codes["police_report_receipt"] == AT + timedelta(hours=24)  # 002 1.6
    assert {d.code for d in breakdown.deadlines} == {"return_replacement"}
    assert [c.id for c in services.queue()] == [theft.id, breakdown.id]
    receipt = next(d for d in theft.deadlines if d.code == "police_report_receipt")
    services.meet_deadline(_agent(), theft, receipt.id, now=AT + timedelta(hours=3))
    assert theft.nearest_due is None or theft.nearest_due > receipt.due_at


def test_provider_clocks_run_around_the_clock_and_events_meet_them(ctx: Any) -> None:
    from assistance import services

    alpha = _client(ctx)
    _cover(alpha)
    case = _open(alpha)
    provider = services.save_provider(_agent(), {"name": "Takel Gent", "phone": "+32 9 000 00 00"})
    saturday_night = datetime(2026, 11, 21, 22, 30, tzinfo=UTC)
    assignment = services.assign_provider(_agent(), case, provider, accepted_at=saturday_night)
    dues = {d.code: d.due_at for d in case.deadlines if d.assignment_id == assignment.id}
    assert dues == {"provider_contact": saturday_night + timedelta(hours=2),
                    "provider_appointment": saturday_night + timedelta(hours=24)}
    later = saturday_night + timedelta(hours=40)
    services.record_provider_event(_agent(), assignment, "customer_proposed", at=later)
    services.record_provider_event(_agent(), assignment, "contacted", at=saturday_night + timedelta(hours=1))
    appointment = next(d for d in case.deadlines if d.code == "provider_appointment")
    assert appointment.due_at == later
    contact = next(d for d in case.deadlines if d.code == "provider_contact")
    assert contact.met_at == saturday_night + timedelta(hours=1)
    report = services.provider_report(date(2026, 11, 1), saturday_night + timedelta(days=3), _calendar())
    assert [(m.provider, m.assignments, m.contact_on_time_pct) for m in report] == [("Takel Gent", 1, 100.0)]


def test_the_provider_invoice_needs_photos_and_mandate_and_the_case_its_invoice_to_close(ctx: Any) -> None:
    from app.services import ServiceError
    from assistance import services
    from assistance.invoices import InvoiceLine

    alpha = _client(ctx)
    _cover(alpha)
    case = _open(alpha)
    provider = services.save_provider(_agent(), {"name": "Takel Gent"})
    assignment = services.assign_provider(_agent(), case, provider, accepted_at=AT + timedelta(minutes=30))
    lines = [InvoiceLine("towing", "Slepen naar garage", 1, 31000), InvoiceLine("other", "Carwash", 1, 2000)]
    with pytest.raises(ServiceError, match="before closing"):
        services.close_case(_agent(), case, now=AT + timedelta(days=2))
    with pytest.raises(ServiceError, match="mandate"):
        services.check_invoice(_agent(), case, lines, issuer_kind="provider")
    for event in ("photos_arrival", "photos_after", "mandate_signed"):
        services.record_provider_event(_agent(), assignment, event, at=None)
    invoice = services.check_invoice(_agent(), case, lines, issuer_kind="provider")
    assert invoice.provider_id == provider.id
    assert (invoice.accepted_cents, invoice.refused_cents) == (25000, 8000)  # towing capped at 250 EUR
    assert [line["reasons"][0]["code"] for line in invoice.checked["lines"]] == [
        "invoice_over_cap", "invoice_item_not_covered"]
    services.close_case(_agent(), case, now=AT + timedelta(days=2))
    assert case.state == "closed" and case.nearest_due is None


def test_days_beyond_the_entitlement_become_recharge_lines(ctx: Any) -> None:
    from app.recharge import recharges_csv
    from assistance import services
    from assistance.invoices import InvoiceLine

    alpha = _client(ctx)
    _contract(alpha, "C-1", "1ABC123", date(2026, 1, 1))
    _cover(alpha)
    case = _open(alpha)
    services.set_replacement(_agent(), case, start=date(2026, 11, 16), returned=date(2026, 11, 24),
                             calendar=_calendar(), now=AT + timedelta(days=8))
    assert services.beyond_entitlement(case, _calendar()) == 2  # 7 days from the 16th: back by the 22nd
    assert next(d for d in case.deadlines if d.code == "return_replacement").met_at is not None
    services.check_invoice(_agent(), case, [InvoiceLine("replacement_vehicle", "Vervangwagen 9 dagen", 9, 45000)],
                           issuer_kind="insurer")
    services.close_case(_agent(), case, now=AT + timedelta(days=9))
    lines = services.recharge_lines(alpha.id, date(2026, 11, 1), date(2026, 11, 30), _calendar())
    assert [(ln.source, ln.source_id, ln.quantity, ln.contract_number) for ln in lines] == [
        ("assistance", case.id, 2, "C-1")]
    assert lines[0].amount_cents == 10000  # 2 of the 9 days invoiced
    row = next(csv.DictReader(io.StringIO(recharges_csv(lines))))
    assert (row["fine_id"], row["source"], row["item"], row["amount"]) == ("", "assistance",
                                                                           "replacement_days_beyond", "100.00")


def test_invoice_lines_are_read_from_an_invoice_text() -> None:
    from assistance.services import lines_from_text

    text = ("Factuur 2026-118\nSlepen naar garage Gent 310,00 EUR\nVervangwagen 3 dagen € 150,00\n"
            "Hôtel nuitée 2 x 95.50\nTotaal 555,50\nBTW 21% 116,66\n")
    assert [(ln.item, ln.quantity, ln.amount_cents) for ln in lines_from_text(text)] == [
        ("towing", 1, 31000), ("replacement_vehicle", 3, 15000), ("hotel", 2, 9550)]


def test_invoice_lines_are_read_from_a_pdf(ctx: Any) -> None:
    from fpdf import FPDF

    from app.services import ServiceError
    from assistance.services import lines_from_pdf

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for text in ("Invoice 42", "Towing to the garage 180.00 EUR", "Total 180.00 EUR"):
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    lines = lines_from_pdf(bytes(pdf.output()), max_pages=50)
    assert [(ln.item, ln.amount_cents) for ln in lines] == [("towing", 18000)]
    with pytest.raises(ServiceError, match="not a PDF"):
        lines_from_pdf(b"GIF89a...", max_pages=50)


def test_invoice_pdfs_are_read_in_the_sandbox_and_bad_ones_refused_with_their_reason(app: Any, ctx: Any) -> None:
    from fpdf import FPDF

    from app.documents import pdf_text
    from app.services import ServiceError
    from assistance.services import lines_from_pdf

    long = FPDF()
    for page in range(3):
        long.add_page()
        long.set_font("Helvetica", size=11)
        long.cell(0, 8, f"Towing page {page} 10.00 EUR")
    kept = app.config["PDF_MAX_PAGES"]
    app.config["PDF_MAX_PAGES"] = 2
    try:
        assert pdf_text(bytes(long.output())).reason == "too_many_pages"
        with pytest.raises(ServiceError, match="more than 2 pages"):
            lines_from_pdf(bytes(long.output()), max_pages=2)
    finally:
        app.config["PDF_MAX_PAGES"] = kept
    with pytest.raises(ServiceError, match="could not be read as a PDF"):
        lines_from_pdf(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without end", max_pages=50)


def test_cover_import_is_all_or_nothing_with_line_numbers(ctx: Any) -> None:
    from assistance import services
    from assistance.models import Cover

    alpha = _client(ctx)
    bad = ("polisnummer;product;begindatum;nummerplaat\nP-1;optimco;2026-01-01;1-ABC-123\n"
           "P-2;unknown;2026-01-01;1-ABC-124\nP-3;optimco;31/02/2026;1-ABC-125\n")
    report = services.import_covers(_agent(), alpha, bad)
    assert [(e.line, e.code) for e in report.errors] == [(3, "bad_product"), (4, "bad_date")]
    from app.extensions import db

    assert db.session.scalar(sa.select(sa.func.count(Cover.id))) == 0
    good = ("policy_number,product,formula,start_date,plate\nP-1,optimco,,2026-01-01,1-ABC-123\n"
            "P-1,optimco,,2026-01-01,1-ABD-124\nP-2,ag-top-mobility,one-vehicle,2026-02-01,2-XYZ-999\n")
    report = services.import_covers(_agent(), alpha, good)
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    again = services.import_covers(_agent(), alpha, good)
    assert (again.created, again.updated) == (0, 0)
    covers = {c.policy_number: sorted(v.plate for v in c.vehicles) for c in db.session.scalars(sa.select(Cover))}
    assert covers == {"P-1": ["1ABC123", "1ABD124"], "P-2": ["2XYZ999"]}


def test_every_change_is_audited(ctx: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry

    alpha = _client(ctx)
    _cover(alpha)
    case = _open(alpha)
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.client_id == alpha.id)))
    assert {"assistance.cover_created", "assistance.case_opened"} <= actions
    assert case.id is not None


def test_a_client_session_sees_only_its_own_covers_and_cases(ctx: Any) -> None:
    from app.extensions import db
    from app.tenancy import TenantViolation, bind_tenant, unbind_tenant
    from assistance import services
    from assistance.models import Case, Cover

    alpha, beta = _client(ctx), _client(ctx, "b")
    _cover(alpha)
    _cover(beta, policy="BETA-1")
    case_b = _open(beta)
    db.session.commit()
    foreign, alpha_id, beta_id = case_b.id, alpha.id, beta.id
    db.session.expunge_all()
    bind_tenant(db.session, alpha_id)
    try:
        assert db.session.get(Case, foreign) is None
        assert [c.policy_number for c in db.session.scalars(sa.select(Cover))] == ["OPT-1"]
        with pytest.raises(TenantViolation):
            services.import_covers(_agent(), SimpleNamespace(id=beta_id), "policy_number,product,start_date,plate\n")
    finally:
        unbind_tenant(db.session)
        db.session.rollback()


def test_gauges_count_open_cases_and_breached_deadlines_per_client(ctx: Any) -> None:
    from assistance import services

    alpha = _client(ctx)
    _cover(alpha, plates=("1-ABC-123", "1-ABD-124"))
    _open(alpha, plate="1-ABD-124", cause="theft", helper_arrived_at=None, immobilised_until=None)
    _open(alpha)
    assert services.open_counts() == [("ALPHA", 2)]
    assert services.breached_counts(AT + timedelta(hours=1)) == []
    assert services.breached_counts(AT + timedelta(hours=25)) == [("ALPHA", 1)]  # the police report's receipt

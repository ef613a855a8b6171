"""Assistance in the browser (test client): every screen per role, a client's case and covers, the agent's steps,
foreign ids answer 404, forms without their CSRF token are refused, odd query parameters never give a 500,
and the gauges on /metrics."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def _seed(app: Any, world: Any) -> dict[str, int]:
    """Beta (the seeded client with contract BETA-0001 for 9ZZZ999) gets a cover, a case and a provider."""
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from assistance import services

    with app.app_context():
        beta = db.session.get(Client, world.client_b)
        actor = Actor("seed")
        cover = services.save_cover(actor, beta, {
            "policy_number": "BETA-OPT", "product": "optimco", "formula": "", "upgrade": False,
            "start_date": date(2026, 1, 1), "premium_paid_on": date(2025, 12, 20), "signed_on": date(2025, 12, 1),
            "end_date": None, "plates": ["9-ZZZ-999"], "contracts": []})
        case = services.open_case(actor, beta, {
            "plate": "9-ZZZ-999", "registered": "BE", "at": AT, "country": "BE", "cause": "breakdown",
            "assistance_called_at_once": True, "police_tow": False, "helper_arrived_at": AT + timedelta(hours=1),
            "immobilised_until": AT + timedelta(days=2), "repairable_within_3_workdays": None, "exclusions": [],
            "trip_started": None, "max_mass_kg": 1500, "body": "car", "passengers": 1},
            opened_by_id=None, calendar=work_calendar())
        provider = services.save_provider(actor, {"name": "Takel Gent"})
        assignment = services.assign_provider(actor, case, provider, accepted_at=AT + timedelta(hours=1))
        db.session.commit()
        return {"cover": cover.id, "case": case.id, "provider": provider.id, "assignment": assignment.id}


def _local(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Brussels")).strftime("%Y-%m-%dT%H:%M")


def test_every_screen_answers_for_every_role(app: Any, client: Any, world: Any, clock: Any) -> None:
    ids = _seed(app, world)
    staff_pages = ["/assistance/", "/assistance/?state=all", "/assistance/covers", "/assistance/covers/new",
                   "/assistance/covers/import", "/assistance/cases/new", "/assistance/providers",
                   "/assistance/providers/new", f"/assistance/providers/{ids['provider']}", "/assistance/report",
                   f"/assistance/cases/{ids['case']}", f"/assistance/cases/{ids['case']}/edit",
                   f"/assistance/covers/{ids['cover']}", "/assistance/recharges.csv"]
    for email in (world.agent, world.admin):
        support.login(client, email)
        for url in staff_pages:
            assert client.get(url).status_code == 200, (email, url)
        client.post("/logout", data={"csrf_token": support.csrf_token(client.get("/").get_data(as_text=True))})
    support.login(client, "bert@beta.test")
    for url in ["/assistance/", "/assistance/covers", "/assistance/covers/new", "/assistance/covers/import",
                "/assistance/cases/new", f"/assistance/cases/{ids['case']}", f"/assistance/covers/{ids['cover']}",
                "/assistance/recharges.csv"]:
        assert client.get(url).status_code == 200, url
    for url in ["/assistance/providers", "/assistance/report", f"/assistance/cases/{ids['case']}/edit"]:
        assert client.get(url).status_code == 404, url  # staff pages do not exist for a client user
    page = client.get(f"/assistance/cases/{ids['case']}").get_data(as_text=True)
    assert "Takel Gent" in page and "covered" in page and "category B" in page
    assert "Assign a provider" not in page and "Close the case" not in page  # agents' steps only


def test_a_client_user_opens_a_case_and_sees_its_verdict(app: Any, client: Any, world: Any, clock: Any) -> None:
    _seed(app, world)
    support.login(client, "bert@beta.test")
    response = support.post_form(client, "/assistance/cases/new", {
        "plate": "9-ZZZ-999", "registered": "BE", "at": "2026-11-16T09:00", "country": "BE", "cause": "theft",
        "assistance_called_at_once": "y", "body": "car", "passengers": "1", "max_mass_kg": "1500"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "BETA-0001" in page and "BETA-OPT" in page  # matched to the contract and the cover
    assert "receipt of the police report of the theft" in page


def test_a_client_user_manages_covers_and_imports_them_all_or_nothing(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from assistance.models import Cover

    support.login(client, "bert@beta.test")
    response = support.post_form(client, "/assistance/covers/new", {
        "policy_number": "AG-1", "product": "ag-top-mobility", "formula": "one-vehicle", "start_date": "2026-01-01",
        "plates": "9-ZZZ-999"})
    assert response.status_code == 302

    def _import(text: str) -> Any:
        page = client.get("/assistance/covers/import")
        return client.post("/assistance/covers/import", data={
            "csrf_token": support.csrf_token(page.get_data(as_text=True)),
            "file": (io.BytesIO(text.encode()), "covers.csv")}, content_type="multipart/form-data")

    bad = "polisnummer;product;begindatum;nummerplaat\nP-1;optimco;2026-01-01;1-ABC-123\nP-2;nope;2026-01-01;1ABC124\n"
    response = _import(bad)
    assert response.status_code == 422
    assert "Nothing was imported" in response.get_data(as_text=True) and ">3<" in response.get_data(as_text=True)
    assert _import(bad.replace("nope", "optimco")).status_code == 302
    with app.app_context():
        rows = db.session.execute(sa.select(Cover.client_id, Cover.policy_number).order_by(Cover.policy_number)).all()
    assert rows == [(world.client_b, "AG-1"), (world.client_b, "P-1"), (world.client_b, "P-2")]


def test_foreign_ids_are_404_for_a_client_user(app: Any, client: Any, world: Any) -> None:
    ids = _seed(app, world)
    support.login(client, world.user_a)  # Anna of Alpha
    for url in (f"/assistance/cases/{ids['case']}", f"/assistance/covers/{ids['cover']}"):
        assert client.get(url).status_code == 404, url
    assert "BETA-OPT" not in client.get("/assistance/covers").get_data(as_text=True)
    assert "9-ZZZ-999" not in client.get("/assistance/?state=all").get_data(as_text=True)
    response = support.post_form(client, f"/assistance/covers/{ids['cover']}",
                                 {"policy_number": "X", "product": "optimco", "start_date": "2026-01-01"},
                                 token_from="/assistance/covers/new")
    assert response.status_code == 404


def test_the_agent_records_the_provider_steps_checks_the_invoice_and_closes(app: Any, client: Any, world: Any,
                                                                            clock: Any) -> None:
    from app.extensions import db
    from assistance.models import Case

    ids = _seed(app, world)
    case_url = f"/assistance/cases/{ids['case']}"
    support.login(client, world.agent)
    close = support.post_form(client, f"{case_url}/close", {}, token_from=case_url)
    assert close.status_code == 302
    assert "Check the provider" in client.get(case_url).get_data(as_text=True)
    for event, at in (("contacted", _local(AT + timedelta(hours=2))), ("appointment", _local(AT + timedelta(hours=5))),
                      ("photos_arrival", ""), ("photos_after", ""), ("mandate_signed", "")):
        response = support.post_form(client, f"{case_url}/provider-event",
                                     {"assignment_id": ids["assignment"], "event": event, "at": at},
                                     token_from=case_url)
        assert response.status_code == 302, event
    response = support.post_form(client, f"{case_url}/invoice", {
        "issuer_kind": "provider", "number": "F-1", "lines-0-item": "towing", "lines-0-description": "Slepen",
        "lines-0-quantity": "1", "lines-0-amount": "310,00"}, token_from=case_url)
    assert response.status_code == 302
    page = client.get(case_url).get_data(as_text=True)
    assert "€250.00 accepted, €60.00 refused" in page
    assert support.post_form(client, f"{case_url}/close", {}, token_from=case_url).status_code == 302
    with app.app_context():
        assert db.session.get(Case, ids["case"]).state == "closed"


def test_an_invoice_pdf_is_read_and_checked(app: Any, client: Any, world: Any, clock: Any) -> None:
    from fpdf import FPDF

    ids = _seed(app, world)
    case_url = f"/assistance/cases/{ids['case']}"
    support.login(client, world.agent)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 8, "Vervangwagen 2 dagen 90,00 EUR")
    token = support.csrf_token(client.get(case_url).get_data(as_text=True))
    response = client.post(f"{case_url}/invoice-pdf", data={
        "csrf_token": token, "issuer_kind": "insurer", "number": "EA-9",
        "file": (io.BytesIO(bytes(pdf.output())), "invoice.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "€90.00 accepted, €0.00 refused" in client.get(case_url).get_data(as_text=True)
    refused = client.post(f"{case_url}/invoice-pdf", data={
        "csrf_token": token, "issuer_kind": "insurer", "file": (io.BytesIO(b"not a pdf"), "x.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and "This file is not a PDF." in refused.get_data(as_text=True)


def test_forms_without_their_csrf_token_are_refused(app: Any, client: Any, world: Any) -> None:
    ids = _seed(app, world)
    support.login(client, world.agent)
    case_url = f"/assistance/cases/{ids['case']}"
    for url, data in ((f"{case_url}/close", {}), (f"{case_url}/assign", {"provider_id": ids["provider"]}),
                      ("/assistance/providers/new", {"name": "Sneaky"}),
                      ("/assistance/cases/new", {"plate": "1-ABC-123"})):
        assert client.post(url, data=data).status_code in (400, 403), url


@pytest.mark.parametrize("query", ["state=%00", "state=nope", "client=abc", "client=99999999999999999999",
                                   "page=-4", "page=x", "month=2026-13", "month=%ff", "from=2026-02-31",
                                   "to=yesterday"])
def test_odd_query_parameters_never_give_a_server_error(app: Any, client: Any, world: Any, query: str) -> None:
    support.login(client, world.agent)
    for path in ("/assistance/", "/assistance/covers", "/assistance/report", "/assistance/recharges.csv"):
        assert client.get(f"{path}?{query}").status_code < 500, (path, query)


def test_pages_speak_dutch_and_french(app: Any, client: Any, world: Any, clock: Any) -> None:
    ids = _seed(app, world)
    support.login(client, world.agent)
    nl = client.get(f"/assistance/cases/{ids['case']}", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "Vervangwagen" in nl and "Hulpverlener" in nl
    fr = client.get("/assistance/", headers={"Accept-Language": "fr-BE"}).get_data(as_text=True)
    assert "Dossiers d’assistance" in fr


def test_the_gauges_count_open_cases_and_breached_deadlines(app: Any, client: Any, world: Any, clock: Any) -> None:
    _seed(app, world)
    clock.set(AT + timedelta(hours=4))  # the provider's contact (2 h after acceptance) is past due
    body = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'fleetdesk_assistance_open_cases\{client="BETA"\} 1\.0', body)
    assert re.search(r'fleetdesk_assistance_deadlines_breached\{client="BETA"\} 1\.0', body)


def test_the_command_line_imports_covers_all_or_nothing(app: Any, world: Any, tmp_path: Any) -> None:
    from app.extensions import db
    from assistance.models import Cover

    bad = tmp_path / "bad.csv"
    bad.write_text("policy_number,product,start_date,plate\nP-1,optimco,2026-01-01,1-ABC-123\nP-2,x,2026-01-01,1AB\n")
    result = app.test_cli_runner().invoke(args=["assistance", "import-covers", "BETA", str(bad)])
    assert result.exit_code != 0 and "line 3 (product)" in result.output
    good = tmp_path / "good.csv"
    good.write_text("policy_number,product,start_date,plate\nP-1,optimco,2026-01-01,1-ABC-123\n")
    result = app.test_cli_runner().invoke(args=["assistance", "import-covers", "BETA", str(good)])
    assert result.exit_code == 0 and "1 created, 0 updated" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Cover.policy_number)).all() == ["P-1"]


def test_agents_are_reminded_once_of_near_deadlines_in_their_language(app: Any, world: Any) -> None:
    from app import mail
    from app.extensions import db
    from app.models import User
    from assistance import jobs
    from tests.web.test_i18n_mails import _english_left, _text

    _seed(app, world)  # the provider accepted at AT + 1 h: contact due by AT + 3 h, appointment by AT + 25 h
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == world.agent)).locale = "nl"
        try:
            assert jobs.remind_deadlines(AT + timedelta(hours=4)) == {"reminded": 2}  # one past, one within 24 h
            (message,) = mail.pending_mail()
            text = _text(message)
            assert "hulpverlener" in text and f"Dossier {1}" in text and _english_left(text, "nl") == []
            assert jobs.remind_deadlines(AT + timedelta(hours=5)) == {"reminded": 0}  # each deadline once
            reminder = jobs.services.Reminder(1, "BETA", "9ZZZ999", "proof_of_costs", AT)
            french = _text(jobs.reminder_mail([reminder], "noreply@fleetdesk.test", ["x@y.test"],
                                              now=AT - timedelta(hours=1), locale="fr"))
            assert "1 échéance" in french and "au plus tard" in french and _english_left(french, "fr") == []
        finally:
            db.session.rollback()

"""A suspended client in the browser: refused logins, ended sessions, refused uploads; the admin's screen."""
from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from tests import pdfs, support

SUSPENDED = "account is suspended"


def _admin_suspends(client: Any, world: Any, reason: str = "Invoices unpaid since August") -> Any:
    support.login(client, world.admin)
    url = f"/admin/clients/{world.client_a}/life"
    response = support.post_form(client, f"/admin/clients/{world.client_a}/suspend",
                                 {"reason": reason, "confirm_code": "ALPHA"},
                                 token_from=url)
    client.post("/logout", data={"csrf_token": support.csrf_token(client.get(url).get_data(as_text=True))})
    return response


def _suspend(app: Any, world: Any, clock: Any) -> None:
    from app import client_life
    from app.extensions import db
    from app.models import Client
    from app.services import Actor

    with app.app_context():
        client_life.suspend_client(Actor("admin@op.test"), db.session.get(Client, world.client_a), "Unpaid", clock())
        db.session.commit()


def test_admin_suspends_with_a_required_reason_and_resumes_on_the_client_screen(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import Client

    support.login(client, world.admin)
    url = f"/admin/clients/{world.client_a}/life"
    assert "Suspend the client" in client.get(url).get_data(as_text=True)
    refused = support.post_form(client, f"/admin/clients/{world.client_a}/suspend", {"reason": ""}, token_from=url)
    assert refused.status_code == 422
    wrong = support.post_form(client, f"/admin/clients/{world.client_a}/suspend",
                              {"reason": "Invoices unpaid since August", "confirm_code": "BETA"}, token_from=url)
    assert wrong.status_code == 422 and "This is not the client" in wrong.get_data(as_text=True)
    assert "Lift the suspension" not in client.get(url).get_data(as_text=True)
    response = support.post_form(client, f"/admin/clients/{world.client_a}/suspend",
                                 {"reason": "Invoices unpaid since August", "confirm_code": "alpha"}, token_from=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Invoices unpaid since August" in page and "Lift the suspension" in page
    listing = client.get("/admin/clients").get_data(as_text=True)
    assert "suspended" in listing and "Invoices unpaid since August" in listing
    assert client.get(f"/clients/{world.client_a}").status_code == 200
    response = support.post_form(client, f"/admin/clients/{world.client_a}/resume", {}, token_from=url)
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(Client, world.client_a).is_suspended


def test_only_admins_reach_the_suspension_screen(app: Any, client: Any, world: Any) -> None:
    for email in (world.agent, world.user_a):
        support.login(client, email)
        assert client.get(f"/admin/clients/{world.client_a}/life").status_code == 404
        client.post("/logout", data={"csrf_token": support.csrf_token(client.get("/account").get_data(as_text=True))})


def test_a_logged_in_client_users_next_request_is_refused_with_the_message(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    other = app.test_client()
    support.login(client, world.user_a)
    support.login(other, world.user_b)
    assert client.get("/fines/").status_code == 200
    _suspend(app, world, clock)
    response = client.get("/fines/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert SUSPENDED in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/fines/").status_code == 302  # the session is gone for good
    assert other.get("/fines/").status_code == 200  # another client's user is not touched


def test_a_suspended_clients_user_is_refused_at_login_in_their_language(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.models import UserSession

    _suspend(app, world, clock)
    response = support.login(client, world.user_a)
    assert response.status_code == 403 and SUSPENDED in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    wrong = support.login(client, world.user_a, "a wrong password!")
    assert wrong.status_code == 401 and SUSPENDED not in wrong.get_data(as_text=True)
    dutch = app.test_client()
    dutch.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl-BE"
    assert "opgeschort" in support.login(dutch, world.user_a).get_data(as_text=True)
    french = app.test_client()
    french.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-BE"
    assert "suspendu" in support.login(french, world.user_a).get_data(as_text=True)


def test_uploads_imports_and_the_api_are_refused_with_403_and_write_nothing(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from app.fleet.models import Contract
    from fines.models import Fine, IntakeMessage

    def counts() -> tuple[int, int, int]:
        with app.app_context():
            return tuple(int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
                         for model in (Fine, IntakeMessage, Contract))  # type: ignore[return-value]

    before = counts()
    for post in ("upload", "import", "api"):
        browser = app.test_client()
        support.login(browser, world.user_a)
        upload_token = support.csrf_token(browser.get("/fines/upload").get_data(as_text=True))
        import_token = support.csrf_token(browser.get("/contracts/import").get_data(as_text=True))
        _suspend(app, world, clock)
        if post == "upload":
            response = browser.post("/fines/upload", content_type="multipart/form-data", data={
                "csrf_token": upload_token, "files": [(io.BytesIO(pdfs.text_pdf(pdfs.LETTER)), "boete.pdf")]})
            assert response.status_code == 403 and SUSPENDED in response.get_data(as_text=True)
        elif post == "import":
            response = browser.post("/contracts/import", content_type="multipart/form-data", data={
                "csrf_token": import_token,
                "file": (io.BytesIO(b"client_code,contract_number,plate\nALPHA,AL-9,1ABC123\n"), "c.csv")})
            assert response.status_code == 403
        else:
            response = browser.get("/api/fines", headers={"Accept": "application/json"})
            assert response.status_code == 403 and response.get_json()["error"] == "client_suspended"
        from app import client_life
        from app.models import Client
        from app.services import Actor

        with app.app_context():
            client_life.resume_client(Actor("test"), db.session.get(Client, world.client_a))
            db.session.commit()
    assert counts() == before


def test_after_resume_the_clients_users_log_in_again(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app import client_life
    from app.extensions import db
    from app.models import Client
    from app.services import Actor

    _suspend(app, world, clock)
    assert support.login(client, world.user_a).status_code == 403
    with app.app_context():
        client_life.resume_client(Actor("test"), db.session.get(Client, world.client_a))
        db.session.commit()
    assert support.login(client, world.user_a).status_code == 302
    assert client.get("/fines/").status_code == 200


def test_admin_records_the_service_contract_and_the_list_shows_its_dates(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.admin)
    url = f"/admin/clients/{world.client_b}/life"
    short = support.post_form(client, f"/admin/clients/{world.client_b}/service-contract",
                              {"starts_on": "2024-01-01", "term_months": "36", "notice_months": "6",
                               "renewal_months": "12"}, token_from=url)
    assert short.status_code == 422
    response = support.post_form(client, f"/admin/clients/{world.client_b}/service-contract",
                                 {"starts_on": "2024-01-01", "term_months": "36", "notice_months": "12",
                                  "renewal_months": "12"}, token_from=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    # Frozen on 16 November 2026: the term ends 1 January 2027, notice was due 1 January 2026 (passed).
    assert "1 January 2027" in page and "1 January 2026" in page and "1 January 2028" in page
    listing = client.get("/admin/clients").get_data(as_text=True)
    row = listing[listing.index("BETA"):]
    row = row[:row.index("</tr>")]
    assert "Last day to give notice" in listing
    assert "1/01/2026" in row and "(passed)" in row and "1/01/2028" in row


def test_staff_see_a_held_message_with_its_reason(app: Any, client: Any, world: Any, clock: Any) -> None:
    from email.message import EmailMessage

    from app.extensions import db
    from fines.intake import services

    _suspend(app, world, clock)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "fleet@alpha.test", "alpha@fines.fleetdesk.test", "boete"
    msg.set_content("\n")
    msg.add_attachment(pdfs.text_pdf(pdfs.LETTER), maintype="application", subtype="pdf", filename="boete.pdf")
    with app.app_context():
        result = services.ingest_message(msg.as_bytes(), source="imap", sandbox=None,
                                         settings=services.IntakeSettings.from_config(app.config))
        db.session.commit()
        message_id = result.message.id
    support.login(client, world.agent)
    page = client.get(f"/fines/messages/{message_id}").get_data(as_text=True)
    assert "held" in page and "Held while the client is suspended" in page

"""Unblocking a waiting fine in one step: "Add the contract" prefilled from the fine, back to the fine
matched; an import's result naming the fines it matched and those still waiting, with why; the CSV
template in nl, fr and en; ``client_code`` implied for client users; tenancy throughout."""
from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from tests import support

_LINK = re.compile(r'<a class="button primary unblock" href="([^"]+)">([^<]+)</a>')


def _waiting_fine(app: Any, world: Any) -> int:
    """BETA's seeded fine, read with an offence on 10 June 2026 and matched: no contract for 1-ABC-123 then."""
    from app.clock import work_calendar
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow import batch
    from tests.conftest import FROZEN_AT

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.offence_at = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
        fine.kind, fine.amount_cents = "immediate_collection", 5800
        fine.letter_date, fine.due_date = date(2026, 6, 15), date(2026, 7, 15)
        db.session.flush()
        batch.rematch_plates({(world.client_b, "1ABC123")}, work_calendar(), FROZEN_AT)
        db.session.commit()
        fine = db.session.get(Fine, world.fine_b_id)
        assert (fine.state, fine.match_reason_code) == ("waiting_info", "no_contract")
        return int(fine.id)


def _fine(app: Any, fine_id: int) -> tuple[str, str | None, str | None]:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        return fine.state, fine.match_reason_code, fine.contract.contract_number if fine.contract else None


def _shortcut(client: Any, fine_id: int) -> tuple[str, str]:
    page = client.get(f"/fines/{fine_id}")
    assert page.status_code == 200
    found = _LINK.search(page.get_data(as_text=True))
    assert found is not None, "no shortcut on the fine's page"
    return html.unescape(found.group(1)), found.group(2)


def _contract_values(**changes: str) -> dict[str, str]:
    values = {"client_id": "0", "contract_number": "BE-77", "plate": "1-ABC-123", "plate_country": "BE",
              "driver_name": "Bert Baert", "driver_email": "", "driver_address": "Markt 1, 8000 Brugge",
              "vehicle": "", "start_date": "2026-06-10", "end_date": "", "instruction": "redirect"}
    return {**values, **changes}


def test_a_fine_without_contract_offers_the_contract_form_prefilled_with_a_way_back(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)
    support.login(client, world.user_b)
    address, words = _shortcut(client, fine_id)
    assert words == "Add the contract for this plate"
    parts = urlsplit(address)
    assert parts.path == "/contracts/new"
    assert parse_qs(parts.query) == {"plate": ["1ABC123"], "country": ["BE"], "start": ["2026-06-10"],
                                     "next": [f"/fines/{fine_id}"]}  # no client: a client user's own is taken
    form = client.get(address).get_data(as_text=True)
    assert 'value="1-ABC-123"' in form and 'value="2026-06-10"' in form
    assert re.search(r'<option selected value="BE">|<option value="BE" selected>', form)
    assert 'name="client_id"' not in form  # a client user never picks a client
    assert f'href="/fines/{fine_id}"' in form  # back without saving


def test_saving_the_prefilled_contract_matches_the_fine_and_lands_back_on_it(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)
    support.login(client, world.user_b)
    address, _words = _shortcut(client, fine_id)
    response = support.post_form(client, address, _contract_values())
    assert response.status_code == 302 and response.headers["Location"] == f"/fines/{fine_id}"
    assert _fine(app, fine_id) == ("ready", None, "BE-77")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Fine {fine_id} is matched to contract BE-77: ready." in page
    assert "Add the contract for this plate" not in page


def test_a_contract_without_the_drivers_address_leaves_the_fine_waiting_and_says_why(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)
    support.login(client, world.user_b)
    address, _words = _shortcut(client, fine_id)
    response = support.post_form(client, address, _contract_values(driver_address=""))
    assert response.status_code == 302 and response.headers["Location"] == f"/fines/{fine_id}"
    assert _fine(app, fine_id) == ("waiting_info", "information_missing", "BE-77")
    page = html.unescape(client.get(f"/fines/{fine_id}").get_data(as_text=True))
    assert f"Fine {fine_id} still waits: contract BE-77: missing the driver's postal address" in page
    # The next step is offered too: complete that contract, and come back.
    complete, words = _shortcut(client, fine_id)
    assert words == "Complete the contract"
    assert urlsplit(complete).path.startswith("/contracts/") and parse_qs(urlsplit(complete).query) == {
        "next": [f"/fines/{fine_id}"]}
    done = support.post_form(client, complete, _contract_values())
    assert done.status_code == 302 and done.headers["Location"] == f"/fines/{fine_id}"
    assert _fine(app, fine_id) == ("ready", None, "BE-77")


def test_staff_get_the_client_of_the_fine_prefilled(app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)
    support.login(client, world.agent)
    address, _words = _shortcut(client, fine_id)
    assert parse_qs(urlsplit(address).query)["client"] == [str(world.client_b)]
    form = client.get(address).get_data(as_text=True)
    assert re.search(rf'<option selected value="{world.client_b}">|<option value="{world.client_b}" selected>', form)
    response = support.post_form(client, address, _contract_values(client_id=str(world.client_b)))
    assert response.status_code == 302 and response.headers["Location"] == f"/fines/{fine_id}"
    assert _fine(app, fine_id) == ("ready", None, "BE-77")


def test_another_clients_fine_and_client_are_404_and_bad_prefills_400(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)
    support.login(client, world.user_a)
    assert client.get(f"/fines/{fine_id}").status_code == 404
    assert client.get(f"/contracts/new?client={world.client_b}&plate=1ABC123").status_code == 404
    assert client.get(f"/contracts/new?client={world.client_a}&plate=1ABC123").status_code == 200
    assert client.get("/contracts/new?start=2026-13-01").status_code == 400
    assert client.get("/contracts/new?country=XX").status_code == 400
    assert client.get("/contracts/new?plate=" + "1" * 40).status_code == 400
    # Another site as ``next`` is not followed.
    response = support.post_form(client, "/contracts/new?next=https://evil.example/x",
                                 _contract_values(contract_number="AL-5"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/contracts/")
    staff = app.test_client()
    support.login(staff, world.agent)
    assert staff.get("/contracts/new?client=999999").status_code == 404


def test_a_fine_waiting_for_other_reasons_offers_no_contract_shortcut(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.state, fine.match_reason_code, fine.match_reason_params = "waiting_info", "no_plate", {"day": "2026-06-10"}
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert "unblock" not in page


def test_overlapping_contracts_lead_to_the_plates_contracts(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.state, fine.match_reason_code = "waiting_info", "overlap"
        fine.match_reason_params = {"count": "2", "plate": "1-ABC-123", "day": "2026-06-10", "numbers": "B-1, B-2"}
        db.session.commit()
    support.login(client, world.user_b)
    assert _shortcut(client, world.fine_b_id) == ("/contracts/?q=1ABC123", "Correct the contracts of this plate")


# --- the import's result ---------------------------------------------------------------------------

OWN = """contract_number,plate,driver,start_date,end_date,instruction,driver_address
BE-10,1-ABC-123,Bert Baert,2026-01-01,,redirect,
"""


def _import(client: Any, text: str, **fields: str) -> Any:
    page = client.get("/contracts/import")
    return client.post("/contracts/import", data={"csrf_token": support.csrf_token(page.get_data(as_text=True)),
                                                   "file": (io.BytesIO(text.encode()), "contracts.csv"), **fields},
                       content_type="multipart/form-data")


def test_the_import_result_names_the_fines_still_waiting_with_why_then_those_matched(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)
    support.login(client, world.user_b)
    response = _import(client, OWN)  # no client_code column: BETA's own
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Imported: 1 new, 0 changed, 0 unchanged." in page
    # The warning names the line and says what a redirect needs, as the hint does.
    warnings = page.split('class="stack-table import-warnings"')[1].split("</table>")[0]
    assert ">2<" in warnings and "A redirect needs the driver's name and postal address" in warnings
    assert "0 fines matched and complete" in page and "1 fine still waiting" in page
    waiting = page.split('class="stack-table rematched waiting"')[1].split("</table>")[0]
    assert f'href="/fines/{fine_id}"' in waiting and "missing the driver's postal address" in waiting
    assert _fine(app, fine_id) == ("waiting_info", "information_missing", "BE-10")

    fixed = _import(client, OWN.replace(",redirect,", ',redirect,"Markt 1, 8000 Brugge"'))
    page = html.unescape(fixed.get_data(as_text=True))
    assert "0 new, 1 changed, 0 unchanged" in page and "import-warnings" not in page
    assert "1 fine matched and complete" in page and "0 fines still waiting" in page
    matched = page.split('class="rematched matched"')[1].split("</ul>")[0]
    assert f'href="/fines/{fine_id}"' in matched and "contract BE-10" in matched
    assert _fine(app, fine_id) == ("ready", None, "BE-10")


def test_the_import_result_shows_the_first_fines_and_the_totals(app: Any, client: Any, world: Any,
                                                                clock: Any) -> None:
    from app import fleet
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        seed = db.session.get(Fine, world.fine_b_id)
        for number in range(fleet.SHOWN + 3):
            db.session.add(Fine(message_id=seed.message_id, client_id=world.client_b, message_key=seed.message_key,
                                pdf_path="pdf/none.pdf", pdf_sha256=f"{number:064d}", size=0, state="read",
                                issuer="Politiezone Gent", notice_number=f"PV-{number + 2}", plate="2DEF456",
                                plate_country="BE", offence_at=datetime(2025, 6, 10, 8, tzinfo=UTC),
                                letter_date=date(2025, 6, 15), kind="immediate_collection", amount_cents=5800,
                                confidence={}, problems=[]))
        db.session.commit()
    support.login(client, world.user_b)
    response = _import(client, "contract_number,plate,driver,start_date,end_date,instruction\n"
                               "BE-20,2DEF456,Bert,2026-01-01,,recharge\n")  # starts after the offences
    page = html.unescape(response.get_data(as_text=True))
    assert f"{fleet.SHOWN + 3} fines still waiting" in page
    assert f"The first {fleet.SHOWN} of {fleet.SHOWN + 3}:" in page
    waiting = page.split('class="stack-table rematched waiting"')[1].split("</table>")[0]
    assert waiting.count("<tr>") == fleet.SHOWN + 1  # the header and the rows shown
    assert "No lease contract for plate 2-DEF-456" in waiting


def test_the_import_result_never_names_another_clients_fines(app: Any, client: Any, world: Any, clock: Any) -> None:
    fine_id = _waiting_fine(app, world)  # BETA's, plate 1-ABC-123
    support.login(client, world.user_a)
    response = _import(client, OWN)  # ALPHA's own contract for the same plate
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Imported: 1 new" in page
    assert f"/fines/{fine_id}" not in page and "0 fines still waiting" in page
    assert _fine(app, fine_id) == ("waiting_info", "no_contract", None)


# --- client_code implied, staff's choice -----------------------------------------------------------

def test_a_client_code_naming_another_client_is_refused_by_line_without_saying_whether_it_exists(
        app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    header = "client_code,contract_number,plate,driver,start_date,end_date,instruction\n"
    for code in ("BETA", "NOPE"):
        response = _import(client, header + "ALPHA,AL-1,1ABC123,Tom,2026-01-01,,recharge\n"
                                            f"{code},AL-2,2DEF456,Tom,2026-01-01,,recharge\n")
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert f"<td>3</td><td>client_code</td><td>You may not import contracts for client code ‘{code}’.</td>" in page
    with app.app_context():
        from app.extensions import db
        from app.fleet.models import Contract

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contract).where(
            Contract.contract_number.like("AL-%"))) == 0


def test_staff_pick_the_client_or_give_the_column(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from app.fleet.models import Contract

    support.login(client, world.agent)
    page = client.get("/contracts/import").get_data(as_text=True)
    assert 'name="client_id"' in page
    no_code = "contract_number,plate,driver,start_date,end_date,instruction\nAL-1,1ABC123,Tom,2026-01-01,,recharge\n"
    assert _import(client, no_code).status_code == 422  # neither picked nor in the file
    assert _import(client, no_code, client_id=str(world.client_a)).status_code == 200
    clash = "client_code," + no_code.replace("\nAL-1", "\nBETA,AL-2")
    refused = _import(client, clash, client_id=str(world.client_a))
    assert refused.status_code == 422 and "BETA" in html.unescape(refused.get_data(as_text=True))
    assert _import(client, no_code, client_id="999999").status_code == 404
    with app.app_context():
        assert [(c.client_id, c.contract_number) for c in db.session.scalars(
            sa.select(Contract).where(Contract.contract_number.like("AL-%")))] == [(world.client_a, "AL-1")]


# --- the template ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "header"), [
    ("nl", "contractnummer;nummerplaat;bestuurder;startdatum"),
    ("fr", "numéro_contrat;plaque;conducteur;date_début"),
    ("en", "contract_number,plate,driver,start_date"),
])
def test_a_client_user_downloads_the_template_and_imports_it_as_it_is(app: Any, client: Any, world: Any,
                                                                      language: str, header: str) -> None:
    support.login(client, world.user_a)
    response = client.get(f"/contracts/template.csv?lang={language}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"contracts-template-{language}.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith(header) and "client" not in text.splitlines()[0] and len(text.splitlines()) == 2
    result = _import(client, text)
    assert result.status_code == 200 and "Imported: 1 new" in result.get_data(as_text=True)


def test_the_template_follows_the_users_language_and_staff_get_the_client_column(
        app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == world.user_a)).locale = "fr"
        db.session.commit()
    support.login(client, world.user_a)
    assert client.get("/contracts/template.csv").get_data().decode("utf-8-sig").startswith("numéro_contrat;")
    assert client.get("/contracts/template.csv?lang=de").status_code == 400
    page = client.get("/contracts/import").get_data(as_text=True)
    assert 'href="/contracts/template.csv?lang=nl"' in page and 'href="/contracts/template.csv?lang=en"' in page
    agent = app.test_client()
    support.login(agent, world.agent)
    staff = agent.get("/contracts/template.csv?lang=en").get_data().decode("utf-8-sig")
    assert staff.startswith("client_code,contract_number,") and staff.splitlines()[1].startswith("ALPHA,")


@pytest.mark.parametrize(("language", "column", "instruction", "why"), [
    ("en", "driver_address", "redirect", "Without the driver's name and postal address, its fines wait"),
    ("nl", "adres_bestuurder", "verleggen", "Zonder de naam en het postadres van de bestuurder"),
    ("fr", "adresse_conducteur", "désigner", "Sans le nom et l’adresse postale du conducteur"),
])
def test_the_import_page_says_which_columns_each_instruction_needs(app: Any, client: Any, world: Any, language: str,
                                                                    column: str, instruction: str, why: str) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == world.user_a)).locale = language
        db.session.commit()
    support.login(client, world.user_a)
    page = html.unescape(client.get("/contracts/import").get_data(as_text=True))
    needs = page.split('class="stack-table instruction-needs"')[1].split("</table>")[0]
    redirect_row = needs.split("<tr>")[2]
    assert instruction in redirect_row and f"<code>{column}</code>" in redirect_row and why in redirect_row
    assert "client_code" not in page.split('class="card import-columns"')[1]  # implied for a client user

"""Fines in the browser: upload, detail with the PDF, correction by an agent, isolation."""
from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from tests import pdfs, support

LETTER = pdfs.text_pdf(pdfs.LETTER)


def _upload(client: Any, files: list[tuple[str, bytes]], **extra: str) -> Any:
    page = client.get("/fines/upload")
    data: dict[str, Any] = {"csrf_token": support.csrf_token(page.get_data(as_text=True)), **extra}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/fines/upload", data=data, content_type="multipart/form-data")


def test_client_user_uploads_a_pdf_and_sees_its_fields(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = _upload(client, [("boete.pdf", LETTER)])
    assert response.status_code == 302 and "/fines/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "AN.12.L3.123456/2026" in page and "1-ABC-123" in page  # the plate in its national notation
    pdf = client.get(response.headers["Location"] + "/pdf")
    assert pdf.status_code == 200 and pdf.data == LETTER and pdf.mimetype == "application/pdf"


def test_upload_without_csrf_is_refused_and_stores_nothing(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.models import IntakeMessage

    support.login(client, world.user_a)
    response = client.post("/fines/upload", data={"files": [(io.BytesIO(LETTER), "a.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IntakeMessage)) == 1  # the world's seed


def test_a_non_pdf_upload_is_refused_with_its_reason(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = _upload(client, [("notes.txt", b"just text")])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "notes.txt refused: The file is not a PDF." in page


def test_agent_uploads_for_a_chosen_client(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    support.login(client, world.agent)
    response = _upload(client, [("boete.pdf", LETTER)], client_id=str(world.client_b))
    assert response.status_code == 302
    with app.app_context():
        fine = db.session.scalars(sa.select(Fine).order_by(Fine.id.desc())).first()
        assert fine is not None and fine.client_id == world.client_b


def test_client_user_lists_only_own_fines(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    _upload(client, [("boete.pdf", LETTER)])
    page = client.get("/fines/").get_data(as_text=True)
    assert "AN.12.L3.123456/2026" in page and "PV-1" not in page  # PV-1 is BETA's seeded fine


def test_agent_corrects_a_fine_and_the_correction_is_audited(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry
    from fines.models import Fine

    support.login(client, world.agent)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    form = {"csrf_token": support.csrf_token(page), "kind": "immediate_collection", "language": "nl",
            "issuer": "Politiezone Gent", "notice_number": "PV-1", "plate": "1-abc-124", "plate_country": "BE",
            "offence_at": "2026-10-28T14:35", "letter_date": "2026-11-02", "due_date": "2026-12-02",
            "amount_cents": "5800", "currency": "eur", "payment_reference": "+++090/9337/55493+++",
            "addressee": "Beta Fleet BV", "note": "plate misread"}
    response = client.post(f"/fines/{world.fine_b_id}/review", data=form)
    assert response.status_code == 302
    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        assert (fine.plate, fine.currency, fine.payment_reference) == ("1ABC124", "EUR", "090933755493")
        assert fine.state == "waiting_info"  # corrected, then matched: Beta has no contract for this plate
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fine.corrected"))
        assert entry.details["note"] == "plate misread" and entry.details["changes"]["plate"] == ["1ABC123", "1ABC124"]


def test_a_correction_with_a_bad_structured_communication_is_refused(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.agent)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    response = client.post(f"/fines/{world.fine_b_id}/review", data={
        "csrf_token": support.csrf_token(page), "kind": "other", "language": "nl", "payment_reference": "090933755494",
        "note": "x"})
    assert response.status_code == 422
    assert "mod-97" in response.get_data(as_text=True)


def test_client_users_cannot_correct(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_b)
    token = support.csrf_token(client.get("/account").get_data(as_text=True))
    assert client.post(f"/fines/{world.fine_b_id}/review", data={"csrf_token": token}).status_code == 404
    assert client.get("/fines/queue").status_code == 404


def test_a_quarantined_fine_says_why_in_the_users_language(app: Any, client: Any, world: Any) -> None:
    """The client reads the reason in Dutch; agents also see the technical detail."""
    from app.extensions import db
    from fines.models import Fine

    support.login(client, world.user_a)
    _upload(client, [("nieuwsbrief.pdf", pdfs.text_pdf(["Nieuwsbrief", "Welkom bij onze zomeractie"]))])
    with app.app_context():
        fine = db.session.scalars(sa.select(Fine).where(Fine.client_id == world.client_a)).one()
        assert (fine.state, fine.reason_code) == ("quarantined", "no_fine")
        fine_id = fine.id
    page = client.get(f"/fines/{fine_id}", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "Geen kenmerk, nummerplaat of bedrag gevonden: dit lijkt geen boete." in page
    assert "no_fine:" not in page
    client.post("/logout", data={"csrf_token": support.csrf_token(page)})
    support.login(client, world.agent)
    page = client.get(f"/fines/{fine_id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Aucune référence, plaque ou montant trouvé" in page and "no_fine: no notice number" in page


def test_every_quarantine_code_has_an_explanation() -> None:
    from typing import get_args

    from fines import labels, replies
    from fines.pdftext import ReasonCode

    produced = set(get_args(ReasonCode)) | {"too_large", "no_fine", "no_page", "too_complex", "timeout", "crashed"}
    assert produced | set(replies.REASONS) <= set(labels.LABELS["quarantine"])


def test_the_extractions_own_notes_are_for_agents_only(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.state, fine.reason = "review", "plate: 2 candidates (1ABC123, 1ABC128)"
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert "in review" in page and "2 candidates" not in page
    client.post("/logout", data={"csrf_token": support.csrf_token(page)})
    support.login(client, world.agent)
    assert "plate: 2 candidates (1ABC123, 1ABC128)" in client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)

"""Fines in the browser: upload, detail with the PDF, correction by an agent, isolation."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests import pdfs, support

LETTER = pdfs.text_pdf(pdfs.LETTER)


def _upload(client: Any, files: list[tuple[str, bytes]], *, read: bool = True, **extra: str) -> Any:
    """Upload through the form; with ``read``, wait until the background reader has read the fines."""
    from fines.intake import tasks

    page = client.get("/fines/upload")
    data: dict[str, Any] = {"csrf_token": support.csrf_token(page.get_data(as_text=True)), **extra}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    response = client.post("/fines/upload", data=data, content_type="multipart/form-data")
    if read:
        assert tasks.drain(client.application, timeout=120), "the background reader did not finish"
    return response


def test_client_user_uploads_a_pdf_and_sees_its_fields(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = _upload(client, [("boete.pdf", LETTER)])
    assert response.status_code == 302 and "/fines/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "AN.12.L3.123456/2026" in page and "1-ABC-123" in page  # the plate in its national notation
    pdf = client.get(response.headers["Location"] + "/pdf")
    assert pdf.status_code == 200 and pdf.data == LETTER and pdf.mimetype == "application/pdf"


def test_an_upload_is_answered_before_it_is_read_and_the_page_follows_the_reading(
        app: Any, client: Any, world: Any, monkeypatch: Any) -> None:
    """The request stores the PDF and answers; the reading happens after, in the background."""
    import threading

    from app.extensions import db
    from fines.intake import tasks
    from fines.intake.sandbox import PdfSandbox
    from fines.models import Fine

    release = threading.Event()
    real_parse = PdfSandbox.parse

    def parse_when_released(self: PdfSandbox, *args: Any, **kwargs: Any) -> Any:
        assert release.wait(60), "the test never let the reader go on"
        return real_parse(self, *args, **kwargs)

    monkeypatch.setattr(PdfSandbox, "parse", parse_when_released)
    support.login(client, world.user_a)
    try:
        response = _upload(client, [("boete.pdf", LETTER)], read=False)
        assert response.status_code == 302  # answered while the reader is held
        url = response.headers["Location"]
        with app.app_context():
            fine = db.session.scalars(sa.select(Fine).where(Fine.client_id == world.client_a)).one()
            assert fine.state == "received"
            stored = Path(app.config["DATA_DIR"]) / fine.pdf_path
            assert stored.read_bytes() == LETTER  # the raw file is kept with its row
        page = client.get(url).get_data(as_text=True)
        assert "boete.pdf: received, being read." in page and "This fine is being read" in page
        assert "Liability" not in page and "Your cut-off" not in page  # no deadline before it is read
        assert client.get(url + "/state.json").get_json() == {"state": "received"}
    finally:
        release.set()
    assert tasks.drain(app, timeout=120)
    assert client.get(url + "/state.json").get_json()["state"] != "received"
    page = client.get(url).get_data(as_text=True)
    assert "AN.12.L3.123456/2026" in page and "This fine is being read" not in page


def test_the_200000_reference_pdf_is_answered_at_once_and_quarantined_by_its_page_count(
        app: Any, client: Any, world: Any) -> None:
    import time

    from app.extensions import db
    from fines.models import Fine
    from tests.integration.test_pdf_limits import one_page_listed

    support.login(client, world.user_a)
    started = time.monotonic()
    response = _upload(client, [("tree.pdf", one_page_listed(200_000))], read=False)
    assert response.status_code == 302 and time.monotonic() - started < 5
    from fines.intake import tasks

    assert tasks.drain(app, timeout=60)  # and the reading itself refuses it at once (tests/integration)
    with app.app_context():
        fine = db.session.scalars(sa.select(Fine).where(Fine.client_id == world.client_a)).one()
        assert (fine.state, fine.reason_code) == ("quarantined", "too_many_pages")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "dan een boetebrief; hij werd niet gelezen." in page


def test_a_fine_left_received_by_a_stopped_process_is_read_by_the_scheduler(app: Any, client: Any, world: Any,
                                                                             monkeypatch: Any) -> None:
    from datetime import timedelta

    from app.clock import now
    from app.extensions import db
    from app.scheduler import run_job
    from fines.intake import tasks
    from fines.intake.sandbox import PdfSandbox
    from fines.models import Fine, FineEvent

    support.login(client, world.user_a)
    monkeypatch.setattr(tasks, "read_later", lambda app, ids: None)  # the web process stops before reading
    _upload(client, [("boete.pdf", LETTER)], read=False)
    monkeypatch.undo()
    with app.app_context():
        fine = db.session.scalars(sa.select(Fine).where(Fine.client_id == world.client_a)).one()
        assert fine.state == "received"
        fine.created_at = now() - timedelta(minutes=10)
        db.session.commit()
        fine_id = fine.id
    assert run_job(app, "fines.read_received") == 1
    with app.app_context():
        fine = db.session.get(Fine, fine_id)
        assert fine is not None and fine.state not in ("received", "quarantined")
        steps = [(e.from_state, e.to_state, e.actor_label) for e in db.session.scalars(
            sa.select(FineEvent).where(FineEvent.fine_id == fine_id).order_by(FineEvent.id))]
        assert steps[0][:2] == ("received", "read") and steps[0][2] == "intake"
        with PdfSandbox() as box:  # read again: nothing happens, the fine is no longer received
            from fines.intake import services

            settings = services.IntakeSettings.from_config(app.config)
            assert services.read_fine(fine_id, settings=settings, sandbox=box) is None


def test_an_upload_rolled_back_leaves_no_file_behind(app: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from fines.intake import services

    data = pdfs.text_pdf(["rolled back", "only this test has these bytes"])
    with app.app_context():
        client = db.session.get(Client, world.client_a)
        result = services.ingest_files([("x.pdf", data)], client=client, actor=Actor("test"), source="upload",
                                       settings=services.IntakeSettings.from_config(app.config), sandbox=None)
        db.session.flush()
        stored = [Path(app.config["DATA_DIR"]) / f.pdf_path for f in result.fines]
        stored.append(Path(app.config["DATA_DIR"]) / result.message.raw_path)
        assert all(path.exists() for path in stored)
        db.session.rollback()
        assert not any(path.exists() for path in stored)
        assert not list(Path(app.config["DATA_DIR"]).rglob(".incoming-*"))


def test_gc_blobs_removes_old_files_no_row_names(app: Any, world: Any) -> None:
    import os
    import time

    from app import blobs, storage

    data_dir = Path(app.config["DATA_DIR"])
    orphan = data_dir / "pdf" / "00" / "00" / ("0000" + "0" * 60 + ".pdf")
    young = data_dir / "pdf" / "11" / "11" / ("1111" + "1" * 60 + ".pdf")
    leftover = data_dir / "mail" / "00" / "00" / ".incoming-abc"
    for path in (orphan, young, leftover):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 orphan")
    two_hours_ago = time.time() - 7200
    for path in (orphan, leftover):
        os.utime(path, (two_hours_ago, two_hours_ago))
    letter = b"%PDF-1.4 named"
    named_key = storage.blob_key("pdf", storage.sha256_of(letter), ".pdf")
    named = data_dir / named_key
    named.parent.mkdir(parents=True, exist_ok=True)
    named.write_bytes(letter)
    os.utime(named, (two_hours_ago, two_hours_ago))
    with app.app_context():
        from app.extensions import db
        from fines.models import Fine

        fine = db.session.get(Fine, world.fine_b_id)
        assert fine is not None
        fine.pdf_path = named_key
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["fines", "gc-blobs", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    listed = set(dry.stdout.split())
    assert {orphan.relative_to(data_dir).as_posix(), leftover.relative_to(data_dir).as_posix()} <= listed
    assert named_key not in listed and young.relative_to(data_dir).as_posix() not in listed
    assert orphan.exists() and leftover.exists()
    done = runner.invoke(args=["fines", "gc-blobs"])
    assert done.exit_code == 0, done.output
    assert not orphan.exists() and not leftover.exists() and young.exists() and named.exists()
    with app.app_context():
        assert blobs.store().get(named_key) == letter
    young.unlink()  # not a blob (its bytes are not its name's): the suite's data directory is shared


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
    assert "notes.txt refused: The file is neither a PDF nor a picture of a letter (JPEG, PNG, TIFF, HEIC)." in page


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
            "amount": "58,00", "currency": "eur", "payment_reference": "+++090/9337/55493+++",
            "addressee": "Beta Fleet BV", "note": "plate misread"}
    response = client.post(f"/fines/{world.fine_b_id}/review", data=form)
    assert response.status_code == 302
    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        assert (fine.plate, fine.currency, fine.payment_reference) == ("1ABC124", "EUR", "090933755493")
        assert fine.amount_cents == 5800  # typed in euros, kept in cents
        assert fine.state == "waiting_info"  # corrected, then matched: Beta has no contract for this plate
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fine.corrected"))
        assert entry.details["note"] == "plate misread" and entry.details["changes"]["plate"] == ["1ABC123", "1ABC124"]


def test_a_correction_with_a_bad_structured_communication_is_refused(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.agent)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert 'name="keep_reference"' not in page  # offered only once the check fails
    response = client.post(f"/fines/{world.fine_b_id}/review", data={
        "csrf_token": support.csrf_token(page), "kind": "other", "language": "nl", "payment_reference": "090933755494",
        "note": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # Summarised at the top of the page, linked to the field, and the way out offered beside it.
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index('class="error-summary"'))]
    assert 'href="#payment_reference"' in summary and "mod-97" in summary
    assert html.index('class="error-summary"') < html.index('class="pages"')
    assert 'name="keep_reference"' in html


def _correct(client: Any, fine_id: int, **values: str) -> Any:
    page = client.get(f"/fines/{fine_id}").get_data(as_text=True)
    form = {"csrf_token": support.csrf_token(page), "kind": "immediate_collection", "language": "fr",
            "issuer": "Politiezone Gent", "notice_number": "PV-1", "plate": "1ABC123", "plate_country": "BE",
            "offence_at": "2026-10-30T08:12", "letter_date": "2026-11-05", "due_date": "2026-12-05",
            "amount": "116,00", "currency": "EUR", "payment_reference": "+++123/4567/89012+++",
            "addressee": "Beta Fleet BV", "note": "as printed on the letter", **values}
    return client.post(f"/fines/{fine_id}/review", data=form)


def test_an_agent_keeps_a_failing_reference_as_printed_after_confirming(app: Any, client: Any, world: Any,
                                                                         clock: Any) -> None:
    from app.extensions import db
    from app.models import AuditEntry
    from fines.models import Fine

    support.login(client, world.agent)
    assert _correct(client, world.fine_b_id).status_code == 422  # not without confirming
    response = _correct(client, world.fine_b_id, keep_reference="y")
    assert response.status_code == 302
    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        assert fine.payment_reference == "123456789012" and fine.amount_cents == 11600
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fine.corrected"))
        assert entry.details["reference_kept_as_printed"] is True
        fine.state = "processed"  # the fields are then shown, not offered for correction
        db.session.commit()
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert "+++123/4567/89012+++ (kept as printed, check digits fail)" in page
    assert "€116.00" in page


def test_an_amount_that_is_not_euros_is_refused_beside_its_field(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.agent)
    response = _correct(client, world.fine_b_id, amount="58 euro en 5 cent", payment_reference="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#amount"' in html and "Enter the amount in euros, for example 58,00." in html


def _fine(client_id: int, **values: Any) -> int:
    """A fine row for ``client_id`` with the given fields (no files behind it)."""
    from app.extensions import db
    from fines.models import Fine, IntakeMessage

    n = db.session.scalar(sa.select(sa.func.count()).select_from(Fine)) or 0
    message = IntakeMessage(source="upload", message_key=f"<t-{n}@test>", raw_path="mail/none.eml",
                            raw_sha256="0" * 64, size=0, status="processed", client_id=client_id, recipients=[],
                            refusals=[], replies_sent=[])
    fine = Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/none.pdf",
                pdf_sha256=f"{n:064d}", size=0, confidence={}, problems=[],
                **{"state": "read", "issuer": "Politiezone Gent", "notice_number": f"PV-{100 + n}", **values})
    db.session.add_all([message, fine])
    db.session.flush()
    return int(fine.id)


def _statements(app: Any) -> Any:
    """Count the SQL statements run while the context is open."""
    import contextlib

    from app.extensions import db

    @contextlib.contextmanager
    def counting() -> Any:
        seen: list[str] = []

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting()


def test_staff_see_whose_fine_it_is_in_every_list_without_a_query_per_fine(app: Any, client: Any,
                                                                            world: Any, clock: Any) -> None:
    from datetime import date

    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        db.session.execute(sa.update(Fine).values(state="ready", cutoff=date(2026, 11, 20)))
        db.session.commit()
    support.login(client, world.agent)
    pages = {url: client.get(url).get_data(as_text=True) for url in ("/fines/", "/fines/worklist")}
    for url, page in pages.items():
        assert "BETA" in page and "Beta Fleet BV" in page, url
    with _statements(app) as few:
        client.get("/fines/")
    with app.app_context():
        for n in range(6):
            _fine(world.client_a if n % 2 else world.client_b, state="review")
            _fine(world.client_a, state="ready", cutoff=date(2026, 11, 16))
        db.session.commit()
    with _statements(app) as many:
        listing = client.get("/fines/").get_data(as_text=True)
    assert len(many) == len(few), "a query per fine"
    assert "Alpha Lease NV" in listing and "Beta Fleet BV" in listing
    for url in ("/fines/queue", "/fines/worklist"):
        with _statements(app) as seen:
            page = client.get(url).get_data(as_text=True)
        assert "Alpha Lease NV" in page and len(seen) <= len(few) + 1, url
    assert "cut-off today" in client.get("/fines/worklist").get_data(as_text=True)  # in words, not colour alone


def test_the_list_has_a_tab_with_its_count_for_every_state(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.workflow.states import FineState

    with app.app_context():
        for state in ("waiting_info", "ready", "ready", "processed", "closed"):
            _fine(world.client_b, state=state)
        db.session.commit()
    support.login(client, world.agent)
    with _statements(app) as seen:
        page = client.get("/fines/").get_data(as_text=True)
    assert sum(1 for s in seen if "GROUP BY" in s.upper()) == 1  # one grouped COUNT for every tab
    tabs = page[page.index('class="tabs fine-tabs"'):page.index("</nav>", page.index('class="tabs fine-tabs"'))]
    for state in FineState:
        assert f"?state={state.value}" in tabs, state
    assert "waiting for information <span class=\"count\">(1)" in tabs and "ready <span class=\"count\">(2)" in tabs
    assert "processed <span class=\"count\">(1)" in tabs and "closed <span class=\"count\">(1)" in tabs
    assert "All <span class=\"count\">(6)" in tabs
    ready = client.get("/fines/?state=ready").get_data(as_text=True)
    assert ready.count('class="badge state-ready"') == 2
    client.post("/logout", data={"csrf_token": support.csrf_token(page)})
    support.login(client, world.user_a)  # a client counts only its own fines
    own = client.get("/fines/").get_data(as_text=True)
    assert "All <span class=\"count\">(0)" in own


def test_a_duplicate_links_to_its_original_and_offers_no_cut_off_liability_or_cancel(
        app: Any, client: Any, world: Any, clock: Any) -> None:
    from datetime import date

    from app.extensions import db

    with app.app_context():
        copy = _fine(world.client_b, state="duplicate", duplicate_of_id=world.fine_b_id, notice_number="PV-1",
                     letter_date=date(2026, 11, 2), due_date=date(2026, 12, 2), cutoff=date(2026, 11, 10),
                     deadline=date(2026, 11, 17))
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get(f"/fines/{copy}").get_data(as_text=True)
    assert f'href="/fines/{world.fine_b_id}"' in page and "Go to the original" in page
    for absent in ("cut-off", "Your cut-off", "Liability", "bears the", "Cancel", 'name="reason"'):
        assert absent not in page, absent
    listing = client.get("/fines/?state=duplicate").get_data(as_text=True)
    assert f"of fine {world.fine_b_id}" in listing and "10/11/2026" not in listing


def test_a_letter_addressed_to_another_company_is_flagged(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db

    with app.app_context():
        other = _fine(world.client_b, addressee="Luxauto Lease SA")
        own = _fine(world.client_b, addressee="BETA FLEET B.V.")
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get(f"/fines/{other}").get_data(as_text=True)
    assert "Addressed to another company." in page and "“Luxauto Lease SA”, not to Beta Fleet BV" in page
    assert "Addressed to another company." not in client.get(f"/fines/{own}").get_data(as_text=True)
    listing = client.get("/fines/").get_data(as_text=True)
    assert listing.count("other addressee") == 1  # an icon with text, on the one letter
    dutch = client.get(f"/fines/{other}", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "Gericht aan een ander bedrijf." in dutch


def test_a_refused_upload_says_so_once_per_refused_file(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_a)
    response = _upload(client, [("notes.txt", b"just text"), ("drawing.gif", b"GIF89a\x01\x00\x01\x00")])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('class="flash error"') == 2
    assert "notes.txt refused" in page and "drawing.gif refused" in page and "No PDF was attached" not in page


def test_a_fine_page_writes_dates_and_amounts_for_its_language(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_a)
    response = _upload(client, [("boete.pdf", LETTER)])
    url = response.headers["Location"]
    dutch = client.get(url, headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "2 december 2026" in dutch and "€\u00a058,00" in dutch and "28 oktober 2026" in dutch
    french = client.get(url, headers={"Accept-Language": "fr-BE"}).get_data(as_text=True)
    assert "2 décembre 2026" in french and "58,00\u00a0€" in french
    for html in (dutch, french):  # what the reader sees: addresses (a prefilled form's ?start=) may hold ISO dates
        shown = re.sub(r"<[^>]*>", " ", html)
        assert "2026-12-02" not in shown and "2026-10-28" not in shown
    listing = client.get("/fines/", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "28/10/2026 14:35" in listing and "€\u00a058,00" in listing


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
    assert "Geen pv-nummer, nummerplaat of bedrag gevonden: dit lijkt geen verkeersboete." in page
    assert "no_fine" not in page and "no notice number" not in page
    client.post("/logout", data={"csrf_token": support.csrf_token(page)})
    support.login(client, world.agent)
    page = client.get(f"/fines/{fine_id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Aucun n° de PV, aucune plaque ni aucun montant trouvé" in page
    assert "no notice number, plate or amount found" in page


def test_every_quarantine_code_has_an_explanation() -> None:
    from typing import get_args

    from fines.intake import replies
    from fines.intake.pdftext import ReasonCode
    from fines.web import labels

    produced = set(get_args(ReasonCode)) | {"too_large", "no_fine", "no_page", "too_complex", "timeout", "crashed"}
    assert produced | set(replies.REASONS) <= set(labels.LABELS["quarantine"])


def test_the_extractions_own_notes_are_for_agents_only_in_their_language(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        fine = db.session.get(Fine, world.fine_b_id)
        fine.state = "review"
        fine.problems = [{"code": "plate_pattern", "params": {"country": "FR"}},
                         {"code": "missing", "params": {"field": "due_date"}}]
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert "in review" in page and "plate of FR" not in page
    client.post("/logout", data={"csrf_token": support.csrf_token(page)})
    support.login(client, world.agent)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert "the plate does not look like a plate of FR" in page and "Due date not found in the letter" in page
    page = client.get(f"/fines/{world.fine_b_id}", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "de nummerplaat lijkt niet op een nummerplaat uit FR" in page and "plate_pattern" not in page


def test_a_refused_cancellation_says_why_in_the_users_language(app: Any, client: Any, world: Any) -> None:
    support.login(client, world.user_b)
    page = client.get(f"/fines/{world.fine_b_id}").get_data(as_text=True)
    assert '<label for="cancel-reason">' in page  # the reason has a label, not only a placeholder
    response = client.post(f"/fines/{world.fine_b_id}/cancel", data={"csrf_token": support.csrf_token(page),
                                                                      "reason": " "},
                           headers={"Accept-Language": "nl-BE"})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"], headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "Zeg waarom de boete geannuleerd wordt." in shown

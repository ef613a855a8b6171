"""``fleetdesk fines import-mail`` and ``fleetdesk fines retry-mail``: saved mail through the intake."""
from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests import pdfs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def _eml(to: str = "alpha@fines.fleetdesk.test", message_id: str = "<saved@alpha.test>") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "fleet@alpha.test", to, "boete", message_id
    msg.set_content("\n")
    msg.add_attachment(pdfs.text_pdf(pdfs.LETTER), maintype="application", subtype="pdf", filename="boete.pdf")
    return msg.as_bytes()


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_import_mail_reads_eml_and_mbox_files_and_never_stops_at_a_bad_message(app: Any, world: Any,
                                                                               tmp_path: Path) -> None:
    single = tmp_path / "saved.eml"
    single.write_bytes(_eml())
    result = app.test_cli_runner().invoke(args=["fines", "import-mail", str(single),
                                                str(FIXTURES / "several_messages.mbox"),
                                                str(FIXTURES / "header_bomb_encoded_words.eml"), "--json"])
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert [(line["file"].rsplit("/", 1)[-1], line["outcome"], line["pdfs"]) for line in lines] == [
        ("saved.eml", "processed", 1),
        ("several_messages.mbox", "processed", 1), ("several_messages.mbox", "triage", 0),
        ("several_messages.mbox", "processed", 1), ("several_messages.mbox", "quarantined", 0),
        ("header_bomb_encoded_words.eml", "quarantined", 0),
    ]
    assert all(set(line) >= {"file", "outcome", "reason_code", "reason", "pdfs", "fines"} for line in lines)
    assert len(lines[0]["fines"]) == 1 and lines[0]["reason_code"] is None and lines[0]["reason"] is None
    assert (lines[2]["reason_code"], lines[4]["reason_code"], lines[5]["reason_code"]) == (
        "no_client", "not_mail", "too_many_encoded_words")


def test_import_mail_with_a_client_ignores_the_recipient(app: Any, world: Any, tmp_path: Path) -> None:
    from app.extensions import db
    from fines.models import IntakeMessage

    stray = tmp_path / "stray.eml"
    stray.write_bytes(_eml(to="nobody@elsewhere.test"))
    result = app.test_cli_runner().invoke(args=["fines", "import-mail", "--client", "BETA", str(stray), "--json"])
    assert result.exit_code == 0, result.output
    [line] = _lines(result.output)
    assert line["outcome"] == "processed" and line["pdfs"] == 1
    with app.app_context():
        assert db.session.get(IntakeMessage, line["message_id"]).client_id == world.client_b


def test_import_mail_goes_on_past_an_unreadable_file_and_exits_1(app: Any, world: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.eml"
    good.write_bytes(_eml())
    result = app.test_cli_runner().invoke(args=["fines", "import-mail", str(tmp_path / "missing.eml"), str(good),
                                                "--json"])
    assert result.exit_code == 1
    assert [line["outcome"] for line in _lines(result.output)] == ["processed"]
    assert "missing.eml: cannot be read" in result.output


def test_import_mail_quarantines_a_message_intake_fails_on_and_reads_the_next(
        app: Any, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fines.intake import services

    real_route = services.route

    def route(recipients: Any) -> Any:
        if "beta@fines.fleetdesk.test" in recipients:
            raise RuntimeError("a bug met one message")
        return real_route(recipients)

    monkeypatch.setattr(services, "route", route)
    first, second = tmp_path / "1.eml", tmp_path / "2.eml"
    first.write_bytes(_eml(to="beta@fines.fleetdesk.test", message_id="<bug@x>"))
    second.write_bytes(_eml())
    result = app.test_cli_runner().invoke(args=["fines", "import-mail", str(first), str(second), "--json"])
    assert result.exit_code == 0, result.output
    assert [(line["outcome"], line["reason_code"], line["reason"]) for line in _lines(result.output)] == [
        ("quarantined", "intake_error", "RuntimeError"), ("processed", None, None)]


def test_retry_mail_reads_a_quarantined_message_again_once(app: Any, world: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from fines.intake import services

    real_route = services.route
    monkeypatch.setattr(services, "route", lambda recipients: (_ for _ in ()).throw(RuntimeError("bug")))
    saved = tmp_path / "saved.eml"
    saved.write_bytes(_eml())
    runner = app.test_cli_runner()
    [line] = _lines(runner.invoke(args=["fines", "import-mail", str(saved), "--json"]).output)
    assert line["outcome"] == "quarantined"
    monkeypatch.setattr(services, "route", real_route)  # the fix
    first = runner.invoke(args=["fines", "retry-mail", str(line["message_id"])])
    assert first.exit_code == 0 and f"message {line['message_id']}: processed, 1 PDF(s)" in first.output
    again = runner.invoke(args=["fines", "retry-mail", str(line["message_id"])])
    assert again.exit_code == 0 and "not in quarantine; nothing to do" in again.output


def test_staff_read_a_quarantined_message_again_from_its_page(app: Any, client: Any, world: Any,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.extensions import db
    from fines.intake import services
    from fines.models import IntakeMessage
    from tests import support

    real_route = services.route
    monkeypatch.setattr(services, "route", lambda recipients: (_ for _ in ()).throw(RuntimeError("bug")))
    saved = tmp_path / "saved.eml"
    saved.write_bytes(_eml())
    [line] = _lines(app.test_cli_runner().invoke(args=["fines", "import-mail", str(saved), "--json"]).output)
    monkeypatch.setattr(services, "route", real_route)
    support.login(client, world.agent)
    page = client.get(f"/fines/messages/{line['message_id']}",
                      headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    assert "intake_error" not in page.split("<dd>", 1)[0]
    response = client.post(f"/fines/messages/{line['message_id']}/retry", data={"csrf_token": support.csrf_token(page)})
    assert response.status_code == 302
    from fines.intake import tasks

    assert tasks.drain(app)  # the PDF is read in the background
    with app.app_context():
        message = db.session.get(IntakeMessage, line["message_id"])
        assert message.status == "processed" and len(message.fines) == 1
    triage = client.get("/fines/triage").get_data(as_text=True)
    assert f"/fines/messages/{line['message_id']}\"" not in triage

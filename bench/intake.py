"""Fine intake figures: parse only, through the sandboxed worker, and end to end from a mailbox.

``python bench/intake.py [ROUNDS] [MAILS]`` prints:
- text fines per second, parse only (text layer + field extraction; target >= 40 per core),
- seconds per scanned page (render + Tesseract OCR),
- text fines per second through the PDF worker process (what intake really calls),
- mails per second end to end: a throw-away Dovecot on 127.0.0.1, each mail fetched with
  BODY.PEEK, stored, read, committed to SQLite and moved to Processed.
Uses the sample corpus in ``../shared/corpus/fines`` when present, else the project's own letter.
"""
from __future__ import annotations

import json
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

import intake_parse
from _harness import header, measure, report  # first: puts the repository on sys.path

from fines.intake.sandbox import PdfSandbox
from tests import pdfs

CORPUS = intake_parse.CORPUS


def text_pdfs() -> list[bytes]:
    if CORPUS.is_dir():
        return [p.read_bytes() for p in sorted(CORPUS.glob("*.pdf"))
                if not json.loads(p.with_suffix(".json").read_text())["scanned"]]
    return [pdfs.text_pdf([line.replace("123456", f"{n:06d}") for line in pdfs.LETTER]) for n in range(20)]


def through_worker(datas: list[bytes], rounds: int) -> None:
    with PdfSandbox() as sandbox:
        sandbox.parse(datas[0])  # start the worker outside the measurement
        result = measure("text fines through the PDF worker", len(datas) * rounds,
                         lambda: [sandbox.parse(d) for _ in range(rounds) for d in datas])
    report(result)


def end_to_end(datas: list[bytes], mails: int) -> None:
    from app import create_app
    from app.extensions import db
    from app.services import Actor, add_client
    from fines import jobs
    from fines.intake import services
    from fines.intake.imap import ImapAccount, Mailbox
    from tests.integration.dovecot import running_dovecot

    try:
        servers_cm = running_dovecot()
        servers = servers_cm.__enter__()
    except BaseException as exc:  # pytest.skip raises a BaseException subclass
        print(f"# end to end skipped: {exc}")
        return
    try:
        server = servers.new_user()
        with tempfile.TemporaryDirectory() as data_dir:
            app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": data_dir})
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                add_client(Actor("bench"), "BENCH", "Bench Lease", "fines.fleetdesk.test")
                db.session.commit()
            for n in range(mails):
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = "fleet@bench.test", "bench@fines.fleetdesk.test", f"boete {n}"
                msg["Message-ID"] = f"<bench-{n}@bench.test>"
                msg.set_content("\n")
                msg.add_attachment(datas[n % len(datas)], maintype="application", subtype="pdf", filename=f"{n}.pdf")
                server.deliver(msg.as_bytes())
            account = ImapAccount(name="bench", host="127.0.0.1", port=server.tls_port, username=server.username,
                                  password=server.password, ca_file=server.ca_file)
            settings = services.IntakeSettings.from_config(app.config)

            def run() -> None:
                with app.app_context(), PdfSandbox() as sandbox, Mailbox(account) as mailbox:
                    taken = jobs.drain_mailbox(mailbox, account, settings, sandbox)
                    assert len(taken) == mails, len(taken)

            report(measure("mails end to end (IMAP TLS, SQLite)", mails, run))
    finally:
        servers_cm.__exit__(None, None, None)


def main(rounds: int, mails: int) -> None:
    intake_parse.main(rounds)
    header("fine intake: through the worker process and end to end")
    datas = text_pdfs()
    through_worker(datas, max(1, rounds // 2))
    end_to_end(datas, mails)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10, int(sys.argv[2]) if len(sys.argv) > 2 else 100)

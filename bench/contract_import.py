"""The contract CSV import at the size a large client sends: 150,000 valid rows, on SQLite and PostgreSQL.

``python bench/contract_import.py [ROWS]`` (default 150,000) builds a fresh database of each kind
with one client and a few thousand fines waiting for their contract, then imports the file as the
web form does (parse, write, overlap check, matching the waiting fines again, one commit) and
prints the seconds of each step. The web form must answer well inside gunicorn's timeout
(``gunicorn.conf.py``: 60 s); a second import of the same file changes nothing and is timed too.
PostgreSQL: ``FLEETDESK_TEST_POSTGRES_URL`` (default the local server); skipped when unreachable.
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta

from _harness import header, postgres_databases  # first: puts the repository on sys.path

LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


def csv_text(rows: int) -> str:
    lines = ["client_code,contract_number,plate,driver,start_date,end_date,instruction"]
    start = date(2024, 1, 1)
    for n in range(rows):
        plate = f"{1 + n % 9}{LETTERS[n // 9 % 22]}{LETTERS[n // 198 % 22]}{LETTERS[n // 4356 % 22]}{n % 1000:03d}"
        end = start + timedelta(days=365 + n % 300)
        lines.append(f"BIG,K{n},{plate},Driver {n},{start.isoformat()},{end.isoformat()},"
                     f"{'redirect' if n % 2 else 'recharge'}")
    return "\n".join(lines) + "\n"


def run(kind: str, url: str, data_dir: str, text: str) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.clock import now, work_calendar
    from app.extensions import db
    from app.fleet import services as contracts
    from app.services import Actor, add_client
    from fines.workflow import batch

    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": data_dir, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        client = add_client(Actor("bench"), "BIG", "Big Lease NV", "fines.bench.test")
        db.session.commit()
        for attempt in ("first import", "same file again"):
            started = time.perf_counter()
            report = contracts.import_contracts(Actor("bench"), text, client=None, allowed_client_ids=None)
            imported = time.perf_counter()
            assert report.ok, report.errors[:3]
            batch.rematch_plates(report.plates, work_calendar(), now(), Actor("bench"))
            db.session.commit()
            done = time.perf_counter()
            print(f"{kind:<10} {attempt:<16} {len(text.splitlines()) - 1:>8,d} rows  import {imported - started:7.2f} s"
                  f"  rematch+commit {done - imported:6.2f} s  total {done - started:7.2f} s"
                  f"  ({report.created} new, {report.updated} changed, {report.unchanged} unchanged)")
        assert client.id
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 150_000
    header(f"contract CSV import, {rows:,d} valid rows, one client")
    text = csv_text(rows)
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", tmp, text)
    with postgres_databases(1) as urls, tempfile.TemporaryDirectory() as tmp:
        if urls:
            run("postgresql", urls[0], tmp, text)


if __name__ == "__main__":
    main()

"""Matching and the deadline sweep at scale, on SQLite and PostgreSQL.

``python bench/matching.py [CONTRACTS] [FINES] [SWEEP_FINES]`` (defaults 1,000,000 / 100,000 /
1,000,000) builds a fresh database of each kind, loads the contracts (plates reused over time:
four consecutive contracts per plate, with gaps) and read fines, lets it settle (statistics,
vacuum or WAL checkpoint, as a running database has them), then prints:
- matches per second: every fine matched to the contract that applied on its Belgian offence
  date, moved to matched/ready or waiting with its events, deadlines stored (target >= 5,000/s);
- the same path as a contract import triggers it: the open fines of 20,000 plates matched again;
- the daily sweep over all open fines (counts by urgency, the clients' reminders, the agents'
  worklist), answered from the (state, cutoff) index (target < 60 s for 1,000,000 fines).
PostgreSQL: ``FLEETDESK_TEST_POSTGRES_URL`` (default the local server); skipped when unreachable.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from _harness import header, measure, postgres_databases, report  # first: puts the repository on sys.path

from app.database import bulk_insert

BATCH = 20_000
START = date(2023, 1, 1)


def load(app: object, contracts: int, fines: int, rng: random.Random) -> list[tuple[int, str]]:
    from app.extensions import db
    from app.fleet.models import Contract
    from app.models import Client
    from fines.models import Fine, IntakeMessage

    with app.app_context():  # type: ignore[attr-defined]
        clients = [Client(code=f"C{n}", name=f"Client {n}", intake_address=f"c{n}@bench.test") for n in range(3)]
        db.session.add_all(clients)
        db.session.flush()
        message = IntakeMessage(source="cli", message_key="bench", raw_path="x", raw_sha256="0" * 64, size=0,
                                status="processed", client_id=clients[0].id, recipients=[], refusals=[],
                                replies_sent=[])
        db.session.add(message)
        db.session.commit()
        client_ids = [c.id for c in clients]
        plates: list[tuple[int, str]] = []
        rows = []
        letters = "ABCDEFGHJKLMNPRSTVWXYZ"
        for n in range(contracts // 4):
            client_id = client_ids[n % 3]
            plate = f"{1 + n % 9}{letters[n // 9 % 22]}{letters[n // 198 % 22]}{letters[n // 4356 % 22]}{n % 1000:03d}"
            plates.append((client_id, plate))
            day = START
            for k in range(4):  # four drivers one after the other, with a gap of a few days
                end = day + timedelta(days=330 + rng.randrange(60))
                rows.append({"client_id": client_id, "contract_number": f"K{n}-{k}", "plate": plate,
                             "plate_country": "BE", "driver_name": f"Driver {n}-{k}",
                             "driver_address": "Kerkstraat 1, 9000 Gent", "start_date": day,
                             "end_date": end if k < 3 else None, "instruction": "redirect" if k % 2 else "recharge",
                             "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)})
                day = end + timedelta(days=1 + rng.randrange(5))
            if len(rows) >= BATCH:
                bulk_insert(db.session, Contract.__table__, rows)
                rows = []
        if rows:
            bulk_insert(db.session, Contract.__table__, rows)
        db.session.commit()
        insert_fines(db, Fine, message.id, plates, fines, rng, state="read", offset=0)
        return plates


def insert_fines(db: object, fine_model: object, message_id: int, plates: list[tuple[int, str]], count: int,
                 rng: random.Random, *, state: str, offset: int) -> None:
    rows = []
    for i in range(count):
        client_id, plate = plates[rng.randrange(len(plates))]
        offence = datetime(2023, 1, 1, 8, tzinfo=UTC) + timedelta(minutes=rng.randrange(4 * 365 * 24 * 60))
        letter = offence.date() + timedelta(days=5)
        row = {"message_id": message_id, "client_id": client_id, "message_key": "bench", "pdf_path": "x",
               "pdf_sha256": f"{offset + i:064d}", "size": 0, "state": state, "kind": "immediate_collection",
               "language": "nl", "issuer": "Parket", "notice_number": f"N{offset + i}", "plate": plate,
               "plate_country": "BE", "offence_at": offence, "letter_date": letter,
               "due_date": letter + timedelta(days=60), "amount_cents": 5800, "currency": "EUR",
               "confidence": "{}", "problems": "[]", "created_at": offence + timedelta(days=8)}
        if state != "read":
            row["cutoff"] = date(2026, 11, 2) + timedelta(days=rng.randrange(60))
            row["deadline"] = row["cutoff"] + timedelta(days=7)
        rows.append(row)
        if len(rows) >= BATCH:
            bulk_insert(db.session, fine_model.__table__, rows)  # type: ignore[attr-defined]
            rows = []
    if rows:
        bulk_insert(db.session, fine_model.__table__, rows)  # type: ignore[attr-defined]
    db.session.commit()  # type: ignore[attr-defined]


def settle(db: object) -> None:
    """Bring a freshly bulk-loaded database to the state a running one is in before measuring:
    statistics gathered and (PostgreSQL) the new rows vacuumed, (SQLite) the write-ahead log folded
    in. Without it the first minutes after a million-row load measure autovacuum and checkpoints."""
    engine = db.engine  # type: ignore[attr-defined]
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.commit()
    print(f"{engine.dialect.name}: settled (statistics, vacuum/checkpoint) in {time.perf_counter() - started:.1f} s")


def run(kind: str, url: str, data_dir: str, contracts: int, fines: int, sweep_fines: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.clock import work_calendar
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow import batch, queries

    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": data_dir, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
    rng = random.Random(7)
    started = time.perf_counter()
    plates = load(app, contracts, fines, rng)
    print(f"{kind}: loaded {contracts:,} contracts and {fines:,} fines in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        settle(db)
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with app.app_context():
        calendar = work_calendar()

        def match_all() -> None:
            assert batch.match_pending(calendar, now) == fines
            db.session.commit()

        report(measure(f"{kind}: match fines (batch)", fines, match_all))
        states = queries.counts_by_state(None)
        print(f"{kind}: after matching {dict(sorted(states.items()))}")
        # What a contract import triggers: the open fines of the imported plates, matched again.
        pairs = {plates[i] for i in rng.sample(range(len(plates)), min(len(plates), 20_000))}
        looked_at: list[int] = []

        def rematch() -> None:
            looked_at.append(batch.rematch_plates(pairs, calendar, now))
            db.session.commit()

        timing = measure(f"{kind}: rematch {len(pairs):,} plates", 1, rematch)
        report(type(timing)(f"{kind}: rematch fines of {len(pairs):,} plates", looked_at[0], timing.seconds))
        message_id = db.session.scalar(sa.select(Fine.message_id).limit(1))
        extra = max(0, sweep_fines - fines)
        insert_fines(db, Fine, message_id, plates, extra, rng, state="waiting_info", offset=fines)
        settle(db)
        today = date(2026, 11, 20)

        def sweep() -> None:
            queries.counts_by_urgency(None, calendar, today)
            due = queries.reminders_due(calendar, today, 2)
            queries.worklist(calendar, today)
            print(f"{kind}: sweep found {sum(len(v) for v in due.values()):,} fines to remind")

        report(measure(f"{kind}: daily sweep over {fines + extra:,} fines", 1, sweep))
        db.engine.dispose()


def main() -> None:
    contracts = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    fines = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    sweep_fines = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    header(f"matching: {contracts:,} contracts, {fines:,} fines; sweep over {sweep_fines:,} fines")
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", tmp, contracts, fines, sweep_fines)
    with postgres_databases() as urls:
        if urls:
            with tempfile.TemporaryDirectory() as tmp:
                run("postgresql", urls[0], tmp, contracts, fines, sweep_fines)

if __name__ == "__main__":
    main()

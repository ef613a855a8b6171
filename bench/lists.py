"""The lists and dashboards at scale: 1,000,000 fines and 100,000 tickets, searched, filtered and sorted.

``python bench/lists.py [--database sqlite|postgresql|both] [--fines N] [--tickets N] [--open N] [--requests N]
[--keep NAME] [--only TEXT]``
(defaults: both databases, 1,000,000 fines over 20 clients of different sizes, over three years, the open
ones the last eight weeks' with a few older stragglers; 100,000 tickets of which 20,000 open; 30 requests per
figure) builds a fresh database of each kind with bulk loads (COPY on PostgreSQL,
executemany on SQLite; the search index is kept by the database itself: trigram indexes, FTS5 triggers),
lets it settle (statistics, vacuum or WAL checkpoint), then measures through the Flask test client,
logged in as a desk agent and as a client's fleet manager, p50 and p95 over repeated requests of:
the fines list plain, with each filter, searched (plate in another notation, notice number, driver,
issuer), sorted by each column, a deep page and the CSV; the tickets list plain, searched and with
each filter; the dashboard. Target: p95 below 150 ms each. A figure over it is marked ``SLOW``.
PostgreSQL: ``FLEETDESK_TEST_POSTGRES_URL`` (default the local server).

``--keep NAME`` keeps the data set between runs (the PostgreSQL database ``fleetdesk_bench_NAME``, the SQLite
file ``/tmp/fleetdesk-bench-NAME.db``): a later run with the same sizes migrates it to the current revision,
settles it and measures again without loading it anew, for measuring a change at full size.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from _harness import header, postgres_databases  # first: puts the repository on sys.path

from app.database import bulk_insert

BATCH = 20_000
CLIENTS = 20
PASSWORD = "bench-password-2026"
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # a Friday morning in Brussels
TARGET_MS = 150.0
ISSUERS = ("Politiezone Gent", "Politiezone Brussel-Hoofdstad Elsene", "Parket Antwerpen", "Federale Politie",
           "Zone de police Bruxelles-Capitale Ixelles", "Zone de police de Liège", "Stad Leuven Parkeren",
           "Ville de Namur", "Parking.Brussels", "Politiezone Kortrijk", "Politiezone Oostende",
           "Zone de police Mons-Quévy", "Parket Brugge", "CJIB", "ANTAI", "Politiezone Hasselt", "Stad Mechelen",
           "Zone de police Charleroi", "Politiezone Aalst", "Politiezone Brugge", "Parket Limburg",
           "Low Emission Zone Antwerpen", "LEZ Gent", "Parket Halle-Vilvoorde", "Stad Brugge Parkeren")
FIRST = ("Jan", "An", "Pieter", "Els", "Luc", "Sofie", "Marc", "Inge", "Tom", "Katrien", "Wim", "Nathalie",
         "Jean", "Marie", "Pierre", "Sophie", "Michel", "Isabelle", "Philippe", "Anne", "Koen", "Lies", "Bart",
         "Eva", "Thomas", "Julie", "Nicolas", "Céline", "Dirk", "Hilde", "Gert", "Sarah", "Olivier", "Camille",
         "Ruben", "Lotte", "Arne", "Femke", "Maxime", "Laura")
LAST = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
        "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leroy", "Renard", "Lejeune", "Vermeulen",
        "Van den Broeck", "Hermans", "Michiels", "Pauwels", "Aerts", "Desmet", "Declercq", "Verstraete", "Coppens",
        "Lemaire", "Dumont", "Denis", "Mathieu", "Gérard", "François", "Vandenberghe", "De Backer", "Segers",
        "Van Damme", "Smets", "Bogaert", "Cools", "Stevens", "Leclercq", "Baert", "Hendrickx", "Van Acker",
        "Verhoeven", "Thys", "Wuyts", "Moens", "Lenaerts", "Martens", "Dierickx", "Verbruggen", "Geerts",
        "De Cock", "Bosmans", "Van Hoof", "Noël")
#: Fine states and their share of a running back office's fines, by age: a fine is done with (processed,
#: closed, cancelled, a duplicate) within weeks of arriving, so the open ones are the last weeks' fines,
#: with a few older stragglers (a fine set aside, one waiting for a client that never answered).
RECENT_DAYS = 56
RECENT_STATES = (("closed", 20), ("processed", 25), ("cancelled", 2), ("duplicate", 3), ("ready", 12),
                 ("waiting_info", 18), ("review", 6), ("matched", 3), ("read", 3), ("received", 3),
                 ("quarantined", 5))
OLDER_STATES = (("closed", 775), ("processed", 180), ("cancelled", 20), ("duplicate", 20), ("waiting_info", 3),
                ("quarantined", 2))
LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


def _plate(n: int) -> str:
    letters = f"{LETTERS[n // 9 % 22]}{LETTERS[n // 198 % 22]}{LETTERS[n // 4356 % 22]}"
    return f"{1 + n % 9}{letters}{n // 95832 % 10}{n % 100:02d}"


def _weights(rng: random.Random) -> list[int]:
    """Clients of different sizes: a few large leasing companies, many smaller ones."""
    return [max(1, int(rng.paretovariate(1.2) * 10)) for _ in range(CLIENTS)]


def load(app: Any, fines: int, tickets: int, open_tickets: int, rng: random.Random) -> dict[str, Any]:
    """Build the data set; return what the measurements search for."""
    from app import services
    from app.extensions import db
    from app.models import Role

    actor = services.Actor(label="bench")
    with app.app_context():
        clients = [services.add_client(actor, f"C{n:02d}", f"Leasing {n:02d} NV", "fines.bench.test")
                   for n in range(CLIENTS)]
        services.create_user(actor, email="agent@bench.test", name="Agent", role=Role.AGENT, password=PASSWORD)
        for client in clients:
            services.create_user(actor, email=f"fleet@{client.code.lower()}.bench.test", name="Fleet",
                                 role=Role.CLIENT, password=PASSWORD, client=client)
        db.session.commit()
        client_ids = [c.id for c in clients]
        weights = _weights(rng)
        contracts = _load_contracts(db, client_ids, max(1000, fines // 10), rng)
        probe = _load_fines(db, client_ids, weights, contracts, fines, rng)
        _load_tickets(db, client_ids, tickets, open_tickets, rng)
        if db.engine.dialect.name == "postgresql":
            for table in ("contracts", "fines", "intake_messages", "tickets", "ticket_events"):
                db.session.execute(sa.text(f"SELECT setval('{table}_id_seq', "
                                           f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        db.session.commit()
        return probe


def _load_contracts(db: Any, client_ids: list[int], count: int,
                    rng: random.Random) -> list[tuple[int, int, str, str]]:
    from app.fleet.models import Contract

    rows, out = [], []
    for n in range(1, count + 1):
        client_id = client_ids[n % len(client_ids)]
        plate, driver = _plate(n), f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append({"id": n, "client_id": client_id, "contract_number": f"K{n:07d}", "plate": plate,
                     "plate_country": "BE", "driver_name": driver, "driver_email": f"d{n}@drivers.test",
                     "driver_address": "Kerkstraat 1, 9000 Gent", "vehicle": "Skoda Octavia",
                     "start_date": date(2022, 1, 1), "end_date": None,
                     "instruction": "redirect" if n % 3 else "recharge", "created_at": NOW, "updated_at": NOW})
        out.append((n, client_id, plate, driver))
        if len(rows) >= BATCH:
            bulk_insert(db.session, Contract.__table__, rows)
            rows = []
    bulk_insert(db.session, Contract.__table__, rows)
    db.session.commit()
    return out


def _fine_row(i: int, client_id: int, contract: tuple[int, int, str, str] | None, message_id: int,
              rng: random.Random, states: dict[bool, list[str]]) -> dict[str, Any]:
    received = NOW - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
    recent = NOW - received < timedelta(days=RECENT_DAYS)
    state = states[recent][i % len(states[recent])]
    offence = received - timedelta(days=rng.randrange(3, 20), minutes=rng.randrange(1440))
    letter = offence.date() + timedelta(days=rng.randrange(1, 6))
    deadline = letter + timedelta(days=15)
    known = state not in ("received", "read", "quarantined", "review") or rng.random() < 0.5
    processed = (min(received + timedelta(days=rng.randrange(1, 12)), NOW - timedelta(minutes=5))
                 if state in ("processed", "closed") else None)
    complete = processed - timedelta(hours=rng.randrange(1, 48)) if processed else (
        received if state == "ready" else None)
    return {"id": i, "message_id": message_id, "client_id": client_id, "message_key": f"<b{i}@bench>",
            "pdf_path": "pdf/none.pdf", "pdf_sha256": f"{i:064d}", "size": 1000, "pages": 1, "state": state,
            "kind": "immediate_collection", "language": "nl", "issuer": rng.choice(ISSUERS) if known else None,
            "notice_number": f"PV/{received.year}/{i:07d}" if known else None,
            "plate": (contract[2] if contract else _plate(rng.randrange(10**6, 2 * 10**6))) if known else None,
            "plate_country": "BE", "offence_at": offence, "letter_date": letter,
            "due_date": letter + timedelta(days=45),
            "amount_cents": rng.choice((5800, 11600, 17400, 5000, 3500, 23300)) + rng.randrange(0, 50) * 100,
            "currency": "EUR", "payment_reference": f"{i:012d}", "confidence": {}, "problems": [],
            "created_at": received, "contract_id": contract[0] if contract and state not in (
                "received", "read", "review", "quarantined") else None,
            "match_reason_code": "no_contract" if state == "waiting_info" and contract is None else None,
            "complete_at": complete, "processed_at": processed,
            "outcome": "redirected" if processed else None, "closed_at": processed if state == "closed" else None,
            "payment_due": letter + timedelta(days=45), "designation_due": deadline, "deadline": deadline,
            "cutoff": deadline - timedelta(days=7)}


def _load_fines(db: Any, client_ids: list[int], weights: list[int], contracts: list[tuple[int, int, str, str]],
                count: int, rng: random.Random) -> dict[str, Any]:
    from fines.models import Fine, IntakeMessage

    by_client: dict[int, list[tuple[int, int, str, str]]] = {}
    for contract in contracts:
        by_client.setdefault(contract[1], []).append(contract)
    messages = [{"id": n + 1, "source": "imap", "message_key": f"<m{n}@bench>", "raw_path": "mail/none.eml",
                 "raw_sha256": "0" * 64, "size": 0, "status": "processed", "client_id": cid, "recipients": [],
                 "refusals": [], "replies_sent": [], "received_at": NOW} for n, cid in enumerate(client_ids)]
    bulk_insert(db.session, IntakeMessage.__table__, messages)
    states = {recent: [state for state, share in shares for _ in range(share)]
              for recent, shares in ((True, RECENT_STATES), (False, OLDER_STATES))}
    for shuffled in states.values():
        rng.shuffle(shuffled)
    rows, probe = [], {}
    sqlite = db.engine.dialect.name != "postgresql"
    for i in range(1, count + 1):
        k = rng.choices(range(len(client_ids)), weights)[0]
        own = by_client[client_ids[k]]
        contract = own[rng.randrange(len(own))] if rng.random() < 0.93 else None
        row = _fine_row(i, client_ids[k], contract, k + 1, rng, states)
        if sqlite:  # executemany hands JSON through the column's own processor; COPY takes the text
            row["match_reason_params"] = None
        if i == count // 2 and row["plate"] and contract:
            probe = {"plate": row["plate"], "notice": row["notice_number"], "driver": contract[3],
                     "client_id": row["client_id"]}
        rows.append(row)
        if len(rows) >= BATCH:  # committed batch by batch: SQLite's write-ahead log stays small
            bulk_insert(db.session, Fine.__table__, rows)
            db.session.commit()
            rows = []
    bulk_insert(db.session, Fine.__table__, rows)
    db.session.commit()
    if not probe:  # a tiny run: any fine with a contract
        fine = db.session.execute(sa.select(Fine.plate, Fine.notice_number, Fine.client_id, Fine.contract_id)
                                  .where(Fine.contract_id.is_not(None), Fine.notice_number.is_not(None))
                                  .limit(1)).one()
        driver = next(c[3] for c in contracts if c[0] == fine.contract_id)
        probe = {"plate": fine.plate, "notice": fine.notice_number, "driver": driver, "client_id": fine.client_id}
    return probe


def _load_tickets(db: Any, client_ids: list[int], count: int, open_count: int, rng: random.Random) -> None:
    from sla.desk.models import Ticket, TicketEvent
    from sla.desk.policy import intervention_category

    words = ("printer", "login", "fines upload", "contract import", "slow page", "PDF", "mail", "export",
             "password", "invoice", "uptime", "backup restore", "dashboard", "API token", "CSV")
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        is_open = n > count - open_count
        reported = (NOW - timedelta(minutes=rng.randrange(60, 60 * 24 * 20)) if is_open
                    else NOW - timedelta(days=20, minutes=rng.randrange(60 * 24 * 900)))
        resolved = reported + timedelta(minutes=rng.randrange(60, 60 * 24 * 3))
        level, impact = rng.randint(1, 4), rng.choice(("all", "substantial", "few"))
        client_id = client_ids[n % len(client_ids)]
        topic = rng.choice(words)
        rows.append({"id": n, "client_id": client_id, "title": f"Problem with {topic} #{n}",
                     "description": f"Since this morning the {topic} does not work for user {n % 97}.",
                     "level": level, "impact": impact, "channel": "web", "reported_at": reported,
                     "state": rng.choice(("new", "acknowledged", "in_progress", "waiting_client")) if is_open
                     else "closed", "chargeable": False, "is_open": is_open,
                     "category": intervention_category(level, impact), "clock_state": "running" if is_open else "done",
                     "nearest_breach": reported + timedelta(hours=rng.randint(1, 48)) if is_open else None,
                     "kind": "incident", "closed_at": None if is_open else resolved})
        events.append({"ticket_id": n, "client_id": client_id, "at": reported, "kind": "reported",
                       "actor_label": "bench", "body": None, "internal": False, "data": {}})
        events.append({"ticket_id": n, "client_id": client_id, "at": reported + timedelta(minutes=30),
                       "kind": "comment", "actor_label": "agent", "body": f"Looked at the {topic}: ticket {n}.",
                       "internal": n % 5 == 0, "data": {}})
        if not is_open:  # a closed incident was reacted to and resolved: its clocks stopped then
            for kind, at in (("reaction", reported + timedelta(minutes=30)), ("resolved", resolved)):
                events.append({"ticket_id": n, "client_id": client_id, "at": at,
                               "kind": kind, "actor_label": "agent", "body": None, "internal": False, "data": {}})
        if len(rows) >= BATCH:
            bulk_insert(db.session, Ticket.__table__, rows)
            bulk_insert(db.session, TicketEvent.__table__, events)
            rows, events = [], []
    bulk_insert(db.session, Ticket.__table__, rows)
    bulk_insert(db.session, TicketEvent.__table__, events)
    db.session.commit()


def settle(db: Any) -> None:
    """Statistics gathered and (PostgreSQL) vacuumed, (SQLite) the WAL folded in, as a running database."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.commit()


def timed(client: Any, url: str, n: int) -> tuple[list[float], int, int]:
    """Milliseconds per request, the status code, and the response size of the last one."""
    out, status, size = [], 0, 0
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        size = len(response.get_data())
        out.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return out, status, size


def show(label: str, samples: list[float], status: int, size: int) -> tuple[str, float, float, int]:
    samples = sorted(samples)
    p50, p95 = statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]
    mark = "" if status == 200 and p95 < TARGET_MS else ("  SLOW" if status == 200 else f"  HTTP {status}")
    print(f"{label:<58} n={len(samples):>3}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {size // 1024:>5} KiB{mark}",
          flush=True)
    return label, p50, p95, status


def fines_urls(probe: dict[str, Any], staff: bool) -> Iterator[tuple[str, str]]:
    """(label, URL) of every fines list figure."""
    plate = probe["plate"]
    spaced = f"{plate[0]} {plate[1:4].lower()} {plate[4:]}"
    yield "fines: plain", "/fines/"
    yield "fines: state=waiting_info", "/fines/?state=waiting_info"
    yield "fines: state=open", "/fines/?state=open"
    if staff:
        yield "fines: client=", f"/fines/?client={probe['client_id']}"
    yield "fines: from/to (one month)", "/fines/?from=2026-09-01&to=2026-09-30"
    for urgency in ("overdue", "cutoff_today", "this_week", "later", "unknown"):
        yield f"fines: urgency={urgency}", f"/fines/?urgency={urgency}"
    yield "fines: liability=client", "/fines/?liability=client"
    yield "fines: liability=operator", "/fines/?liability=operator"
    yield "fines: reason=no_contract", "/fines/?reason=no_contract"
    yield f"fines: q=plate '{plate[0]}-{plate[1:4]}-{plate[4:]}'", f"/fines/?q={plate[0]}-{plate[1:4]}-{plate[4:]}"
    yield "fines: q=plate spaced lower", f"/fines/?q={spaced.replace(' ', '+')}"
    yield "fines: q=notice number", f"/fines/?q={probe['notice']}"
    yield "fines: q=driver", f"/fines/?q={probe['driver'].replace(' ', '+')}"
    yield "fines: q=issuer 'Politiezone Gent'", "/fines/?q=Politiezone+Gent"
    yield "fines: q=2 chars 'PV'", "/fines/?q=PV"
    for sort in ("received", "cutoff", "offence", "amount", "plate", "issuer", "state", "id"):
        for direction in ("asc", "desc"):
            yield f"fines: sort={sort} {direction}", f"/fines/?sort={sort}&dir={direction}"
    yield "fines: page 200", "/fines/?page=200"
    yield "fines: state=closed page 2000", "/fines/?state=closed&page=2000"
    yield "fines: open + overdue + q=issuer + sort=cutoff", "/fines/?state=open&urgency=overdue&q=Parket&sort=cutoff"
    yield "fines: CSV of waiting_info this month", "/fines/list.csv?state=waiting_info&from=2026-11-01"


def tickets_urls(staff: bool) -> Iterator[tuple[str, str]]:
    yield "tickets: plain", "/support/"
    yield "tickets: state=all", "/support/?state=all"
    yield "tickets: q='printer'", "/support/?q=printer"
    yield "tickets: q='ticket 4242' (comment)", "/support/?q=ticket+4242"
    if staff:
        yield "tickets: client=", "/support/?client=3"
        yield "tickets: agent=none", "/support/?agent=none"
        yield "tickets: agent=me", "/support/?agent=me"
    yield "tickets: category=1", "/support/?category=1"
    yield "tickets: from/to", "/support/?state=all&from=2026-01-01&to=2026-03-31"
    yield "tickets: breach=breached", "/support/?breach=breached"
    for sort in ("breach", "reported", "category", "state", "id", "title"):
        yield f"tickets: sort={sort}", f"/support/?state=all&sort={sort}"
    yield "tickets: state=all page 500", "/support/?state=all&page=500"


def measure_as(kind: str, app: Any, email: str, who: str, probe: dict[str, Any], requests: int,
               only: str | None) -> list[tuple[str, float, float, int]]:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    staff = who == "agent"
    figures = []
    urls = [("dashboard", "/"), *fines_urls(probe, staff), *tickets_urls(staff)]
    for label, url in urls:
        if only and only not in label:
            continue
        n = max(3, requests // 5) if "CSV" in label else requests
        timed(client, url, 2)  # warm up (the plan cache, the page cache)
        samples, status, size = timed(client, url, n)
        figures.append(show(f"{kind} {who}: {label}", samples, status, size))
    return figures


def run(kind: str, url: str, args: argparse.Namespace) -> list[tuple[str, float, float, int]]:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": data_dir, "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8192,
                          "CLOCK": lambda: NOW})
        with app.app_context():
            started = time.perf_counter()
            upgrade()
            print(f"{kind}: migrated in {time.perf_counter() - started:.0f} s", flush=True)
            probe = kept_probe(db, args) if args.keep else None
        if probe is None:
            started = time.perf_counter()
            probe = load(app, args.fines, args.tickets, args.open, random.Random(19))
            print(f"{kind}: loaded {args.fines:,} fines, {args.tickets:,} tickets ({args.open:,} open) "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
            if args.keep:
                with app.app_context():
                    db.session.execute(sa.text("CREATE TABLE bench_probe (doc TEXT NOT NULL)"))
                    db.session.execute(sa.text("INSERT INTO bench_probe (doc) VALUES (:doc)"),
                                       {"doc": json.dumps({**probe, "sizes": _sizes(args)})})
                    db.session.commit()
        else:
            print(f"{kind}: kept data set reused", flush=True)
        with app.app_context():
            started = time.perf_counter()
            settle(db)
            print(f"{kind}: settled in {time.perf_counter() - started:.0f} s; probe {probe}", flush=True)
        gc.collect()  # as wsgi.py does in production: what starting made is left out of the collector's passes
        gc.freeze()
        figures = measure_as(kind, app, "agent@bench.test", "agent", probe, args.requests, args.only)
        client_code = f"c{probe['client_id'] - 1:02d}"
        figures += measure_as(kind, app, f"fleet@{client_code}.bench.test", "client", probe, args.requests, args.only)
        with app.app_context():
            db.engine.dispose()
        return figures


def _sizes(args: argparse.Namespace) -> list[int]:
    return [args.fines, args.tickets, args.open]


def kept_probe(db: Any, args: argparse.Namespace) -> dict[str, Any] | None:
    """The probe of a kept data set of the same sizes; None for a new (empty) database."""
    if not sa.inspect(db.engine).has_table("bench_probe"):
        return None
    doc = json.loads(db.session.scalar(sa.text("SELECT doc FROM bench_probe")) or "{}")
    if doc.pop("sizes", None) == _sizes(args):
        return dict(doc)
    raise SystemExit(f"--keep {args.keep}: the kept database holds another data set; drop it first")


@contextmanager
def kept_postgres(name: str) -> Iterator[str]:
    """The URL of the kept PostgreSQL database ``fleetdesk_bench_NAME``, created when missing."""
    import psycopg

    admin = os.environ.get("FLEETDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    database = f"fleetdesk_bench_{name}"
    with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    yield f"{admin.rsplit('/', 1)[0]}/{database}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--fines", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", help="measure only the figures whose label contains this text")
    parser.add_argument("--keep", metavar="NAME", help="keep the data set under NAME and reuse it in later runs")
    args = parser.parse_args()
    header(f"lists: {args.fines:,} fines, {args.tickets:,} tickets ({args.open:,} open), "
           f"{args.requests} requests a figure, target p95 < {TARGET_MS:.0f} ms")
    figures: list[tuple[str, float, float, int]] = []
    if args.database in ("sqlite", "both"):
        if args.keep:
            figures += run("sqlite", f"sqlite:////tmp/fleetdesk-bench-{args.keep}.db", args)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                figures += run("sqlite", f"sqlite:///{tmp}/bench.db", args)
    if args.database in ("postgresql", "both"):
        if args.keep:
            with kept_postgres(args.keep) as url:
                figures += run("postgresql", url, args)
        else:
            with postgres_databases() as urls:
                if urls:
                    figures += run("postgresql", urls[0], args)
    slow = [f for f in figures if f[2] >= TARGET_MS or f[3] != 200]
    print(f"# {len(figures)} figures, {len(slow)} over {TARGET_MS:.0f} ms or not 200:")
    for label, _p50, p95, status in slow:
        print(f"#   {label}: p95 {p95:.1f} ms, HTTP {status}")


if __name__ == "__main__":
    main()

"""The support desk at scale: the queue over 100,000 tickets (20,000 open) and /metrics.

``python bench/sla.py [TICKETS] [OPEN] [REQUESTS]`` (defaults 100,000 / 20,000 / 60) loads a fresh
database (PostgreSQL when reachable, as the issue asks, then SQLite) and prints the 50th and 95th
percentile of rendering the agents' desk queue (first page, nearest breach first, every shown
clock computed from its events) and of ``/metrics``. Targets: queue p95 < 200 ms, /metrics < 100 ms.
"""
from __future__ import annotations

import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from _harness import header, postgres_databases  # first: puts the repository on sys.path

from app.database import bulk_insert

PASSWORD = "bench-password-123"
OPEN_GAUGE = re.compile(r"^fleetdesk_tickets_open{.*} (\S+)$", re.M)


def load(app: object, tickets: int, open_tickets: int) -> None:
    from app.extensions import db
    from app.models import Client, Role
    from app.services import Actor, create_user
    from sla.desk.models import Ticket, TicketEvent
    from sla.desk.policy import intervention_category

    rng = random.Random(3)
    with app.app_context():  # type: ignore[attr-defined]
        clients = [Client(code=f"C{n}", name=f"Client {n}", intake_address=f"c{n}@bench.test") for n in range(20)]
        db.session.add_all(clients)
        db.session.flush()
        create_user(Actor("bench"), email="agent@bench.test", name="Agent", role=Role.AGENT, password=PASSWORD)
        db.session.commit()
        start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
        now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        rows, events = [], []
        for n in range(1, tickets + 1):
            is_open = n > tickets - open_tickets
            reported = (now - timedelta(minutes=rng.randrange(60, 60 * 24 * 20)) if is_open
                        else start + timedelta(minutes=rng.randrange(60 * 24 * 600)))
            level, impact = rng.randint(1, 4), rng.choice(("all", "substantial", "few"))
            category = intervention_category(level, impact)
            client_id = clients[n % 20].id
            rows.append({"id": n, "client_id": client_id, "title": f"Incident {n}", "description": "bench",
                         "level": level, "impact": impact, "channel": "web", "reported_at": reported, "state":
                         "in_progress" if is_open else "closed", "chargeable": False, "is_open": is_open,
                         "category": category, "clock_state": "running" if is_open else "done",
                         "nearest_breach": reported + timedelta(hours=rng.randint(1, 48)) if is_open else None})
            kinds = [("reported", reported), ("reaction", reported + timedelta(minutes=20))]
            kinds += [("status_report", reported + timedelta(minutes=50 + 60 * k)) for k in range(2)]
            if not is_open:
                kinds += [("resolved", reported + timedelta(hours=5)), ("closed", reported + timedelta(hours=6))]
            for kind, at in kinds:
                events.append({"ticket_id": n, "client_id": client_id, "at": at, "kind": kind, "actor_label": "bench",
                               "body": None, "internal": False, "data": "{}"})
            if len(rows) >= 20_000:
                _flush(db, Ticket, TicketEvent, rows, events)
                rows, events = [], []
        _flush(db, Ticket, TicketEvent, rows, events)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
            db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def _flush(db: object, ticket: object, event: object,
           rows: list[dict[str, object]], events: list[dict[str, object]]) -> None:
    bulk_insert(db.session, ticket.__table__, rows)  # type: ignore[attr-defined]
    if db.engine.dialect.name != "postgresql":  # type: ignore[attr-defined]
        for e in events:
            e["data"] = {}
    bulk_insert(db.session, event.__table__, events)  # type: ignore[attr-defined]


def timed(client: object, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return out


def show(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(f"{label:<44} n={len(samples):>4}  p50 {statistics.median(samples):7.1f} ms  p95 {p95:7.1f} ms")


def run(kind: str, url: str, tickets: int, open_tickets: int, requests: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": data_dir, "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8192})
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        load(app, tickets, open_tickets)
        print(f"{kind}: loaded {tickets:,} tickets ({open_tickets:,} open) in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        client.post("/login", data={"email": "agent@bench.test", "password": PASSWORD})
        timed(client, "/support/", 3)  # warm up
        show(f"{kind}: desk queue (page 1 of open)", timed(client, "/support/", requests))
        show(f"{kind}: desk queue filtered (category 2)", timed(client, "/support/?category=2", requests))
        show(f"{kind}: /metrics", timed(client, "/metrics", requests))
        text = client.get("/metrics").get_data(as_text=True)
        counted = sum(int(float(v)) for v in OPEN_GAUGE.findall(text))
        print(f"{kind}: open tickets in /metrics: {counted:,}")
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    open_tickets = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    header(f"support desk: {tickets:,} tickets, {open_tickets:,} open")
    with postgres_databases() as urls:
        if urls:
            run("postgresql", urls[0], tickets, open_tickets, requests)
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", tickets, open_tickets, requests)

if __name__ == "__main__":
    main()

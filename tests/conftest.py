"""Shared fixtures: one migrated database per run (SQLite or PostgreSQL), an app, factories.

``FLEETDESK_TEST_DATABASE=postgresql`` runs the whole suite on a fresh PostgreSQL database
(``FLEETDESK_TEST_POSTGRES_URL``, default the local server); the default is SQLite.
Every test starts from empty tables.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support
from tests.integration.smtp import smtp_sink  # noqa: F401 - a real SMTP server, for every test folder


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with support.fresh_database(support.DATABASE_KIND, str(tmp_path_factory.mktemp("db"))) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url: str, data_dir: str) -> Iterator[Any]:
    from app import create_app
    from app.extensions import db

    application = create_app(support.test_config(database_url, data_dir))
    support.migrate_to_head(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from app.extensions import db, limiter

    limiter.reset()  # login failures counted by one test must not lock the next one out
    with application.app_context():
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)
                                       + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture()
def client(app: Any) -> Any:
    return app.test_client()


class FrozenClock:
    """The app's injected clock for one test: it says ``at`` until moved with ``set`` or ``advance``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


# Monday 16 November 2026, 10:00 in Brussels: a workday inside working hours.
FROZEN_AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture()
def clock(app: Any) -> Iterator[FrozenClock]:
    """Freeze the app's clock (``app.config["CLOCK"]``) for one test, so no result depends on today's date."""
    frozen = FrozenClock(FROZEN_AT)
    app.config["CLOCK"] = frozen
    try:
        yield frozen
    finally:
        app.config.pop("CLOCK", None)


@dataclass(frozen=True)
class World:
    """Two clients with a user each, an agent and an admin (ids and e-mails only)."""

    client_a: int
    client_b: int
    user_a: str
    user_b: str
    user_a_id: int
    user_b_id: int
    agent: str
    admin: str
    admin_id: int
    message_b_id: int
    fine_b_id: int
    contract_b_id: int
    ticket_b_id: int


@pytest.fixture()
def world(app: Any) -> World:
    from app import services
    from app.extensions import db
    from app.models import Role

    actor = services.Actor(label="test")
    with app.app_context():
        a = services.add_client(actor, "ALPHA", "Alpha Lease NV", "fines.fleetdesk.test")
        b = services.add_client(actor, "BETA", "Beta Fleet BV", "fines.fleetdesk.test")
        ua = services.create_user(actor, email="anna@alpha.test", name="Anna", role=Role.CLIENT,
                                  password=support.PASSWORD, client=a)
        ub = services.create_user(actor, email="bert@beta.test", name="Bert", role=Role.CLIENT,
                                  password=support.PASSWORD, client=b)
        services.create_user(actor, email="agent@op.test", name="Agent", role=Role.AGENT, password=support.PASSWORD)
        admin = services.create_user(actor, email="admin@op.test", name="Admin", role=Role.ADMIN,
                                     password=support.PASSWORD)
        message, fine = _stored_fine(b)
        contract = _contract(b)
        ticket = _ticket(b)
        db.session.commit()
        return World(a.id, b.id, ua.email, ub.email, ua.id, ub.id, "agent@op.test", "admin@op.test", admin.id,
                     message.id, fine.id, contract.id, ticket.id)


def _ticket(client: Any) -> Any:
    from datetime import datetime

    from app.clock import work_calendar
    from app.services import Actor
    from sla.desk import services

    return services.open_ticket(Actor("seed"), client=client, reporter=None, title="Seeded incident",
                                description="seed", level=2, impact="few", channel="phone",
                                now=datetime(2026, 11, 16, 8, 0, tzinfo=UTC), calendar=work_calendar())


def _contract(client: Any) -> Any:
    from datetime import date

    from app.extensions import db
    from app.fleet.models import Contract

    contract = Contract(client_id=client.id, contract_number=f"{client.code}-0001", plate="9ZZZ999",
                        plate_country="BE", driver_name="Zoë Zeger", driver_address="Zeedijk 1, 8400 Oostende",
                        start_date=date(2026, 1, 1), end_date=None, instruction="redirect")
    db.session.add(contract)
    db.session.flush()
    return contract


def _stored_fine(client: Any) -> tuple[Any, Any]:
    """A message with one read fine for ``client`` (rows only; no files behind them)."""
    from app.extensions import db
    from fines.models import Fine, IntakeMessage

    message = IntakeMessage(source="upload", message_key=f"<seed-{client.code}@test>", raw_path="mail/none.eml",
                            raw_sha256="0" * 64, size=0, status="processed", client_id=client.id, recipients=[],
                            refusals=[], replies_sent=[])
    fine = Fine(message=message, client_id=client.id, message_key=message.message_key, pdf_path="pdf/none.pdf",
                pdf_sha256="1" * 64, size=0, state="read", issuer="Politiezone Gent", notice_number="PV-1",
                plate="1ABC123", plate_country="BE", confidence={}, problems=[])
    db.session.add_all([message, fine])
    db.session.flush()
    return message, fine

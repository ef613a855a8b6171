"""``fleetdesk demo``: a migrated embedded database with believable demo data, served locally."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import services
from app.extensions import db
from app.models import Client, Role
from app.uow import job_unit_of_work

DEMO_PASSWORD = "fleetdesk-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    client: str | None


DemoLoader = Callable[[Flask], None]


def add_demo_loader(app: Flask, loader: DemoLoader) -> None:
    """Let a feature package add its demo data after the platform's."""
    app.extensions.setdefault("fleetdesk.demo_loaders", []).append(loader)


USERS = (
    ("admin@fleetdesk.test", "Ada Admin", Role.ADMIN, None),
    ("agent@fleetdesk.test", "Arne Agent", Role.AGENT, None),
    ("fleet@acme-lease.test", "Anna Peeters", Role.CLIENT, "ACME"),
    ("fleet@brabant-fleet.test", "Bert Janssens", Role.CLIENT, "BRAFL"),
)
#: (code, name, language of mail to its users): one Dutch-speaking client, one French-speaking.
CLIENTS = (("ACME", "ACME Lease NV", "nl"), ("BRAFL", "Brabant Fleet BV", "fr"))


def load_demo_data(app: Flask) -> list[DemoLogin]:
    """Create the demo clients and users once (idempotent) and run the features' demo loaders."""
    actor = services.Actor(label="demo")
    if db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 0:
        with job_unit_of_work():
            clients = {code: services.add_client(actor, code, name, app.config["INTAKE_DOMAIN"], locale=locale)
                       for code, name, locale in CLIENTS}
            for email, name, role, code in USERS:
                services.create_user(actor, email=email, name=name, role=role, password=DEMO_PASSWORD,
                                     client=clients[code] if code else None)
            db.session.flush()
            # The loaders replay weeks of history (outages, late fines); their warnings are not news.
            logging.disable(logging.WARNING)
            try:
                for loader in app.extensions.get("fleetdesk.demo_loaders", []):
                    loader(app)
            finally:
                logging.disable(logging.NOTSET)
    return [DemoLogin(email, role.value, code) for email, _name, role, code in USERS]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then stop.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create and migrate the embedded database, load demo data and serve the app."""
    from flask_migrate import upgrade

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade()
    logins = load_demo_data(app)
    click.echo(f"database: {app.config['DATABASE_URL']}")
    click.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for login in logins:
        click.echo(f"  {login.email:<28} {login.role:<7} {login.client or ''}")
    if no_serve:
        return
    click.echo(f"FleetDesk demo on http://{host}:{port}/ (Ctrl+C stops it)")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

"""FleetDesk: the back office of a fleet-SaaS operator for Belgian leasing companies."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.version import __version__  # noqa: F401 - re-exported

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the FleetDesk application; ``config`` overrides environment and defaults (tests)."""
    app = Flask(__name__)
    register_config(app, config)
    register_extensions(app)
    register_calendar(app)
    register_security(app)
    register_i18n(app)
    register_blueprints(app)
    register_metrics(app)
    register_commands(app)
    register_jobs(app)
    register_tasks(app)
    return app


def register_config(app: Flask, override: Mapping[str, Any] | None) -> None:
    """Load defaults, ``FLEETDESK_*`` variables and the override; stop on a bad configuration."""
    from app import config

    app.config.from_mapping(config.load(app.instance_path, override))
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic narrates every plugin and revision at INFO; commands (demo, db upgrade) report their own result.
    for name in ("alembic", "flask_migrate"):
        logging.getLogger(name).setLevel(logging.WARNING)


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, login manager, CSRF protection, rate limiter and blob store to the app."""
    from app import blobs, tenancy  # noqa: F401 - tenancy installs the tenant-scoping session events
    from app.database import configure_engine_events
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    blobs.init_app(app)


def register_calendar(app: Flask) -> None:
    """Build the working calendar every deadline and clock is counted on."""
    from app import clock

    clock.init_app(app)


def register_security(app: Flask) -> None:
    """Trust the configured proxies, load users per request, scope client users, set security headers."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import auth, security

    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:  # the client's address, scheme and host as the proxy saw them (never trusted without a proxy)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if app.config["ENV"] == "production" and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        logging.getLogger(__name__).warning(
            "login failures are counted per process (FLEETDESK_RATELIMIT_STORAGE_URI=memory://); "
            "with several workers set it to a shared store such as redis://127.0.0.1:6379")
    security.configure_hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])
    auth.init_security(app)


def register_i18n(app: Flask) -> None:
    """Pick the user's or the browser's language among English, Dutch and French."""
    from app import i18n

    i18n.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the web shell, authentication, administration and the feature packages."""
    from app import admin, auth, client_life, web
    from app.fleet import views as fleet_views
    from app.offboarding import views as offboarding_views
    from app.privacy import views as privacy_views
    from assistance import views as assistance_views
    from backups import views as backup_views
    from fines.web import views as fines_views
    from sla.desk import views as desk_views
    from sla.uptime import status_views
    from sla.uptime import views as uptime_views

    app.register_blueprint(web.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    client_life.init_app(app)  # suspension guard, the client's suspension and service contract screen
    offboarding_views.init_app(app)  # a client's off-boarding (export, purge) and the purge certificates
    app.register_blueprint(fines_views.bp)
    app.register_blueprint(fleet_views.bp)
    app.register_blueprint(desk_views.bp)
    app.register_blueprint(uptime_views.bp)
    app.register_blueprint(status_views.bp)  # the public status page, no login
    app.register_blueprint(backup_views.bp)
    app.register_blueprint(assistance_views.bp)
    app.register_blueprint(privacy_views.bp)


def register_metrics(app: Flask) -> None:
    """Count requests and serve ``/metrics`` (multiprocess-aware under gunicorn)."""
    from app import metrics

    metrics.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the ``fleetdesk`` command groups (clients, users, demo, scheduler and the features')."""
    from app import cli
    from app.fleet.cli import contracts_cli
    from app.privacy.cli import privacy_cli
    from assistance.cli import assistance_cli
    from backups.cli import backups_cli
    from fines.cli import fines_cli

    cli.init_app(app)
    for group in (fines_cli, contracts_cli, backups_cli, assistance_cli, privacy_cli):
        app.cli.add_command(group)


def register_tasks(app: Flask) -> None:
    """Register the background tasks (``app.queue``) every process may submit or run, and their backlog gauge."""
    from app import queue
    from app.metrics import add_collector
    from backups import tasks as backup_tasks
    from fines.intake import tasks as reading_tasks

    reading_tasks.register(app)
    backup_tasks.register(app)
    add_collector(app, queue.QueueCollector(app))


def register_jobs(app: Flask) -> None:
    """Declare the scheduled jobs that ``fleetdesk scheduler run`` executes."""
    from app import scheduler
    from app.privacy import retention
    from assistance import jobs as assistance_jobs
    from backups import jobs as backup_jobs
    from fines import jobs as fines_jobs
    from sla.desk import jobs as desk_jobs
    from sla.uptime import jobs as uptime_jobs

    scheduler.init_app(app)
    retention.init_app(app)
    fines_jobs.init_app(app)
    desk_jobs.init_app(app)
    uptime_jobs.init_app(app)
    backup_jobs.init_app(app)
    assistance_jobs.init_app(app)

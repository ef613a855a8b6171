"""The ``fleetdesk`` console script: Flask's CLI for the app and FleetDesk's command groups.

Kept apart from ``app.cli`` so that command modules never import the app factory (and, through
it, every feature package).
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.cli import FlaskGroup


def _create_app(*args: Any, **kwargs: Any) -> Flask:
    from app import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``fleetdesk`` console script."""
    group = FlaskGroup(create_app=_create_app, add_version_option=True, load_dotenv=False,
                       help="FleetDesk: fines, support desk, uptime and backups for leasing companies.")
    group.main(prog_name="fleetdesk")

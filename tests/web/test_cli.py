"""The ``fleetdesk`` command: clients, users, scheduler jobs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests import support


def test_console_script_lists_every_command_group(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "fleetdesk"
    env = {**os.environ, "FLEETDESK_DATA_DIR": str(tmp_path)}
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=env, check=True)
    for group in ("clients", "users", "db", "demo", "scheduler", "i18n"):
        assert f"\n  {group} " in result.stdout, group


def test_clients_add_and_list(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clients", "add", "--code", "delta", "--name", "Delta Lease"])
    assert result.exit_code == 0, result.output
    assert "fines go to delta@fines.fleetdesk.test" in result.output
    listed = json.loads(runner.invoke(args=["clients", "list", "--json"]).output)
    assert [c["code"] for c in listed] == ["DELTA"]


def test_clients_add_sets_the_language_of_mails(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clients", "add", "--code", "delta", "--name", "Delta", "--language", "fr"])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(args=["clients", "list", "--json"]).output)
    assert [(c["code"], c["locale"]) for c in listed] == [("DELTA", "fr")]
    refused = runner.invoke(args=["clients", "add", "--code", "epsilon", "--name", "Epsilon", "--language", "de"])
    assert refused.exit_code != 0


def test_clients_add_refuses_a_taken_code_without_writing(app: Any) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["clients", "add", "--code", "DELTA", "--name", "Delta"])
    result = runner.invoke(args=["clients", "add", "--code", "DELTA", "--name", "Delta again"])
    assert result.exit_code == 1 and "client code DELTA is taken" in result.output


def test_users_create_for_a_client_then_log_in(app: Any, client: Any) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["clients", "add", "--code", "DELTA", "--name", "Delta"])
    result = runner.invoke(args=["users", "create", "--email", "dora@delta.test", "--name", "Dora", "--role", "client",
                                 "--client", "DELTA", "--password", support.PASSWORD])
    assert result.exit_code == 0, result.output
    assert support.login(client, "dora@delta.test").status_code == 302


def test_users_create_refuses_an_unknown_client(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "x@y.test", "--name", "X", "--role",
                                                "client", "--client", "NOPE", "--password", support.PASSWORD])
    assert result.exit_code == 1 and "no client with code" in result.output


def test_users_create_prompts_for_a_hidden_password(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "ops@op.test", "--name", "Ops",
                                                "--role", "agent"], input=f"{support.PASSWORD}\n{support.PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert support.PASSWORD not in result.output


def test_prune_job_deletes_only_sessions_ended_or_expired_a_day_ago(app: Any, world: Any) -> None:
    from app import scheduler
    from app.db import utcnow
    from app.extensions import db
    from app.models import UserSession

    with app.app_context():
        now = utcnow()
        db.session.add_all([
            UserSession(token_sha256="a" * 64, user_id=world.admin_id, created_at=now - timedelta(days=3),
                        expires_at=now - timedelta(days=2)),
            UserSession(token_sha256="b" * 64, user_id=world.admin_id, created_at=now - timedelta(days=3),
                        expires_at=now + timedelta(hours=1), ended_at=now - timedelta(days=2)),
            UserSession(token_sha256="c" * 64, user_id=world.admin_id, created_at=now - timedelta(hours=2),
                        expires_at=now + timedelta(hours=10), ended_at=now - timedelta(hours=1)),
            UserSession(token_sha256="d" * 64, user_id=world.admin_id, created_at=now,
                        expires_at=now + timedelta(hours=12)),
        ])
        db.session.commit()
    assert scheduler.run_job(app, "platform.prune_sessions") == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 2


def test_db_upgrade_and_demo_print_no_alembic_chatter(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "fleetdesk"
    env = {**os.environ, "FLEETDESK_DATA_DIR": str(tmp_path), "FLEETDESK_DATABASE_URL": f"sqlite:///{tmp_path}/fd.db"}
    env.pop("FLEETDESK_ENV", None)
    upgrade = subprocess.run([str(script), "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120,
                             check=False)
    assert upgrade.returncode == 0, upgrade.stderr
    demo = subprocess.run([str(script), "demo", "--no-serve"], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert demo.returncode == 0, demo.stderr
    output = upgrade.stdout + upgrade.stderr + demo.stdout + demo.stderr
    assert "alembic" not in output, output
    assert "demo logins" in demo.stdout

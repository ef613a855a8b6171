"""Migrations build the models' schema on empty SQLite and PostgreSQL, and round-trip."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support


def _schema_diff(app: Any) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.extensions import db
    from app.search import is_search_structure

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        # The search structures (FTS tables, trigram indexes) belong to migration 0016, not the models.
        return not (type_ in ("table", "index") and is_search_structure(name))

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                         "include_name": include_name})
        return list(compare_metadata(context, db.metadata))


def _tables(app: Any) -> set[str]:
    from app.extensions import db

    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_matches_models_and_round_trips(kind: str, tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    with support.fresh_database(kind, str(tmp_path)) as url:
        app = create_app(support.test_config(url, str(tmp_path)))
        try:
            assert _tables(app) == set(), "create_app must not touch the schema"
            with app.app_context():
                upgrade()
            assert _schema_diff(app) == []
            model_tables = set(db.metadata.tables)
            assert model_tables <= _tables(app)
            with app.app_context():
                downgrade(revision="base")
            assert _tables(app) == {"alembic_version"}
            with app.app_context():
                upgrade()
            assert _schema_diff(app) == []
        finally:
            with app.app_context():
                db.engine.dispose()


def test_cli_db_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "FLEETDESK_DATA_DIR": str(tmp_path), "FLEETDESK_ENV": "development"}
    env.pop("FLEETDESK_DATABASE_URL", None)
    with support.fresh_database(support.DATABASE_KIND, str(tmp_path)) as url:
        env["FLEETDESK_DATABASE_URL"] = url
        script = str(Path(sys.executable).parent / "fleetdesk")
        result = subprocess.run([script, "db", "upgrade"], env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        current = subprocess.run([script, "db", "current"], env=env, capture_output=True, text=True, check=False)
        assert "(head)" in current.stdout, current.stdout + current.stderr

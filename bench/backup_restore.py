"""Backup and restore times for a database of one million fines, on SQLite and PostgreSQL.

``python bench/backup_restore.py [FINES]`` (default 1,000,000) loads a fresh database of each kind, then
times the dc-db backup (dump, checksums, verification), a restore into an empty database and the
restore drill (restore into a scratch database and compare row counts per table).
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime

import matching as data
from _harness import header, postgres_databases  # first: puts the repository on sys.path


def run(kind: str, url: str, restore_url: str, fines: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.clock import work_calendar
    from app.extensions import db
    from backups import services
    from backups.policy import Tier
    from fines.models import Fine

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": data_dir, "DATABASE_URL": url})
        with app.app_context():
            upgrade()
        rng = random.Random(5)
        plates = data.load(app, 4000, 0, rng)
        with app.app_context():
            message_id = db.session.scalar(db.text("SELECT id FROM intake_messages LIMIT 1"))
            data.insert_fines(db, Fine, message_id, plates, fines, rng, state="read", offset=0)
            now = datetime.now(UTC)
            started = time.perf_counter()
            manifest = services.run_backup(app.config, db.engine, Tier.DC_DB, now, work_calendar())
            backup_s = time.perf_counter() - started
            print(f"{kind}: backup of {fines:,} fines: {backup_s:7.1f} s, {manifest.total_size / 1e6:,.1f} MB, "
                  f"{manifest.state}")
            started = time.perf_counter()
            services.restore(app.config, manifest.id, restore_url)
            print(f"{kind}: restore into an empty database: {time.perf_counter() - started:7.1f} s")
            entry = services.drill(app.config, db.engine, now, work_calendar())
            print(f"{kind}: drill (restore + row counts of {entry['tables']} tables, {entry['rows']:,} rows): "
                  f"{entry['seconds']:7.1f} s, ok={entry['ok']}, within target={entry['within_target']}")
            db.engine.dispose()


def main() -> None:
    fines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    header(f"backups: a database of {fines:,} fines")
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/live.db", f"sqlite:///{tmp}/restored.db", fines)
    with postgres_databases(2) as urls:
        if urls:
            run("postgresql", urls[0], urls[1], fines)

if __name__ == "__main__":
    main()

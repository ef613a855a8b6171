"""Admin → Backups: an alarm in words for every tier without a recent verified backup; drills in local time."""
from __future__ import annotations

from typing import Any

from tests import support


def test_backups_page_raises_an_alarm_for_tiers_never_backed_up(app: Any, client: Any, world: Any,
                                                                 clock: Any) -> None:
    support.login(client, world.admin)
    page = client.get("/admin/backups/").get_data(as_text=True)
    assert "Alarm:" in page and "4 tiers have no recent verified backup" in page
    assert "no verified backup at all; one of 16 November 2026 was due." in page
    assert "No backup yet." not in page


def test_a_restore_drill_is_shown_in_local_time_not_iso(app: Any, client: Any, world: Any, clock: Any) -> None:
    from backups import services

    services.record_drill(app.config, {"at": "2026-11-27T08:23:04.042022+00:00", "backup": "dc-db-2026-11-27",
                                       "tier": "dc-db", "seconds": 3.2, "rows": 1234, "ok": True,
                                       "within_target": True})
    try:
        support.login(client, world.admin)
        page = client.get("/admin/backups/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    finally:
        services.drills_path(app.config).unlink()
    assert "27/11/2026 09:23" in page
    assert "2026-11-27T08:23" not in page.replace('datetime="2026-11-27T08:23', "")
    assert "1.234" in page

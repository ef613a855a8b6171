"""Off-boarding from the admin screens (nl, fr, en) and from the ``fleetdesk clients`` commands."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

WORDS = {  # the off-boarding screen's title and its export button, per language
    "en": ("Off-boarding", "Export everything"),
    "nl": ("Offboarding", "Alles exporteren"),
    "fr": ("Fin de service", "Tout exporter"),
}


def _admin(app: Any, world: Any, language: str) -> Any:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.admin).values(locale=language))
        db.session.commit()
    browser = app.test_client()
    support.login(browser, world.admin)
    return browser


@pytest.mark.parametrize("language", sorted(WORDS))
def test_admin_starts_off_boarding_and_downloads_everything_in_each_language(
        app: Any, world: Any, clock: Any, language: str) -> None:
    browser = _admin(app, world, language)
    url = f"/admin/clients/{world.client_b}/offboarding"
    page = browser.get(url)
    title, button = WORDS[language]
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    assert button in page.get_data(as_text=True)
    listing = browser.get("/admin/clients").get_data(as_text=True)
    assert url in listing
    started = support.post_form(browser, url + "/start", {}, token_from=url)
    assert started.status_code == 302
    download = support.post_form(browser, url + "/export", {}, token_from=url)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "BETA-offboarding-20261116T090000Z.zip" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["client_code"] == "BETA" and manifest["created_by"] == f"user:{world.admin_id}"
        assert json.loads(archive.read("tables/fines.json"))[0]["notice_number"] == "PV-1"
    page = browser.get(url).get_data(as_text=True)
    assert 'name="confirm_code"' not in page  # the grace period has not ended: no purge form yet


def test_admin_purges_after_the_grace_period_and_sees_the_certificate(app: Any, world: Any, clock: Any) -> None:
    browser = _admin(app, world, "fr")
    url = f"/admin/clients/{world.client_b}/offboarding"
    support.post_form(browser, url + "/start", {}, token_from=url)
    refused = support.post_form(browser, url + "/purge", {"confirm_code": "BETA"}, token_from=url)
    assert refused.status_code == 422  # refused before the grace period ends (no --now on the web)
    clock.advance(timedelta(days=30))
    browser = _admin(app, world, "fr")
    wrong = support.post_form(browser, url + "/purge", {"confirm_code": "ALPHA"}, token_from=url)
    assert wrong.status_code == 422
    done = support.post_form(browser, url + "/purge", {"confirm_code": "beta"}, token_from=url)
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/clients/certificates")
    listing = browser.get("/admin/clients/certificates")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "BETA" in text and f"user:{world.admin_id}" in text
    assert "Certificats de purge" in text
    assert browser.get(url).status_code == 404


@pytest.mark.parametrize("path", ["/admin/clients/certificates", "/admin/clients/{id}/offboarding"])
def test_off_boarding_screens_are_for_admins_only(app: Any, world: Any, path: str) -> None:
    for who in (world.agent, world.user_b):
        browser = app.test_client()
        support.login(browser, who)
        assert browser.get(path.format(id=world.client_b)).status_code in {403, 404}


def test_cli_offboard_export_purge_certificates_and_import_archive(app: Any, world: Any, clock: Any,
                                                                   tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    started = runner.invoke(args=["clients", "offboard", "BETA"])
    assert started.exit_code == 0 and "purge allowed from 2026-12-16 09:00 UTC" in started.output
    exported = runner.invoke(args=["clients", "export", "BETA", "--to", str(tmp_path)])
    assert exported.exit_code == 0, exported.output
    zips = list(tmp_path.glob("BETA-offboarding-*.zip"))
    assert len(zips) == 1 and (tmp_path / zips[0].stem / "manifest.json").is_file()
    refused = runner.invoke(args=["clients", "purge", "BETA"])
    assert refused.exit_code != 0 and "grace period of BETA ends on 2026-12-16" in refused.output
    purged = runner.invoke(args=["clients", "purge", "BETA", "--now"])
    assert purged.exit_code == 0 and "client BETA purged" in purged.output
    certificates = json.loads(runner.invoke(args=["clients", "certificates", "--json"]).output)
    assert [c["client_code"] for c in certificates] == ["BETA"] and certificates[0]["forced"]
    restored = runner.invoke(args=["clients", "import-archive", str(zips[0])])
    assert restored.exit_code == 0 and "client BETA restored" in restored.output
    listed = json.loads(runner.invoke(args=["clients", "list", "--json"]).output)
    assert sorted(c["code"] for c in listed) == ["ALPHA", "BETA"]
    again = runner.invoke(args=["clients", "import-archive", str(zips[0])])
    assert again.exit_code != 0 and "exists already" in again.output

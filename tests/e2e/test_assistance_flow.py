"""An assistance case in Chromium, with the app's clock frozen on Monday 16 November 2026, 10:00.

A client user opens a case for a covered car; an agent assigns a provider, records the provider's steps
(contact, appointment, photos, mandate), checks the provider's invoice and closes the case. Every wait is
on something the page shows, never a fixed sleep.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.integration import live

pytestmark = pytest.mark.e2e


def _cover_and_provider(app: Any, world: Any) -> None:
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from assistance import services

    with app.app_context():
        beta = db.session.get(Client, world.client_b)
        services.save_cover(Actor("seed"), beta, {
            "policy_number": "BETA-OPT", "product": "optimco", "formula": "", "upgrade": False,
            "start_date": date(2026, 1, 1), "premium_paid_on": date(2025, 12, 20), "signed_on": date(2025, 12, 1),
            "end_date": None, "plates": ["9-ZZZ-999"], "contracts": []})
        services.save_provider(Actor("seed"), {"name": "Takel Gent", "phone": "+32 9 000 00 00"})
        db.session.commit()


def _no_error(page: Any) -> None:
    assert not page.locator(".flash.error").count(), page.locator(".flash.error").first.inner_text()


def _step(page: Any, event: str, at: str | None = None) -> None:
    form = page.locator("form[action$='/provider-event']").first
    form.locator("select[name=event]").select_option(event)
    if at is not None:
        form.locator("input[name=at]").fill(at)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash.info >> text=Recorded")
    _no_error(page)


def test_a_client_opens_a_case_and_an_agent_takes_it_to_closing(app: Any, world: Any, browser: Any, clock: Any,
                                                                 tmp_path: Path) -> None:
    _cover_and_provider(app, world)
    with live.thread_server(app) as base:
        client = support.browser_login(browser, base, "bert@beta.test")
        client.click("nav.mainnav >> text=Assistance")
        client.click("text=Open a case")
        client.fill("input[name=plate]", "9-ZZZ-999")
        client.fill("input[name=at]", "2026-11-16T09:30")
        client.select_option("select[name=cause]", "breakdown")
        client.fill("input[name=helper_arrived_at]", "2026-11-16T09:55")
        client.fill("input[name=immobilised_until]", "2026-11-18T17:00")
        client.fill("input[name=max_mass_kg]", "1500")
        client.click("main button[type=submit]")
        client.wait_for_selector(".flash.info >> text=opened.")
        verdict = client.inner_text("#verdict")
        assert "covered" in verdict and "not covered" not in verdict
        assert "BETA-0001" in client.inner_text("main") and "category B" in client.inner_text("main")
        case_url = client.url

        agent = support.browser_login(browser, base, world.agent)
        agent.click("nav.mainnav >> text=Assistance")
        agent.click(f"a[href$='{case_url.split(base, 1)[1]}']")
        agent.wait_for_url(case_url)
        assign = agent.locator("form[action$='/assign']")
        assign.locator("select[name=provider_id]").select_option(label="Takel Gent")
        assign.locator("input[name=accepted_at]").fill("2026-11-16T10:00")
        assign.locator("button[type=submit]").click()
        agent.wait_for_selector(".flash.info >> text=Case assigned to Takel Gent.")
        assert "Contact with the customer due by 16/11/2026 12:00" in agent.inner_text("main")
        _step(agent, "contacted", "2026-11-16T11:15")
        _step(agent, "appointment", "2026-11-16T15:00")
        for event in ("photos_arrival", "photos_after", "mandate_signed"):
            _step(agent, event)
        assert "the invoice may be accepted" in agent.inner_text("main")

        invoice = agent.locator("form[action$='/invoice']")
        invoice.locator("select[name=issuer_kind]").select_option("provider")
        invoice.locator("input[name=number]").fill("TG-2026-118")
        invoice.locator("select[name='lines-0-item']").select_option("towing")
        invoice.locator("input[name='lines-0-description']").fill("Slepen naar garage")
        invoice.locator("input[name='lines-0-amount']").fill("310,00")
        invoice.locator("select[name='lines-1-item']").select_option("other")
        invoice.locator("input[name='lines-1-description']").fill("Carwash")
        invoice.locator("input[name='lines-1-amount']").fill("20")
        invoice.locator("button[type=submit]").click()
        agent.wait_for_selector(".flash.info >> text=Invoice checked")
        _no_error(agent)
        invoices = agent.inner_text("#invoices")
        assert "€250.00 accepted, €80.00 refused" in invoices

        agent.locator("form[action$='/close'] button[type=submit]").click()
        agent.wait_for_selector(".flash.info >> text=closed.")
        assert "closed" in agent.inner_text("h1")

        client.goto(case_url)
        assert "closed" in client.inner_text("h1") and "Takel Gent" in client.inner_text("main")

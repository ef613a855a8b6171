"""Demo assistance for ``fleetdesk demo``: covers of the demo clients, a provider and cases in different states.

Everything goes through the real services, dated relative to the app's clock; the fines' demo loader has
made the lease contracts already (ACME's 1ABC123 and 2DEF456, Brabant Fleet's 1XYZ789).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from app.clock import now as clock_now
from app.clock import work_calendar
from app.services import Actor, client_by_code
from assistance import services
from assistance.invoices import InvoiceLine

H = timedelta(hours=1)
D = timedelta(days=1)


def _facts(plate: str, at: datetime, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "plate": plate, "registered": "BE", "at": at, "country": "BE", "cause": "breakdown",
        "assistance_called_at_once": True, "police_tow": False, "helper_arrived_at": at + H,
        "immobilised_until": at + 3 * D, "repairable_within_3_workdays": None, "exclusions": [],
        "trip_started": None, "max_mass_kg": 1900, "body": "car", "passengers": 2}
    values.update(changes)
    return values


def load_demo_assistance(app: Flask) -> None:
    """ACME with an Optimco cover, Brabant Fleet with AG Top Mobility; four cases, one closed."""
    calendar, now = work_calendar(), clock_now()
    today = now.astimezone(calendar.zone).date()
    agent, anna = Actor("agent@fleetdesk.test"), Actor("fleet@acme-lease.test")
    acme, brafl = client_by_code("ACME"), client_by_code("BRAFL")
    year = timedelta(days=365)
    services.save_cover(agent, acme, {
        "policy_number": "EA-OPT-2024-118", "product": "optimco", "formula": "", "upgrade": False,
        "start_date": today - 2 * year, "premium_paid_on": today - 2 * year - 10 * D,
        "signed_on": today - 2 * year - 30 * D, "end_date": None, "plates": ["1-ABC-123", "2-DEF-456"],
        "contracts": []})
    services.save_cover(agent, brafl, {
        "policy_number": "AG-TM-77120", "product": "ag-top-mobility", "formula": "all-vehicles", "upgrade": True,
        "start_date": today - year, "premium_paid_on": today - year - 5 * D, "signed_on": today - year - 20 * D,
        "end_date": None, "plates": [], "contracts": []})
    provider = services.save_provider(agent, {"name": "Takeldienst Vlaanderen", "email": "dispatch@takel.example",
                                              "phone": "+32 9 222 33 44"})
    services.save_provider(agent, {"name": "Dépannage Wallonie", "email": "info@depannage.example",
                               "phone": "+32 81 44 55 66"})

    # Open and just assigned: the provider's contact clock runs (2 h from acceptance).
    fresh = services.open_case(anna, acme, _facts("1-ABC-123", now - 3 * H), opened_by_id=None, calendar=calendar)
    services.assign_provider(agent, fresh, provider, accepted_at=now - 90 * timedelta(minutes=1))

    # A theft: the police report's receipt was due within 24 h and is late.
    services.open_case(agent, acme, _facts("2-DEF-456", now - 30 * H, cause="theft", helper_arrived_at=None,
                                           immobilised_until=None), opened_by_id=None, calendar=calendar)

    # Abroad near Lyon, Brabant Fleet: the replacement vehicle is out.
    abroad = services.open_case(agent, brafl, _facts("1-XYZ-789", now - 2 * D, country="FR",
                                                     trip_started=today - 5 * D), opened_by_id=None,
                                calendar=calendar)
    services.set_replacement(agent, abroad, start=today - D, returned=None, calendar=calendar, now=now)

    # Closed: assigned, documents in, invoice checked, vehicle kept two days too long.
    done = services.open_case(agent, acme, _facts("1-ABC-123", now - 20 * D), opened_by_id=None, calendar=calendar)
    assignment = services.assign_provider(agent, done, provider, accepted_at=now - 20 * D + 30 * timedelta(minutes=1))
    services.record_provider_event(agent, assignment, "contacted", at=now - 20 * D + H)
    services.record_provider_event(agent, assignment, "appointment", at=now - 20 * D + 5 * H)
    for event in ("photos_arrival", "photos_after", "mandate_signed"):
        services.record_provider_event(agent, assignment, event, at=None)
    start = (now - 20 * D).astimezone(calendar.zone).date()
    services.set_replacement(agent, done, start=start, returned=start + 8 * D, calendar=calendar, now=now - 11 * D)
    services.check_invoice(agent, done, [InvoiceLine("towing", "Slepen naar garage", 1, 28000),
                                         InvoiceLine("replacement_vehicle", "Vervangwagen 9 dagen", 9, 40500)],
                           issuer_kind="provider")
    services.close_case(agent, done, now=now - 10 * D)

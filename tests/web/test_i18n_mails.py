"""Every e-mail the product sends reads in its recipient's language: the user's own setting, else their client's.

The real jobs run (the morning reminder round, the maintenance announcement, the desk's time-limit
watch) for recipients who read Dutch and French, and the mails they queue (``app.mail.pending_mail``,
before the commit) are read: each must differ from its English and hold no message of the English
catalogue. Intake's automatic replies are left out: they are written in the three languages at once.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support
from tests.web.test_i18n_pages import english_messages

# Monday 16 November 2026, 10:00 in Brussels: a workday inside working hours.
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
LANGUAGES = ("nl", "fr")


def _text(message: EmailMessage) -> str:
    return f"{message['Subject']}\n{message.get_content()}"


def _english_left(text: str, language: str) -> list[str]:
    return [english for english, pattern in english_messages(language) if pattern.search(text)]


def _readers(app: Any, world: Any, *, client_users: bool) -> dict[str, str]:
    """Give people a language each (Dutch and French), adding one of each where needed: address → language."""
    from app import services
    from app.extensions import db
    from app.models import Client, Role, User

    if client_users:
        bert = db.session.scalar(sa.select(User).where(User.email == world.user_b))
        anna = db.session.scalar(sa.select(User).where(User.email == world.user_a))
        bert.locale, anna.locale = "nl", "fr"
        beta = db.session.get(Client, world.client_b)
        services.create_user(services.Actor("test"), email="chloe@beta.test", name="Chloé", role=Role.CLIENT,
                             password=support.PASSWORD, client=beta).locale = "fr"
        return {world.user_b: "nl", world.user_a: "fr", "chloe@beta.test": "fr"}
    agent = db.session.scalar(sa.select(User).where(User.email == world.agent))
    agent.locale = "nl"
    services.create_user(services.Actor("test"), email="agathe@op.test", name="Agathe", role=Role.AGENT,
                         password=support.PASSWORD).locale = "fr"
    admin = db.session.scalar(sa.select(User).where(User.email == world.admin))
    admin.locale = "fr"
    return {world.agent: "nl", "agathe@op.test": "fr", world.admin: "fr"}


def _addresses(message: EmailMessage) -> list[str]:
    from email.utils import getaddresses

    return [address for _, address in getaddresses([str(message["To"] or ""), str(message["Bcc"] or "")])]


def _language_of(message: EmailMessage, readers: dict[str, str]) -> str:
    languages = {readers[address] for address in _addresses(message) if address in readers}
    assert len(languages) == 1, f"one mail, one language: {languages} for {_addresses(message)}"
    return languages.pop()


def _check(mails: list[EmailMessage], readers: dict[str, str], english: list[str]) -> None:
    """Each mail in its readers' language (Dutch and French both sent), none of the English mail's words in it."""
    languages = sorted(_language_of(message, readers) for message in mails)
    assert languages == sorted(LANGUAGES), languages
    for message in mails:
        language = _language_of(message, readers)
        text = _text(message)
        assert text not in english
        left = _english_left(text, language)
        assert left == [], f"{language} mail holds English: {left}\n{text}"


def test_the_cut_off_reminder_is_written_in_each_readers_language(app: Any, world: Any) -> None:
    from app import mail
    from app.extensions import db
    from fines import jobs
    from fines.models import Fine

    with app.app_context():
        readers = _readers(app, world, client_users=True)
        fine = db.session.get(Fine, world.fine_b_id)
        fine.state = "waiting_info"  # a fixture row set up as matching leaves it (rolled back below)
        fine.cutoff = date(2026, 11, 18)
        fine.match_reason_code, fine.match_reason_params = "no_contract", {"plate": "1ABC123", "day": "2026-10-28"}
        db.session.flush()
        try:
            assert jobs.morning_round(MONDAY)["clients"] == 1
            mails = mail.pending_mail()
            from app.models import Client

            english = [_text(jobs.reminder_mail(db.session.get(Client, world.client_b), [fine], ["x@y.test"],
                                                "noreply@fleetdesk.test", date(2026, 11, 16)))]
        finally:
            db.session.rollback()
    assert len(mails) == 2  # client B's readers: one Dutch, one French
    _check(mails, readers, english)
    dutch = next(m for m in mails if _language_of(m, readers) == "nl")
    assert "verkeersboete" in _text(dutch) and "18/11/2026" in _text(dutch) and "2026-11-18" not in _text(dutch)


def test_the_maintenance_announcement_is_written_in_each_readers_language(app: Any, world: Any) -> None:
    from app import mail
    from app.clock import work_calendar
    from app.extensions import db
    from app.services import Actor
    from sla.uptime import services as uptime

    with app.app_context():
        readers = _readers(app, world, client_users=True)
        window = uptime.plan_maintenance(Actor("test"), starts_at=datetime(2026, 11, 18, 19, 0, tzinfo=UTC),
                                         ends_at=datetime(2026, 11, 18, 21, 0, tzinfo=UTC),
                                         description="PostgreSQL 17", now=MONDAY)
        try:
            assert uptime.announce_maintenance(MONDAY, work_calendar(), 5, "noreply@fleetdesk.test") == 1
            mails = mail.pending_mail()
            english = [_text(uptime.announcement_mail(window, work_calendar(), "noreply@fleetdesk.test", ["x@y.test"]))]
        finally:
            db.session.rollback()
    assert len(mails) == 2
    _check(mails, readers, english)
    assert all("PostgreSQL 17" in _text(m) and m["Bcc"] for m in mails)


def test_the_agents_time_limit_warnings_are_written_in_each_readers_language(app: Any, world: Any) -> None:
    from app import mail
    from app.extensions import db
    from sla.desk import jobs

    later = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # Friday afternoon: the seeded incident's limits are past
    with app.app_context():
        readers = _readers(app, world, client_users=False)
        try:
            result = jobs.watch_clocks(later)
            mails = mail.pending_mail()
        finally:
            db.session.rollback()
    assert result["warnings"] >= 1
    assert len(mails) == 2
    warnings = [jobs.ClockWarning(world.ticket_b_id, "Seeded incident", clock, state, 3)
                for clock in jobs.CLOCKS for state in ("warning", "breached")]
    with app.app_context():
        english = [_text(jobs.warning_mail(warnings, "noreply@fleetdesk.test", ["x@y.test"]))]
    _check(mails, readers, english)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_time_limit_and_state_of_a_warning_is_worded(app: Any, language: str) -> None:
    from sla.desk import jobs

    warnings = [jobs.ClockWarning(7, "Printer", clock, state, 2) for clock in jobs.CLOCKS
                for state in ("warning", "breached")]
    with app.app_context():
        text = _text(jobs.warning_mail(warnings, "noreply@fleetdesk.test", ["x@y.test"], locale=language))
    assert "clock" not in text and "breached" not in text and "category" not in text
    assert _english_left(text, language) == []


def test_a_reader_without_a_language_gets_the_default_one(app: Any, world: Any) -> None:
    from app.extensions import db
    from app.i18n import addresses_by_locale
    from app.models import User

    with app.app_context():
        users = list(db.session.scalars(sa.select(User).order_by(User.email)))
        users[0].locale = "nl"
        groups = addresses_by_locale(users)
        emails = [u.email for u in users]
        db.session.rollback()
    assert groups["nl"] == emails[:1]
    assert sorted(groups["en"]) == sorted(emails[1:])


def _french_client_with_an_english_reader(world: Any) -> dict[str, str]:
    """Client B reads French; Bert (no language of his own) follows it, Eve chose English: address → language."""
    from app import services
    from app.extensions import db
    from app.models import Client, Role

    beta = db.session.get(Client, world.client_b)
    beta.locale = "fr"
    services.create_user(services.Actor("test"), email="eve@beta.test", name="Eve", role=Role.CLIENT,
                         password=support.PASSWORD, client=beta).locale = "en"
    db.session.flush()
    # Anna's client (A) has no language: she gets the default, English.
    return {world.user_b: "fr", "eve@beta.test": "en", world.user_a: "en"}


def test_the_maintenance_announcement_follows_the_clients_language_unless_the_user_chose_one(
        app: Any, world: Any) -> None:
    from app import mail
    from app.clock import work_calendar
    from app.extensions import db
    from app.services import Actor
    from sla.uptime import services as uptime

    with app.app_context():
        readers = _french_client_with_an_english_reader(world)
        window = uptime.plan_maintenance(Actor("test"), starts_at=datetime(2026, 11, 18, 19, 0, tzinfo=UTC),
                                         ends_at=datetime(2026, 11, 18, 21, 0, tzinfo=UTC),
                                         description="PostgreSQL 17", now=MONDAY)
        try:
            assert uptime.announce_maintenance(MONDAY, work_calendar(), 5, "noreply@fleetdesk.test") == 1
            mails = mail.pending_mail()
            written = {language: _text(uptime.announcement_mail(window, work_calendar(), "noreply@fleetdesk.test",
                                                                ["x@y.test"], locale=language))
                       for language in ("en", "fr")}
        finally:
            db.session.rollback()
    assert len(mails) == 2
    by_language = {_language_of(m, readers): m for m in mails}
    assert by_language["fr"]["Bcc"] == world.user_b
    assert sorted(by_language["en"]["Bcc"].split(", ")) == sorted(["eve@beta.test", world.user_a])
    assert {language: _text(m) for language, m in by_language.items()} == written
    assert written["fr"] != written["en"] and "PostgreSQL 17" in written["fr"]
    assert _english_left(written["fr"], "fr") == []


def test_the_cut_off_reminder_follows_the_clients_language_unless_the_user_chose_one(app: Any, world: Any) -> None:
    from app import mail
    from app.extensions import db
    from app.models import Client
    from fines import jobs
    from fines.models import Fine

    with app.app_context():
        readers = _french_client_with_an_english_reader(world)
        fine = db.session.get(Fine, world.fine_b_id)
        fine.state = "waiting_info"  # a fixture row set up as matching leaves it (rolled back below)
        fine.cutoff = date(2026, 11, 18)
        fine.match_reason_code, fine.match_reason_params = "no_contract", {"plate": "1ABC123", "day": "2026-10-28"}
        db.session.flush()
        try:
            assert jobs.morning_round(MONDAY)["clients"] == 1
            mails = mail.pending_mail()
            beta = db.session.get(Client, world.client_b)
            written = {language: _text(jobs.reminder_mail(beta, [fine], ["x@y.test"], "noreply@fleetdesk.test",
                                                          date(2026, 11, 16), locale=language))
                       for language in ("en", "fr")}
        finally:
            db.session.rollback()
    assert len(mails) == 2
    by_language = {_language_of(m, readers): m for m in mails}
    assert by_language["fr"]["To"] == world.user_b
    assert by_language["en"]["To"] == "eve@beta.test"
    assert {language: _text(m) for language, m in by_language.items()} == written
    assert "amende de roulage" in written["fr"] and "18/11/2026" in written["fr"]
    assert _english_left(written["fr"], "fr") == []


def test_staff_and_users_of_a_client_without_a_language_get_the_default_one(app: Any, world: Any) -> None:
    from app.extensions import db
    from app.i18n import recipient_locale
    from app.models import Client, User

    with app.app_context():
        try:
            db.session.get(Client, world.client_b).locale = "nl"
            people = {u.email: u for u in db.session.scalars(sa.select(User))}
            languages = {email: recipient_locale(user) for email, user in people.items()}
        finally:
            db.session.rollback()
    assert languages == {world.user_a: "en", world.user_b: "nl", world.agent: "en", world.admin: "en"}

"""The screens' values per language: moments in Belgian local time (across DST), days, durations, amounts."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app import formatting


def _in(app: Any, language: str, function: Any, *args: Any) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return str(function(*args))


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "28/03/2026 13:00"),   # winter time: UTC+1
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29/03/2026 01:59"),   # the last minute before the change
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29/03/2026 03:00"),    # clocks jump from 02:00 to 03:00
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25/10/2026 02:30"),  # summer time: UTC+2
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25/10/2026 02:30"),  # back to winter time: 02:30 again
    (datetime(2026, 11, 3, 23, 30, tzinfo=UTC), "4/11/2026 00:30"),   # the local date, not the UTC one
    (datetime(2026, 11, 3, 13, 35), "3/11/2026 14:35"),               # SQLite's naive UTC is read as UTC
])
@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_when_writes_belgian_local_time_in_one_list_format(app: Any, language: str, moment: datetime,
                                                           expected: str) -> None:
    assert _in(app, language, formatting.when, moment) == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "3 November 2026, 14:35"),
    ("nl", "3 november 2026, 14:35"),
    ("fr", "3 novembre 2026, 14:35"),
])
def test_when_long_writes_a_detail_moment_in_words(app: Any, language: str, expected: str) -> None:
    assert _in(app, language, formatting.when_long, datetime(2026, 11, 3, 13, 35, tzinfo=UTC)) == expected


@pytest.mark.parametrize(("language", "short", "long"), [
    ("en", "3/11/2026", "3 November 2026"),
    ("nl", "3/11/2026", "3 november 2026"),
    ("fr", "3/11/2026", "3 novembre 2026"),
])
def test_day_and_day_long(app: Any, language: str, short: str, long: str) -> None:
    assert _in(app, language, formatting.day, date(2026, 11, 3)) == short
    assert _in(app, language, formatting.day_long, date(2026, 11, 3)) == long
    # A moment's day is its Belgian day: 23:30 UTC on 3 November is 4 November in Brussels.
    assert _in(app, language, formatting.day, datetime(2026, 11, 3, 23, 30, tzinfo=UTC)) == "4/11/2026"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "November 2026"),
    ("nl", "november 2026"),
    ("fr", "novembre 2026"),
])
def test_month_writes_the_month_in_words(app: Any, language: str, expected: str) -> None:
    assert _in(app, language, formatting.month, date(2026, 11, 1)) == expected
    assert _in(app, language, formatting.month, None) == ""


@pytest.mark.parametrize(("value", "en", "nl"), [
    (timedelta(minutes=31, seconds=42, microseconds=1488), "32 min", "32 min"),
    (timedelta(0), "0 min", "0 min"),
    (timedelta(hours=1, minutes=30), "1 h 30 min", "1 u 30 min"),
    (timedelta(hours=12), "12 h", "12 u"),
    (5400, "1 h 30 min", "1 u 30 min"),
    (timedelta(minutes=-45), "−45 min", "−45 min"),
])
def test_duration_reads_like_a_person_would_say_it(app: Any, value: Any, en: str, nl: str) -> None:
    assert _in(app, "en", formatting.duration, value) == en
    assert _in(app, "nl", formatting.duration, value) == nl
    assert _in(app, "fr", formatting.duration, value) == en  # French writes "1 h 30 min" too


@pytest.mark.parametrize(("language", "money", "number", "percent"), [
    ("en", "€1,234.56", "1,234.5", "98.87%"),
    ("nl", "€\u00a01.234,56", "1.234,5", "98,87\u00a0%"),
    ("fr", "1\u202f234,56\u00a0€", "1\u202f234,5", "98,87\u202f%"),
])
def test_amounts_numbers_and_percentages_follow_the_locale(app: Any, language: str, money: str, number: str,
                                                           percent: str) -> None:
    assert _in(app, language, formatting.money, 123456) == money
    assert _in(app, language, formatting.number, 1234.5, 1) == number
    assert _in(app, language, formatting.percent, 98.87) == percent


def test_missing_values_are_written_as_nothing(app: Any) -> None:
    for function in (formatting.when, formatting.when_long, formatting.day, formatting.day_long,
                     formatting.duration, formatting.money, formatting.number, formatting.percent):
        assert _in(app, "nl", function, None) == ""


def test_audit_details_read_as_words_in_local_time(app: Any) -> None:
    from app.audit_labels import action_label, object_label, readable_details

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert action_label("user.logged_in") == "Logged in"
        assert object_label("Ticket", "4") == "incident 4"
        rows = readable_details({"changes": {"name": ["Old NV", "New NV"]}, "allowed": True,
                                 "starts_at": "2026-11-16 09:00:00+00:00", "fines": [3, 4]})
        assert rows == [("Name", "Old NV → New NV"), ("Authorised", "yes"), ("Starts", "16/11/2026 10:00"),
                        ("Fines", "3, 4")]
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert action_label("user.logged_in") != "Logged in"


@pytest.mark.parametrize(("language", "label", "joined"), [
    ("en", "Client:", "a; b"),
    ("nl", "Client:", "a; b"),
    ("fr", "Client\u00a0:", "a\u00a0; b"),
])
def test_a_label_colon_and_a_list_of_reasons_follow_french_typography(app: Any, language: str, label: str,
                                                                     joined: str) -> None:
    assert _in(app, language, formatting.colon, "Client") == label
    assert _in(app, language, formatting.semicolons, ["a", "b"]) == joined


@pytest.mark.parametrize(("language", "written"), [("nl", "3/11/2026 09:05"), ("fr", "3/11/2026 09:05"),
                                                   ("en", "3/11/2026 09:05")])
def test_the_designation_form_writes_belgian_dates(language: str, written: str) -> None:
    from fines import outputs

    assert outputs._moment(datetime(2026, 11, 3, 9, 5), language) == written
    assert outputs._day(date(2026, 1, 7), language) == "7/01/2026"

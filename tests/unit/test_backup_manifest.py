"""Backup manifests: stable JSON round trips, strict reading, and checking parts on disk."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backups.manifest import Manifest, Part, backup_id, check_parts, sha256_file
from backups.policy import Tier

CET = timezone(timedelta(hours=1))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(**changes: Any) -> Manifest:
    base = Manifest(
        id="dc-db-2026-11-20",
        tier=Tier.DC_DB,
        business_date=date(2026, 11, 20),
        started_at=datetime(2026, 11, 20, 2, 0, tzinfo=CET),
        finished_at=datetime(2026, 11, 20, 2, 5, 30, 123456, tzinfo=CET),
        parts=(Part("database.sqlite3", 5, sha(b"hello")), Part("row_counts.json", 2, sha(b"{}"))),
        database_kind="sqlite",
        database_version="3.45.1",
        alembic_revision="c4a0e67d1565",
        app_version="0.1.0",
        state="verified",
        verified_at=datetime(2026, 11, 20, 1, 10, tzinfo=UTC),
        notes=("checked",),
    )
    return replace(base, **changes)


# -- ids and JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "day", "expected"),
    [
        (Tier.DC_DB, date(2026, 11, 20), "dc-db-2026-11-20"),
        (Tier.SERVER_DB, date(2026, 1, 2), "server-db-2026-01-02"),
        (Tier.DC_FILES, date(2026, 4, 7), "dc-files-2026-04-07"),
        (Tier.WEEKLY_ENV, date(2026, 4, 7), "weekly-env-2026-04-07"),
    ],
)
def test_backup_id_is_tier_and_business_date(tier: Tier, day: date, expected: str) -> None:
    assert backup_id(tier, day) == expected


def test_backup_id_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        backup_id(Tier.DC_DB, datetime(2026, 11, 20, tzinfo=UTC))


def test_to_json_is_stable_sorted_and_in_utc() -> None:
    text = manifest().to_json()
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert document["started_at"] == "2026-11-20T01:00:00+00:00"
    assert document["finished_at"] == "2026-11-20T01:05:30.123456+00:00"
    assert document["business_date"] == "2026-11-20" and document["tier"] == "dc-db"
    assert document["format"] == 1
    assert document["parts"][0] == {"name": "database.sqlite3", "sha256": sha(b"hello"), "size": 5}
    assert text.endswith("\n") and text == Manifest.from_json(text).to_json()


def test_total_size_adds_the_parts() -> None:
    assert manifest().total_size == 7
    assert manifest(parts=()).total_size == 0


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/\\\0"),
    min_size=1,
    max_size=20,
).filter(lambda n: n not in (".", "..", "manifest.json"))
parts = st.lists(
    st.builds(Part, names, st.integers(0, 2**53), st.binary(max_size=8).map(sha)),
    max_size=5,
    unique_by=lambda p: p.name,
).map(tuple)
offsets = st.sampled_from([UTC, CET, timezone(timedelta(hours=-5, minutes=-30))])
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@st.composite
def manifests(draw: st.DrawFn) -> Manifest:
    tier = draw(st.sampled_from(list(Tier)))
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
    started = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets))
    state = draw(st.sampled_from(["running", "complete", "verified", "failed"]))
    finished: datetime | None = None
    verified: datetime | None = None
    if state != "running" and (state != "failed" or draw(st.booleans())):
        finished = started + draw(st.timedeltas(timedelta(0), timedelta(days=2)))
    if finished is not None and (state == "verified" or (state == "failed" and draw(st.booleans()))):
        verified = finished + draw(st.timedeltas(timedelta(0), timedelta(hours=5)))
    kind = draw(st.sampled_from(["sqlite", "postgresql", "none"]))
    return Manifest(
        id=backup_id(tier, day),
        tier=tier,
        business_date=day,
        started_at=started,
        finished_at=finished,
        parts=draw(parts),
        database_kind=kind,
        database_version=None if kind == "none" else draw(st.none() | texts),
        alembic_revision=draw(st.none() | texts),
        app_version=draw(texts.filter(bool)),
        state=state,
        verified_at=verified,
        notes=tuple(draw(st.lists(texts, max_size=3))),
    )


@given(manifests())
@settings(max_examples=100, deadline=None)
def test_json_round_trip(original: Manifest) -> None:
    text = original.to_json()
    again = Manifest.from_json(text)
    assert again == original
    assert again.to_json() == text


# -- malformed input -------------------------------------------------------------------------------


def document(**changes: Any) -> str:
    data = json.loads(manifest().to_json())
    for key, value in changes.items():
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{not json", "not valid JSON", id="bad-json"),
        pytest.param("", "not valid JSON", id="empty"),
        pytest.param("[]", "must be a JSON object, not an array", id="array"),
        pytest.param(document(state=KeyError), "missing field 'state'", id="missing-field"),
        pytest.param(document(format=KeyError), "missing field 'format'", id="missing-format"),
        pytest.param(document(format=2), "format 2 is not supported", id="future-format"),
        pytest.param(document(surprise=1), "unknown fields: \\['surprise'\\]", id="unknown-field"),
        pytest.param(document(tier="daily"), "'tier' must be one of", id="unknown-tier"),
        pytest.param(document(state="done"), "unknown state", id="unknown-state"),
        pytest.param(document(app_version=1), "'app_version' must be a string, not a number", id="int-str"),
        pytest.param(document(database_version=3), "must be a string or null", id="int-optional"),
        pytest.param(document(parts={}), "'parts' must be an array, not an object", id="parts-object"),
        pytest.param(document(parts=["x"]), "parts\\[0\\] must be a JSON object", id="part-string"),
        pytest.param(
            document(parts=[{"name": "a", "size": "5", "sha256": sha(b"")}]),
            "parts\\[0\\] field 'size' must be an integer, not a string",
            id="size-string",
        ),
        pytest.param(
            document(parts=[{"name": "a", "size": True, "sha256": sha(b"")}]),
            "must be an integer, not a boolean",
            id="size-bool",
        ),
        pytest.param(
            document(parts=[{"name": "a", "size": 1}]), "parts\\[0\\] is missing field 'sha256'", id="no-sha"
        ),
        pytest.param(
            document(parts=[{"name": "a", "size": 1, "sha256": "ABC"}]), "64 lowercase hex", id="bad-sha"
        ),
        pytest.param(
            document(parts=[{"name": "../etc", "size": 1, "sha256": sha(b"")}]), "plain file name", id="path"
        ),
        pytest.param(
            document(parts=[{"name": "a", "size": -1, "sha256": sha(b"")}]), "whole number", id="negative"
        ),
        pytest.param(
            document(parts=[{"name": "a", "size": 1, "sha256": sha(b"")}] * 2), "more than once", id="dup"
        ),
        pytest.param(document(notes=[1]), "'notes\\[0\\]' must be a string", id="note-number"),
        pytest.param(document(started_at="2026-11-20T01:00:00"), "no UTC offset", id="naive"),
        pytest.param(document(verified_at="2026-11-20 01:10"), "no UTC offset", id="naive-optional"),
        pytest.param(document(started_at="yesterday"), "not an ISO 8601 datetime", id="not-datetime"),
        pytest.param(document(started_at=None), "must be an ISO 8601 datetime string, not null", id="null"),
        pytest.param(document(business_date="20261120"), "not a date", id="compact-date"),
        pytest.param(document(business_date="2026-02-30"), "not a date", id="impossible-date"),
        pytest.param(document(id="dc-db-2026-11-21"), "should be 'dc-db-2026-11-20'", id="id-mismatch"),
        pytest.param(document(finished_at="2026-11-20T00:00:00+00:00"), "finished_at is before", id="order"),
        pytest.param(document(finished_at=None), "verified_at without finished_at", id="no-finish"),
        pytest.param(document(database_kind="mysql"), "database_kind", id="kind"),
        pytest.param(document(database_kind="none"), "without a database", id="none-with-version"),
    ],
)
def test_from_json_refuses_malformed_manifests(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Manifest.from_json(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": "running"}, "running backup has no finished_at"),
        ({"state": "verified", "verified_at": None}, "verified backup needs verified_at"),
        ({"state": "complete", "finished_at": None, "verified_at": None}, "complete backup needs finished_at"),
        ({"started_at": datetime(2026, 11, 20, 1, 0)}, "naive"),
        ({"verified_at": datetime(2026, 11, 20, 1, 0, tzinfo=UTC)}, "verified_at is before"),
        ({"tier": "dc-db"}, "must be a Tier"),
        ({"app_version": ""}, "app_version"),
    ],
)
def test_manifest_refuses_inconsistent_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        manifest(**changes)


def test_failed_manifest_may_carry_the_check_time() -> None:
    failed = manifest(state="failed", notes=("missing part database.sqlite3",))
    assert Manifest.from_json(failed.to_json()) == failed


# -- files -------------------------------------------------------------------------------------------


def test_sha256_file_streams_large_files(tmp_path: Path) -> None:
    data = bytes(range(256)) * (5 * 4096 + 17)  # a little over 5 MiB, not a chunk multiple
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == sha(data)
    assert sha256_file(str(path)) == sha(data)
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == sha(b"")


@pytest.fixture
def backup(tmp_path: Path) -> tuple[Manifest, Path]:
    directory = tmp_path / "dc-db-2026-11-20"
    directory.mkdir()
    (directory / "database.sqlite3").write_bytes(b"hello")
    (directory / "row_counts.json").write_bytes(b"{}")
    m = manifest()
    (directory / "manifest.json").write_text(m.to_json())
    return m, directory


def test_check_parts_accepts_an_intact_backup(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    assert check_parts(m, directory) == []


def test_check_parts_reports_a_missing_part(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    (directory / "row_counts.json").unlink()
    assert check_parts(m, directory) == ["missing part row_counts.json"]


def test_check_parts_reports_a_size_difference(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    (directory / "database.sqlite3").write_bytes(b"hello!")
    assert check_parts(m, directory) == [
        "size differs for database.sqlite3: manifest says 5 bytes, file has 6"
    ]


def test_check_parts_reports_a_sha256_difference_at_equal_size(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    (directory / "database.sqlite3").write_bytes(b"jello")
    assert check_parts(m, directory) == [
        f"sha256 differs for database.sqlite3: manifest says {sha(b'hello')}, file has {sha(b'jello')}"
    ]


def test_check_parts_reports_extra_entries_but_not_the_manifest(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    (directory / "stray.tmp").write_bytes(b"x")
    (directory / "subdir").mkdir()
    assert check_parts(m, directory) == ["unexpected extra file stray.tmp", "unexpected extra file subdir"]


def test_check_parts_reports_a_directory_in_place_of_a_part(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    (directory / "row_counts.json").unlink()
    (directory / "row_counts.json").mkdir()
    assert check_parts(m, directory) == ["part row_counts.json is not a regular file"]


def test_check_parts_reports_every_problem_at_once(backup: tuple[Manifest, Path]) -> None:
    m, directory = backup
    (directory / "database.sqlite3").unlink()
    (directory / "row_counts.json").write_bytes(b"[]")
    (directory / "extra").write_bytes(b"")
    problems = check_parts(m, directory)
    assert [p.split(" ")[0] for p in problems] == ["missing", "sha256", "unexpected"]


def test_check_parts_reports_a_missing_directory(tmp_path: Path) -> None:
    assert check_parts(manifest(), tmp_path / "gone") == [f"backup directory {tmp_path / 'gone'} does not exist"]

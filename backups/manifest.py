"""Backup manifests: what a backup holds, written next to its parts as ``manifest.json``.

Pure values plus two small file helpers (``sha256_file``, ``check_parts``); no Flask, no database.

The JSON form
-------------
``Manifest.to_json`` is stable: keys sorted, two-space indent, a final newline, every datetime in
UTC as ISO 8601 with its offset (``2026-11-20T01:00:00+00:00``), dates as ``YYYY-MM-DD``, and a
``"format": 1`` key so a later layout can be told apart. ``Manifest.from_json`` is strict: it
raises ``ValueError`` naming the field for malformed JSON, a missing or unknown field, a wrong
type, a datetime without offset, or a manifest that breaks the rules below.

The rules a manifest keeps
--------------------------
- ``id`` is ``backup_id(tier, business_date)``: one backup per tier and business date.
- ``started_at <= finished_at <= verified_at`` where present; all datetimes timezone-aware.
- ``running`` has no ``finished_at``; ``complete`` and ``verified`` have one; ``verified`` also has
  ``verified_at`` (a ``failed`` manifest may carry the ``verified_at`` of the failed check).
- ``database_kind`` is ``sqlite``, ``postgresql`` or ``none``; ``none`` has no ``database_version``.
- Part names are plain, unique file names (no directories, not ``manifest.json``); sizes are
  whole bytes; a sha256 is 64 lowercase hex digits.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from app.workcalendar import is_aware, require_aware
from backups.policy import BACKUP_STATES, Tier

__all__ = [
    "DATABASE_KINDS",
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "Manifest",
    "Part",
    "backup_id",
    "check_parts",
    "sha256_file",
]

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = 1
DATABASE_KINDS: Final[frozenset[str]] = frozenset({"sqlite", "postgresql", "none"})

_CHUNK: Final = 1024 * 1024
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def backup_id(tier: Tier, business_date: date) -> str:
    """Return the id of ``tier``'s backup for ``business_date``, e.g. ``dc-db-2026-11-20``."""
    if isinstance(business_date, datetime) or not isinstance(business_date, date):
        raise TypeError(f"a business date is a date, not {type(business_date).__name__}")
    return f"{Tier(tier).value}-{business_date.isoformat()}"


def _check_aware(value: object, name: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, not {type(value).__name__}")
    require_aware(value, name)


@dataclass(frozen=True)
class Part:
    """One file of a backup: its name in the backup directory, size in bytes and sha256."""

    name: str
    size: int
    sha256: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a part name must be a non-empty string, not {self.name!r}")
        if (
            any(bad in self.name for bad in ("/", "\\", "\0"))
            or self.name in (".", "..", MANIFEST_NAME)
        ):
            raise ValueError(f"part name {self.name!r} must be a plain file name, not {MANIFEST_NAME}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"part {self.name}: size must be a whole number of bytes, not {self.size!r}")
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(
                f"part {self.name}: sha256 must be 64 lowercase hex digits, not {self.sha256!r}"
            )

    def to_dict(self) -> dict[str, object]:
        """Return the part as JSON-ready values."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Manifest:
    """What one backup holds and how far it got (see the module docstring for the rules)."""

    id: str
    tier: Tier
    business_date: date
    started_at: datetime
    finished_at: datetime | None
    parts: tuple[Part, ...]
    database_kind: str
    database_version: str | None
    alembic_revision: str | None
    app_version: str
    state: str
    verified_at: datetime | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tier, Tier):
            raise ValueError(f"tier must be a Tier, not {self.tier!r}")
        expected = backup_id(self.tier, self.business_date)
        if self.id != expected:
            raise ValueError(f"manifest id {self.id!r} should be {expected!r} (tier and business date)")
        self._check_times()
        self._check_state()
        self._check_contents()

    def _check_times(self) -> None:
        """Refuse naive or out-of-order moments."""
        _check_aware(self.started_at, "started_at")
        _check_aware(self.finished_at, "finished_at", optional=True)
        _check_aware(self.verified_at, "verified_at", optional=True)
        if self.finished_at is not None and self.finished_at < self.started_at:
            raise ValueError(f"{self.id}: finished_at is before started_at")
        if self.verified_at is not None:
            if self.finished_at is None:
                raise ValueError(f"{self.id}: verified_at without finished_at")
            if self.verified_at < self.finished_at:
                raise ValueError(f"{self.id}: verified_at is before finished_at")

    def _check_state(self) -> None:
        """Refuse an unknown state, or moments the state does not go with."""
        if self.state not in BACKUP_STATES:
            raise ValueError(
                f"{self.id}: unknown state {self.state!r}; expected one of {sorted(BACKUP_STATES)}"
            )
        if self.state == "running" and (self.finished_at or self.verified_at):
            raise ValueError(f"{self.id}: a running backup has no finished_at or verified_at")
        if self.state in ("complete", "verified") and self.finished_at is None:
            raise ValueError(f"{self.id}: a {self.state} backup needs finished_at")
        if self.state == "verified" and self.verified_at is None:
            raise ValueError(f"{self.id}: a verified backup needs verified_at")

    def _check_contents(self) -> None:
        """Refuse an unknown database kind, doubled part names, or badly typed parts, notes or version."""
        if self.database_kind not in DATABASE_KINDS:
            raise ValueError(
                f"{self.id}: database_kind {self.database_kind!r} is not one of"
                f" {sorted(DATABASE_KINDS)}"
            )
        if self.database_kind == "none" and self.database_version is not None:
            raise ValueError(f"{self.id}: database_version given for a backup without a database")
        if not isinstance(self.parts, tuple) or not all(isinstance(p, Part) for p in self.parts):
            raise ValueError(f"{self.id}: parts must be a tuple of Part")
        names = [part.name for part in self.parts]
        if len(set(names)) != len(names):
            doubled = sorted({name for name in names if names.count(name) > 1})
            raise ValueError(f"{self.id}: part names appear more than once: {doubled}")
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise ValueError(f"{self.id}: notes must be a tuple of strings")
        if not isinstance(self.app_version, str) or not self.app_version:
            raise ValueError(f"{self.id}: app_version must be a non-empty string")

    @property
    def total_size(self) -> int:
        """Return the size of all parts together, in bytes."""
        return sum(part.size for part in self.parts)

    def to_json(self) -> str:
        """Return the manifest as stable JSON (sorted keys, UTC ISO datetimes, final newline)."""
        document: dict[str, object] = {
            "format": MANIFEST_FORMAT,
            "id": self.id,
            "tier": self.tier.value,
            "business_date": self.business_date.isoformat(),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "verified_at": _iso(self.verified_at),
            "parts": [part.to_dict() for part in self.parts],
            "database_kind": self.database_kind,
            "database_version": self.database_version,
            "alembic_revision": self.alembic_revision,
            "app_version": self.app_version,
            "state": self.state,
            "notes": list(self.notes),
        }
        return json.dumps(document, sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read a manifest written by ``to_json``; ``ValueError`` says what is wrong."""
        try:
            document = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"manifest is not valid JSON: {exc}") from None
        reader = _Reader(_expect_object(document, "manifest"), "manifest")
        version = reader.integer("format")
        if version != MANIFEST_FORMAT:
            raise ValueError(f"manifest format {version} is not supported (expected {MANIFEST_FORMAT})")
        try:
            tier = Tier(reader.string("tier"))
        except ValueError:
            raise ValueError(
                f"manifest field 'tier' must be one of {[t.value for t in Tier]}"
            ) from None
        parts = []
        for k, item in enumerate(reader.array("parts")):
            part = _Reader(_expect_object(item, f"parts[{k}]"), f"parts[{k}]")
            parts.append(Part(part.string("name"), part.integer("size"), part.string("sha256")))
            part.done()
        notes = []
        for k, note in enumerate(reader.array("notes")):
            if not isinstance(note, str):
                raise ValueError(f"manifest field 'notes[{k}]' must be a string, not {_kind(note)}")
            notes.append(note)
        ident = reader.string("id")
        day = reader.date("business_date")
        started_at = reader.moment("started_at")
        finished_at = reader.optional_moment("finished_at")
        verified_at = reader.optional_moment("verified_at")
        database_kind = reader.string("database_kind")
        database_version = reader.optional_string("database_version")
        alembic_revision = reader.optional_string("alembic_revision")
        app_version = reader.string("app_version")
        state = reader.string("state")
        reader.done()
        try:
            return cls(
                id=ident,
                tier=tier,
                business_date=day,
                started_at=started_at,
                finished_at=finished_at,
                parts=tuple(parts),
                database_kind=database_kind,
                database_version=database_version,
                alembic_revision=alembic_revision,
                app_version=app_version,
                state=state,
                verified_at=verified_at,
                notes=tuple(notes),
            )
        except ValueError as exc:
            raise ValueError(f"invalid manifest: {exc}") from None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _kind(value: object) -> str:
    """Name a JSON value's type the way JSON does."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _expect_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a JSON object, not {_kind(value)}")
    return value


class _Reader:
    """Take typed fields out of one JSON object, naming the field in every error."""

    def __init__(self, document: dict[str, Any], where: str) -> None:
        self._document = document
        self._where = where
        self._taken: set[str] = set()

    def _get(self, key: str) -> object:
        self._taken.add(key)
        if key not in self._document:
            raise ValueError(f"{self._where} is missing field {key!r}")
        value: object = self._document[key]
        return value

    def _wrong(self, key: str, expected: str, value: object) -> ValueError:
        return ValueError(f"{self._where} field {key!r} must be {expected}, not {_kind(value)}")

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def optional_string(self, key: str) -> str | None:
        value = self._get(key)
        if value is not None and not isinstance(value, str):
            raise self._wrong(key, "a string or null", value)
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer", value)
        return value

    def array(self, key: str) -> list[object]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self._wrong(key, "an array", value)
        return value

    def date(self, key: str) -> date:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "a date string (YYYY-MM-DD)", value)
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{self._where} field {key!r} is not a date (YYYY-MM-DD): {value!r}") from None

    def moment(self, key: str) -> datetime:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "an ISO 8601 datetime string", value)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{self._where} field {key!r} is not an ISO 8601 datetime: {value!r}"
            ) from None
        if not is_aware(moment):
            raise ValueError(f"{self._where} field {key!r} has no UTC offset: {value!r}")
        return moment

    def optional_moment(self, key: str) -> datetime | None:
        if self._document.get(key, "") is None:
            self._taken.add(key)
            return None
        return self.moment(key)

    def done(self) -> None:
        unknown = sorted(set(self._document) - self._taken)
        if unknown:
            raise ValueError(f"{self._where} has unknown fields: {unknown}")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the sha256 of a file as lowercase hex, reading it 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_parts(manifest: Manifest, directory: Path) -> list[str]:
    """Compare a backup directory with its manifest; return the problems, ``[]`` when all good.

    Reports a missing part, a part that is not a regular file, a size that differs, a sha256 that
    differs (checked only when the size matches) and any extra entry besides ``manifest.json``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [f"backup directory {directory} does not exist"]
    problems: list[str] = []
    for part in manifest.parts:
        path = directory / part.name
        if not path.exists():
            problems.append(f"missing part {part.name}")
            continue
        if not path.is_file():
            problems.append(f"part {part.name} is not a regular file")
            continue
        size = path.stat().st_size
        if size != part.size:
            problems.append(
                f"size differs for {part.name}: manifest says {part.size} bytes, file has {size}"
            )
            continue
        found = sha256_file(path)
        if found != part.sha256:
            problems.append(
                f"sha256 differs for {part.name}: manifest says {part.sha256}, file has {found}"
            )
    expected = {part.name for part in manifest.parts} | {MANIFEST_NAME}
    for extra in sorted(entry.name for entry in directory.iterdir() if entry.name not in expected):
        problems.append(f"unexpected extra file {extra}")
    return problems

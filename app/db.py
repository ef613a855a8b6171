"""Database building blocks shared by every model: metadata, UTC datetimes, tenant ownership."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

from app.workcalendar import require_aware

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current instant, timezone-aware, in UTC: the app's injected clock when it has one.

    ``app.config["CLOCK"]`` (a callable returning an aware datetime) replaces the wall clock, so
    tests and demos decide what "now" is; without an app, or without a clock, it is the wall clock.
    """
    from flask import current_app, has_app_context

    if has_app_context():
        source = current_app.config.get("CLOCK")
        if source is not None:
            value: datetime = source()
            return value.astimezone(UTC)
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Store instants as UTC; refuse naive datetimes; always hand back aware UTC datetimes.

    SQLite keeps no offset, so the column stores naive UTC there and the offset is put back on
    read. PostgreSQL uses ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = require_aware(value, "a datetime to store").astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the naming convention that migrations rely on."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TenantScoped:
    """Mixin for rows that belong to a client through their ``client_id`` column.

    See ``app.tenancy``: for a client user every ORM SELECT gets ``client_id = <their client>``
    and every insert or update of such a row must carry that client. A class sets
    ``__tenant_optional__ = True`` when some of its rows belong to no client (operator-wide rows,
    which client users then never see).
    """

    __tenant_optional__: ClassVar[bool] = False

    @declared_attr
    def client_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("clients.id", ondelete="RESTRICT"), index=True,
                             nullable=cls.__tenant_optional__)

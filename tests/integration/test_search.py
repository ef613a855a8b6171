"""app.search.text_filter on the real databases (SQLite FTS5 trigram, PostgreSQL pg_trgm), the search index kept
in step on every write path (ORM, bulk_update, bulk_insert, purge, erasure), and the fines list's SQL filters
(liability, urgency, the Brussels day) checked against the pure rules they mirror."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

BXL = ZoneInfo("Europe/Brussels")
ODD = ['"', "'", '""', "a\"b'c", "NEAR(a b)", "AND", "OR NOT", "*", "^x", "col:x", "plate : x", "%", "_", "%_%",
       "\\", "a\\%b", "(", ")", "{plate}", "-", "--", "x" * 200, "x" * 5000, "  ", "\t", "é", "Ω", "\u00a0", "🚗🚗🚗"]


@pytest.fixture()
def ctx(app: Any, world: Any, clock: Any) -> Iterator[Any]:
    from app.extensions import db

    with app.app_context():
        yield world
        db.session.rollback()


def _message(client_id: int, key: str) -> Any:
    from app.extensions import db
    from fines.models import IntakeMessage

    message = IntakeMessage(source="upload", message_key=key, raw_path="mail/none.eml", raw_sha256="0" * 64,
                            size=0, status="processed", client_id=client_id, recipients=[], refusals=[],
                            replies_sent=[])
    db.session.add(message)
    db.session.flush()
    return message


def _fine(client_id: int, n: int, **fields: Any) -> Any:
    from app.extensions import db
    from fines.models import Fine

    message = _message(client_id, f"<search-{n}@test>")
    values = {"state": "read", "issuer": "Parket Antwerpen", "notice_number": f"NTC-{n:05d}", "plate": "2XYZ789",
              "plate_country": "BE", "payment_reference": f"{n:012d}", **fields}
    fine = Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/none.pdf",
                pdf_sha256=f"{n:064d}", size=0, confidence={}, problems=[], **values)
    db.session.add(fine)
    db.session.flush()
    return fine


def _contract(client_id: int, number: str, plate: str, driver: str) -> Any:
    from app.extensions import db
    from app.fleet.models import Contract

    contract = Contract(client_id=client_id, contract_number=number, plate=plate, plate_country="BE",
                        driver_name=driver, start_date=date(2026, 1, 1), instruction="redirect")
    db.session.add(contract)
    db.session.flush()
    return contract


def _found(client_id: int | None, kind: str, q: str, **kw: Any) -> set[int]:
    """The ids ``text_filter`` keeps (of one client's rows: the ``world`` fixture seeds another's)."""
    from app.extensions import db
    from app.search import text_filter
    from fines.models import Fine
    from sla.desk.models import Ticket

    model = Fine if kind == "fines" else Ticket
    query = sa.select(model.id).where(text_filter(kind, q, **kw))
    if client_id is not None:
        query = query.where(model.client_id == client_id)
    return set(db.session.scalars(query))


# --- fines -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["1-ABC-123", "1abc123", "1 ABC 123", "1.abc.123", "abc-12", "ABC1", "1abc"])
def test_a_plate_is_found_in_any_notation(ctx: Any, q: str) -> None:
    fine = _fine(ctx.client_a, 1, plate="1ABC123")
    _fine(ctx.client_a, 2, plate="2XYZ789")
    assert _found(ctx.client_a, "fines", q) == {fine.id}


@pytest.mark.parametrize(("q", "which"), [
    ("NTC-00001", 1), ("ntc-00001", 1), ("Politiezone Gent", 2), ("politiezone", 2), ("zone gen", 2),
    ("000000000002", 2), ("Zoë Zeger", 1), ("zeger", 1), ("ZOË", 1),
])
def test_notice_number_issuer_payment_reference_and_driver_are_found_ignoring_case(
        ctx: Any, q: str, which: int) -> None:
    contract = _contract(ctx.client_a, "A-1", "1ABC123", "Zoë Zeger")
    fines = {1: _fine(ctx.client_a, 1, contract_id=contract.id),
             2: _fine(ctx.client_a, 2, issuer="Politiezone Gent", notice_number="X-2")}
    assert _found(ctx.client_a, "fines", q) == {fines[which].id}


@pytest.mark.parametrize("most", [0, 1_000], ids=["many drivers: a subquery", "few drivers: a list of ids"])
def test_a_drivers_fines_are_found_whether_the_contracts_are_handed_on_as_ids_or_as_a_query(
        ctx: Any, monkeypatch: Any, most: int) -> None:
    from app import search

    monkeypatch.setattr(search, "DRIVERS_MAX", most)
    first = _contract(ctx.client_a, "A-1", "1ABC123", "Zoë Zeger")
    second = _contract(ctx.client_a, "A-2", "1ABC124", "Zoë Zegers")
    fines = [_fine(ctx.client_a, n, contract_id=c.id) for n, c in ((1, first), (2, second), (3, first))]
    _fine(ctx.client_a, 4)  # no contract
    assert _found(ctx.client_a, "fines", "zoë zeger") == {f.id for f in fines}


@pytest.mark.parametrize("q", ["N", "Nt", "00", "-0", "Z", "YZ", "An", "ke"])
def test_queries_shorter_than_a_trigram_fall_back_to_a_correct_scan(ctx: Any, q: str) -> None:
    contract = _contract(ctx.client_a, "A-1", "1ABC123", "Zoë Zeger")
    hit = _fine(ctx.client_a, 1, contract_id=contract.id, notice_number="NTC-00001")  # Parket Antwerpen, 2XYZ789
    miss = _fine(ctx.client_a, 2, issuer="Q", notice_number="Q", payment_reference="Q", plate="QQQ")
    found = _found(ctx.client_a, "fines", q)
    assert hit.id in found and miss.id not in found


def test_a_query_shorter_than_a_trigram_leaves_the_drivers_names_out(ctx: Any) -> None:
    contract = _contract(ctx.client_a, "A-1", "1ABC123", "Zoë Zeger")
    fine = _fine(ctx.client_a, 1, contract_id=contract.id)
    assert _found(ctx.client_a, "fines", "Zo") == set()
    assert _found(ctx.client_a, "fines", "Zoë") == {fine.id}


@pytest.mark.parametrize("q", ODD)
def test_odd_input_never_raises_and_is_searched_as_typed(ctx: Any, q: str) -> None:
    fine = _fine(ctx.client_a, 1, issuer=f"Issuer {q.strip()} end" if len(q) < 100 else "Issuer")
    found = _found(ctx.client_a, "fines", q)
    assert found <= {fine.id}
    if 0 < len(q.strip()) < 100:
        assert found == {fine.id}


def test_special_characters_are_literal_not_wildcards(ctx: Any) -> None:
    pct = _fine(ctx.client_a, 1, issuer="100% Parking")
    under = _fine(ctx.client_a, 2, issuer="Zone_A")
    _fine(ctx.client_a, 3, issuer="Zone BA 100 Parking")
    assert _found(ctx.client_a, "fines", "0%") == {pct.id}
    assert _found(ctx.client_a, "fines", "e_A") == {under.id}
    assert _found(ctx.client_a, "fines", "%") == {pct.id}
    assert _found(ctx.client_a, "fines", "_") == {under.id}


def test_an_empty_query_keeps_every_row_and_an_unknown_kind_is_a_programming_error(ctx: Any) -> None:
    from app.search import text_filter

    fine = _fine(ctx.client_a, 1)
    assert _found(ctx.client_a, "fines", "") == {fine.id} == _found(ctx.client_a, "fines", "   ")
    with pytest.raises(ValueError, match="unknown search kind"):
        text_filter("contracts", "x")


# --- the index kept in step ----------------------------------------------------------------------------------------

def test_the_index_follows_orm_updates_and_deletes(ctx: Any) -> None:
    from app.extensions import db

    contract = _contract(ctx.client_a, "A-1", "1ABC123", "Zoë Zeger")
    fine = _fine(ctx.client_a, 1, issuer="Stad Leuven", contract_id=contract.id)
    fine.issuer = "Stad Mechelen"
    contract.driver_name = "Jan Peeters"
    db.session.flush()
    assert _found(ctx.client_a, "fines", "Leuven") == set() and _found(ctx.client_a, "fines", "Mechelen") == {fine.id}
    assert _found(ctx.client_a, "fines", "Zeger") == set() and _found(ctx.client_a, "fines", "Peeters") == {fine.id}
    db.session.delete(fine)
    db.session.flush()
    assert _found(ctx.client_a, "fines", "Mechelen") == set()


def test_the_index_follows_bulk_insert_and_bulk_update(ctx: Any) -> None:
    from app.database import bulk_insert, bulk_update
    from app.extensions import db
    from fines.models import Fine

    message = _message(ctx.client_a, "<bulk@test>")
    rows = [{"message_id": message.id, "client_id": ctx.client_a, "message_key": "<bulk@test>",
             "pdf_path": "pdf/none.pdf", "pdf_sha256": f"{n:064d}", "size": 0, "state": "read",
             "issuer": "Bulk Authority", "notice_number": f"BULK-{n}", "plate": f"9BLK{n:03d}", "confidence": {},
             "problems": [], "created_at": datetime(2026, 11, 1, tzinfo=UTC)} for n in range(3)]
    if db.session.get_bind().dialect.name == "postgresql":
        for row in rows:
            row["confidence"], row["problems"] = "{}", "[]"
    bulk_insert(db.session, Fine.__table__, rows)
    ids = {row.id: row.notice_number for row in db.session.execute(sa.select(Fine.id, Fine.notice_number)
                                                                    .where(Fine.issuer == "Bulk Authority"))}
    assert len(_found(ctx.client_a, "fines", "Bulk Auth")) == 3
    assert _found(ctx.client_a, "fines", "9-blk-001") == {i for i, n in ids.items() if n == "BULK-1"}
    bulk_update(db.session, Fine.__table__, [{"id": i, "issuer": "Renamed Office"} for i in ids])
    db.session.expire_all()
    assert _found(ctx.client_a, "fines", "Bulk Auth") == set()
    assert _found(ctx.client_a, "fines", "Renamed Off") == set(ids)


def test_a_purged_client_cannot_be_found(app: Any, world: Any, clock: Any) -> None:
    from app import services
    from app.extensions import db
    from app.offboarding import services as offboarding
    from app.uow import command_unit_of_work

    with app.app_context():
        contract = _contract(world.client_a, "A-1", "7PRG777", "Purged Driver")
        _fine(world.client_a, 1, issuer="Purged Authority", contract_id=contract.id, plate="7PRG777")
        kept = _fine(world.client_b, 2, issuer="Kept Authority")
        db.session.commit()
        assert len(_found(None, "fines", "Purged")) == 1
        with command_unit_of_work():
            client = services.client_by_code("ALPHA")
            offboarding.start_offboarding(services.Actor(label="test"), client, clock())
        with command_unit_of_work():
            offboarding.purge_client(services.Actor(label="test"), services.client_by_code("ALPHA"), clock(),
                                     force=True)
        assert _found(None, "fines", "Purged") == set()
        assert _found(None, "fines", "Purged Driver") == set()
        assert _found(None, "fines", "7-prg-777") == set()
        assert _found(None, "fines", "Kept Auth") == {kept.id}
        if db.session.get_bind().dialect.name == "sqlite":  # nothing of the client left in the index itself
            for table in ("fines_fts", "contracts_fts"):
                hits = db.session.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {table} MATCH :q"),
                                          {"q": '"Purged"'}).scalar()
                assert hits == 0, table


def test_an_erased_person_cannot_be_found(ctx: Any, app: Any) -> None:
    from app.clock import now
    from app.extensions import db
    from app.models import Client
    from app.privacy import services

    contract = _contract(ctx.client_a, "A-1", "1ABC123", "Marie Dubois-Lefèvre")
    fine = _fine(ctx.client_a, 1, contract_id=contract.id)
    assert _found(ctx.client_a, "fines", "Dubois-Lef") == {fine.id}
    request = services.open_request(services_actor(), db.session.get(Client, ctx.client_a), "erasure",
                                    "Marie Dubois-Lefèvre", date(2026, 11, 2), contract)
    services.erase_person(services_actor(), request, app.config["DATA_DIR"], now())
    db.session.flush()
    assert _found(ctx.client_a, "fines", "Dubois") == set() and _found(ctx.client_a, "fines", "Marie") == set()


def services_actor() -> Any:
    from app.services import Actor

    return Actor("agent@op.test")


# --- tickets -------------------------------------------------------------------------------------------------------

def _ticket(client_id: int, title: str, description: str, comments: list[tuple[str, bool]]) -> Any:
    from app.extensions import db
    from sla.desk.models import Ticket, TicketEvent

    ticket = Ticket(client_id=client_id, title=title, description=description, level=3, impact="few",
                    category=3, state="new")
    db.session.add(ticket)
    db.session.flush()
    for body, internal in comments:
        db.session.add(TicketEvent(ticket_id=ticket.id, client_id=client_id, kind="comment", actor_label="agent",
                                   body=body, internal=internal, data={}))
    db.session.flush()
    return ticket


def test_tickets_are_found_by_title_description_and_comments(ctx: Any) -> None:
    printer = _ticket(ctx.client_a, "Printer offline", "The printer in Gent", [("Restarted the spooler", False)])
    login = _ticket(ctx.client_a, "Cannot log in", "Password refused", [("Reset by the agent", False)])
    assert _found(ctx.client_a, "tickets", "printer") == {printer.id}
    assert _found(ctx.client_a, "tickets", "password ref") == {login.id}
    assert _found(ctx.client_a, "tickets", "spooler") == {printer.id}
    assert _found(ctx.client_a, "tickets", "agent") == {login.id}
    assert _found(ctx.client_a, "tickets", "e") == {printer.id, login.id}  # one character: the scan fallback


def test_an_internal_comment_finds_its_ticket_for_staff_only(ctx: Any) -> None:
    from app.extensions import db
    from sla.desk.models import TicketEvent

    ticket = _ticket(ctx.client_a, "Slow page", "The list is slow", [("Suspect client misuse xyzzy", True)])
    assert _found(ctx.client_a, "tickets", "xyzzy", internal=True) == {ticket.id}
    assert _found(ctx.client_a, "tickets", "xyzzy", internal=False) == set()
    # No request, so no staff reader: internal comments stay hidden.
    assert _found(ctx.client_a, "tickets", "xyzzy") == set()
    event = db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    event.internal = False
    db.session.flush()
    assert _found(ctx.client_a, "tickets", "xyzzy", internal=False) == {ticket.id}
    event.body = "Nothing to see"
    db.session.flush()
    assert _found(ctx.client_a, "tickets", "xyzzy", internal=True) == set()


@pytest.mark.parametrize("q", ODD)
def test_odd_ticket_queries_never_raise(ctx: Any, q: str) -> None:
    _ticket(ctx.client_a, "Title", "Description", [("Body", False)])
    assert isinstance(_found(ctx.client_a, "tickets", q, internal=True), set)


# --- the list's SQL filters against the pure rules ---------------------------------------------------------------

@pytest.mark.parametrize("moment", [
    datetime(2026, 3, 28, 22, 59, tzinfo=UTC), datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 21, 59, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
    datetime(2026, 10, 24, 21, 59, tzinfo=UTC), datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 59, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 22, 59, 59, 999600, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
    datetime(2025, 12, 31, 22, 30, tzinfo=UTC), datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 0, tzinfo=UTC), datetime(2027, 3, 27, 23, 30, tzinfo=UTC),
    datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
])
def test_the_sql_brussels_day_is_the_local_date_the_rules_use(ctx: Any, moment: datetime) -> None:
    from app.clock import work_calendar
    from app.database import brussels_day
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.deadlines import local_date

    fine = _fine(ctx.client_a, 1, created_at=moment)
    day = db.session.scalar(sa.select(brussels_day(Fine.created_at)).where(Fine.id == fine.id))
    expected = local_date(moment, work_calendar())
    assert (day if isinstance(day, date) else date.fromisoformat(day)) == expected


def _liability_cases() -> list[tuple[str, dict[str, Any]]]:
    """Fines on both sides of every branch of ``deadlines._liability`` (and the undecided ones)."""
    cut, dl = date(2026, 11, 2), date(2026, 11, 9)

    def at(day: date, hour: int = 10) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=BXL).astimezone(UTC)

    # 23:30 in Brussels is still the cut-off day; 00:30 is the day after.
    late_night = datetime(cut.year, cut.month, cut.day, 23, 30, tzinfo=BXL).astimezone(UTC)
    after_midnight = datetime(cut.year, cut.month, cut.day + 1, 0, 30, tzinfo=BXL).astimezone(UTC)
    # The stored deadline and cut-off come from the letter date (``update_deadlines``): designation 15 days on.
    base = {"letter_date": dl - timedelta(days=15), "created_at": at(date(2026, 10, 20))}
    return [
        ("no deadline", {**base, "letter_date": None}),
        ("not missed, open", {**base, "letter_date": date(2026, 11, 15)}),
        ("processed in time", {**base, "complete_at": at(date(2026, 10, 21)), "processed_at": at(dl)}),
        ("arrived late", {**base, "created_at": at(date(2026, 11, 3))}),
        ("arrived 23:30 on the cut-off day, complete, not processed", {**base, "created_at": late_night,
                                                                       "complete_at": late_night}),
        ("arrived 00:30 the day after", {**base, "created_at": after_midnight, "complete_at": after_midnight}),
        ("incomplete at the cut-off", {**base}),
        ("completed late", {**base, "complete_at": at(date(2026, 11, 4))}),
        ("complete in time, processed late", {**base, "complete_at": at(date(2026, 10, 22)),
                                              "processed_at": at(date(2026, 11, 10))}),
        ("complete in time, not processed", {**base, "complete_at": at(date(2026, 10, 22))}),
        ("processed late without complete_at", {**base, "processed_at": at(date(2026, 11, 10))}),
        ("processed on the deadline, 23:59", {**base, "processed_at": datetime(2026, 11, 9, 23, 59, tzinfo=BXL)}),
        ("processed 00:01 after the deadline", {**base, "processed_at": datetime(2026, 11, 10, 0, 1, tzinfo=BXL)}),
        ("deadline today", {**base, "letter_date": date(2026, 11, 1), "complete_at": at(date(2026, 10, 22))}),
        ("deadline yesterday", {**base, "letter_date": date(2026, 10, 31), "complete_at": at(date(2026, 10, 22))}),
    ]


@pytest.mark.parametrize(("case", "fields"), _liability_cases(), ids=[c for c, _ in _liability_cases()])
def test_the_liability_filter_agrees_with_assess(ctx: Any, case: str, fields: dict[str, Any]) -> None:
    from app.clock import today, work_calendar
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.queries import LIABILITIES, liability_condition
    from fines.workflow.services import assessment, update_deadlines

    fine = _fine(ctx.client_a, 1, **fields)
    update_deadlines(fine, work_calendar())
    db.session.flush()
    if fields.get("letter_date") == date(2026, 10, 25):
        assert (fine.deadline, fine.cutoff) == (date(2026, 11, 9), date(2026, 11, 2))
    expected = assessment(fine, work_calendar(), today()).liable
    for liability in LIABILITIES:
        found = db.session.scalar(sa.select(Fine.id).where(Fine.id == fine.id,
                                                           liability_condition(liability, today())))
        assert (found is not None) == (expected is not None and expected.value == liability), (case, liability)


@pytest.mark.parametrize("offset", [*range(-3, 16), None])
def test_the_exports_urgency_agrees_with_cutoff_urgency(ctx: Any, offset: int | None) -> None:
    from app.clock import today, work_calendar
    from fines.workflow.deadlines import cutoff_urgency
    from fines.workflow.queries import this_week_end, urgency_of

    day, calendar = today(), work_calendar()
    cutoff = None if offset is None else day + timedelta(days=offset)
    week_end = this_week_end(calendar, day)
    assert urgency_of("waiting_info", cutoff, day, week_end) == cutoff_urgency(cutoff, day, calendar).value
    assert urgency_of("closed", cutoff, day, week_end) is None  # a closed fine has no urgency


@pytest.mark.parametrize("offset", range(-3, 16))
def test_the_urgency_filter_agrees_with_cutoff_urgency(ctx: Any, offset: int) -> None:
    from app.clock import today, work_calendar
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.deadlines import cutoff_urgency
    from fines.workflow.queries import URGENCIES, urgency_condition

    cutoff = today() + timedelta(days=offset)
    fine = _fine(ctx.client_a, 1, state="waiting_info", cutoff=cutoff)
    expected = cutoff_urgency(cutoff, today(), work_calendar()).value
    found = {u for u in URGENCIES if db.session.scalar(
        sa.select(Fine.id).where(Fine.id == fine.id, urgency_condition(u, work_calendar(), today()))) is not None}
    assert found == {expected}


def test_a_closed_fine_has_no_urgency(ctx: Any) -> None:
    from app.clock import today, work_calendar
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.queries import URGENCIES, urgency_condition

    _fine(ctx.client_a, 1, state="closed", cutoff=today())
    for urgency in URGENCIES:
        assert db.session.scalar(sa.select(Fine.id).where(Fine.client_id == ctx.client_a,
                                                          urgency_condition(urgency, work_calendar(), today()))) is None


def _page_ids_sql(flt: Any, sort: str) -> str:
    """The SQL of a page's ids of the fines list (``list_page``'s inner half), its values written in."""
    from app.clock import today, work_calendar
    from app.extensions import db
    from fines.workflow.queries import _order, _page_ids

    ids = _page_ids(flt, _order(sort, "asc"), work_calendar(), today(), limit=51, offset=0)
    statement = ids.original if hasattr(ids, "original") else ids
    return str(statement.element.compile(dialect=db.session.get_bind().dialect,
                                         compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("client", [False, True], ids=["everyone", "one client"])
def test_open_fines_by_cutoff_are_read_from_the_partial_index_of_open_fines(ctx: Any, client: bool) -> None:
    """An urgency list sorted by cut-off, searched by issuer, walks ``ix_fines_open_cutoff`` (or its per-client
    twin): the query repeats the index's predicate so that both databases may use it (SQLite only for the same
    words), and the index holds what the filters test."""
    from app.database import bulk_insert
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.queries import FineFilter
    from fines.workflow.states import OPEN_STATES_SQL

    message = _message(ctx.client_a, "<volume@test>")
    bulk_insert(db.session, Fine.__table__, [
        {"message_id": message.id, "client_id": ctx.client_a, "message_key": "volume", "pdf_path": "x",
         "pdf_sha256": f"{n:064d}", "size": 0, "state": "closed" if n % 20 else "waiting_info",
         "issuer": "Parket Antwerpen" if n % 3 else "CJIB", "cutoff": date(2024, 1, 1) + timedelta(days=n % 900),
         "confidence": {}, "problems": []} for n in range(2000)])
    index = "ix_fines_client_id_open_cutoff" if client else "ix_fines_open_cutoff"
    flt = FineFilter(state="open", urgency="overdue", client_id=ctx.client_a if client else None,
                     found=(), found_issuers=("Parket Antwerpen",))
    sql = _page_ids_sql(flt, "cutoff")
    assert OPEN_STATES_SQL.replace("state IN", "fines.state IN") in sql  # the predicate, word for word
    assert " OR " not in sql  # no empty list of other matches beside the issuers
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite":
        db.session.execute(sa.text("ANALYZE"))
        # INDEXED BY fails the statement ("no query solution") when the index cannot serve it.
        forced = sql.replace("FROM fines", f"FROM fines INDEXED BY {index}", 1)
        plan = " ".join(str(row[-1]) for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {forced}")))
        assert f"COVERING INDEX {index}" in plan and "TEMP B-TREE" not in plan  # no row read, no sort
        plan = " ".join(str(row[-1]) for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
    else:
        db.session.execute(sa.text("ANALYZE fines"))
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            db.session.execute(sa.text(f"SET LOCAL {setting} = off"))
        plan = " ".join(str(row[0]) for row in db.session.execute(sa.text(f"EXPLAIN {sql}")))
    assert index in plan


def test_the_kept_counts_follow_every_write_path(ctx: Any) -> None:
    from app.database import bulk_insert, bulk_update
    from app.extensions import db
    from fines.models import Fine
    from fines.workflow.queries import FINE_COUNTS

    def kept() -> dict[tuple[int, str], int]:
        rows = db.session.execute(sa.select(FINE_COUNTS.c.client_id, FINE_COUNTS.c.state, FINE_COUNTS.c.n))
        return {(c, s): int(n) for c, s, n in rows if n}

    def counted() -> dict[tuple[int, str], int]:
        rows = db.session.execute(sa.select(Fine.client_id, Fine.state, sa.func.count()).group_by(Fine.client_id,
                                                                                                  Fine.state))
        return {(c or 0, s): int(n) for c, s, n in rows}

    assert kept() == counted()  # the world's fine
    one = _fine(ctx.client_a, 1, state="read")
    two = _fine(ctx.client_a, 2, state="ready")
    assert kept() == counted()
    one.state = "waiting_info"
    two.client_id = ctx.client_b
    db.session.flush()
    assert kept() == counted()
    message = _message(ctx.client_a, "<counts@test>")
    rows = [{"message_id": message.id, "client_id": ctx.client_a, "message_key": "<counts@test>",
             "pdf_path": "pdf/none.pdf", "pdf_sha256": f"{n + 50:064d}", "size": 0, "state": "closed",
             "confidence": {}, "problems": [], "created_at": datetime(2026, 11, 1, tzinfo=UTC)} for n in range(5)]
    if db.session.get_bind().dialect.name == "postgresql":
        for row in rows:
            row["confidence"], row["problems"] = "{}", "[]"
    bulk_insert(db.session, Fine.__table__, rows)
    assert kept() == counted()
    closed = list(db.session.scalars(sa.select(Fine.id).where(Fine.state == "closed")))
    bulk_update(db.session, Fine.__table__, [{"id": i, "state": "cancelled"} for i in closed[:3]])
    bulk_update(db.session, Fine.__table__, [{"id": i, "issuer": "No state change"} for i in closed[3:]])
    db.session.expire_all()
    assert kept() == counted()
    db.session.execute(sa.delete(Fine).where(Fine.id.in_(closed[:2])))
    db.session.delete(db.session.get(Fine, one.id))
    db.session.flush()
    assert kept() == counted()


def test_the_kept_liability_follows_a_core_update_and_an_insert_of_every_column(ctx: Any) -> None:
    """The database keeps ``liable`` and ``missed_from`` whatever writes the row: here a Core UPDATE and a
    Core INSERT that names the kept columns with wrong values, as an archive import or a bulk load may."""
    from app.extensions import db
    from fines.models import Fine

    cut, dl = date(2026, 11, 2), date(2026, 11, 9)
    arrived = datetime(2026, 10, 20, 10, tzinfo=BXL).astimezone(UTC)
    fine = _fine(ctx.client_a, 1, created_at=arrived, complete_at=arrived)
    db.session.execute(sa.update(Fine).where(Fine.id == fine.id).values(deadline=dl, cutoff=cut))
    kept = db.session.execute(sa.select(Fine.liable, Fine.missed_from).where(Fine.id == fine.id)).one()
    assert (kept.liable, _as_date(kept.missed_from)) == ("operator", date(2026, 11, 10))
    late = datetime(2026, 11, 12, 9, tzinfo=BXL).astimezone(UTC)
    db.session.execute(sa.update(Fine).where(Fine.id == fine.id).values(processed_at=late))
    kept = db.session.execute(sa.select(Fine.liable, Fine.missed_from).where(Fine.id == fine.id)).one()
    assert (kept.liable, _as_date(kept.missed_from)) == ("operator", date(2026, 11, 12))
    db.session.execute(sa.update(Fine).where(Fine.id == fine.id).values(
        processed_at=datetime(2026, 11, 9, 23, 59, tzinfo=BXL).astimezone(UTC)))
    kept = db.session.execute(sa.select(Fine.liable, Fine.missed_from).where(Fine.id == fine.id)).one()
    assert (kept.liable, kept.missed_from) == (None, None)  # processed on the deadline: nobody answers, ever
    db.session.execute(sa.update(Fine).where(Fine.id == fine.id).values(created_at=late, processed_at=None))
    kept = db.session.execute(sa.select(Fine.liable, Fine.missed_from).where(Fine.id == fine.id)).one()
    assert (kept.liable, _as_date(kept.missed_from)) == ("client", date(2026, 11, 10))  # arrived after the cut-off
    db.session.execute(sa.update(Fine).where(Fine.id == fine.id).values(deadline=None))
    kept = db.session.execute(sa.select(Fine.liable, Fine.missed_from).where(Fine.id == fine.id)).one()
    assert (kept.liable, kept.missed_from) == (None, None)
    other = _fine(ctx.client_a, 2, created_at=arrived, complete_at=arrived, deadline=dl, cutoff=cut,
                  liable="client", missed_from=date(2000, 1, 1))  # an INSERT naming them, with wrong values
    kept = db.session.execute(sa.select(Fine.liable, Fine.missed_from).where(Fine.id == other.id)).one()
    assert (kept.liable, _as_date(kept.missed_from)) == ("operator", date(2026, 11, 10))


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value

"""The fines list: search in any plate notation, every filter, sorting, pagination with totals, the CSV of exactly
the filtered list, 400 on bad values, odd search input, and tenant isolation (a foreign ``client=`` leaks nothing)."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests import support

FINE_LINK = re.compile(r'href="/fines/(\d+)"')


def _fine(client_id: int, **values: Any) -> int:
    """A fine row for ``client_id`` with the given fields (no files behind it)."""
    from app.extensions import db
    from fines.models import Fine, IntakeMessage

    n = db.session.scalar(sa.select(sa.func.count()).select_from(Fine)) or 0
    message = IntakeMessage(source="upload", message_key=f"<l-{n}@test>", raw_path="mail/none.eml",
                            raw_sha256="0" * 64, size=0, status="processed", client_id=client_id, recipients=[],
                            refusals=[], replies_sent=[])
    fields = {"state": "read", "issuer": "Parket Antwerpen", "notice_number": f"LST-{100 + n}", "plate": "5LST500",
              "plate_country": "BE", "created_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC), **values}
    fine = Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/none.pdf",
                pdf_sha256=f"{n + 7:064d}", size=0, confidence={}, problems=[], **fields)
    db.session.add_all([message, fine])
    db.session.flush()
    return int(fine.id)


def _ids(html: str) -> list[int]:
    """The fines listed in the table, in order (the detail links of the first column)."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    seen: list[int] = []
    for match in FINE_LINK.finditer(body):
        if int(match.group(1)) not in seen:
            seen.append(int(match.group(1)))
    return seen


def _list(client: Any, query: str = "") -> list[int]:
    response = client.get(f"/fines/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return _ids(response.get_data(as_text=True))


@pytest.fixture()
def fines(app: Any, world: Any, clock: Any) -> dict[str, int]:
    """Alpha's fines of every kind the filters tell apart, and one of Beta's (the world's fine is Beta's too)."""
    from app.extensions import db
    from app.fleet.models import Contract

    with app.app_context():
        contract = Contract(client_id=world.client_a, contract_number="A-77", plate="1XYZ789", plate_country="BE",
                            driver_name="Lotte Baert", start_date=date(2026, 1, 1), instruction="redirect")
        db.session.add(contract)
        db.session.flush()
        today = date(2026, 11, 16)
        made = {
            "plate": _fine(world.client_a, plate="1XYZ789", contract_id=contract.id, state="ready",
                           cutoff=today + timedelta(days=14), deadline=today + timedelta(days=21),
                           amount_cents=5800, offence_at=datetime(2026, 11, 1, 8, tzinfo=UTC),
                           created_at=datetime(2026, 11, 2, 9, tzinfo=UTC)),
            "overdue": _fine(world.client_a, state="waiting_info", match_reason_code="no_contract",
                             cutoff=today - timedelta(days=3), deadline=today + timedelta(days=4),
                             issuer="Politiezone Gent", amount_cents=11600,
                             offence_at=datetime(2026, 10, 20, 8, tzinfo=UTC),
                             created_at=datetime(2026, 10, 22, 9, tzinfo=UTC)),
            "today": _fine(world.client_a, state="waiting_info", cutoff=today, deadline=today + timedelta(days=7),
                           amount_cents=3500, issuer="Stad Leuven", created_at=datetime(2026, 11, 5, 9, tzinfo=UTC)),
            # Arrived after its cut-off and its deadline has passed: the client answers for it.
            "client_liable": _fine(world.client_a, state="waiting_info", cutoff=date(2026, 10, 1),
                                   letter_date=date(2026, 9, 23),
                                   deadline=date(2026, 10, 8), issuer="Ville de Namur", amount_cents=23300,
                                   created_at=datetime(2026, 10, 5, 9, tzinfo=UTC)),
            # Complete in time, still not processed after its deadline: the service provider answers.
            "operator_liable": _fine(world.client_a, state="ready", cutoff=date(2026, 10, 1),
                                     letter_date=date(2026, 9, 23),
                                     deadline=date(2026, 10, 8), complete_at=datetime(2026, 9, 20, 9, tzinfo=UTC),
                                     issuer="Zone de police de Liège", amount_cents=17400,
                                     created_at=datetime(2026, 9, 18, 9, tzinfo=UTC)),
            "closed": _fine(world.client_a, state="closed", cutoff=today - timedelta(days=30), issuer="CJIB",
                            amount_cents=5000, created_at=datetime(2026, 8, 1, 9, tzinfo=UTC)),
            "beta": _fine(world.client_b, state="waiting_info", cutoff=today - timedelta(days=3), plate="1XYZ789",
                          issuer="Politiezone Gent", notice_number="BETA-SECRET",
                          created_at=datetime(2026, 11, 3, 9, tzinfo=UTC)),
        }
        db.session.commit()
        return made


# --- search ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("found_max", [2000, 0], ids=["ids-looked-up-once", "searched-in-each-query"])
@pytest.mark.parametrize("q", ["1-XYZ-789", "1xyz789", "1+XYZ+789", "1.xyz.789", "xyz-789"])
def test_a_plate_is_found_in_any_notation(app: Any, client: Any, world: Any, fines: dict[str, int], q: str,
                                          found_max: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from fines.workflow import queries

    monkeypatch.setattr(queries, "FOUND_MAX", found_max)  # both ways of narrowing by the search
    support.login(client, world.agent)
    assert set(_list(client, f"?q={q}")) == {fines["plate"], fines["beta"]}
    client = app.test_client()
    support.login(client, world.user_a)
    assert _list(client, f"?q={q}") == [fines["plate"]]


@pytest.mark.parametrize("found_max", [2000, 0], ids=["ids-looked-up-once", "searched-in-each-query"])
def test_the_list_is_searched_by_notice_number_driver_and_issuer(client: Any, world: Any, fines: dict[str, int],
                                                                 found_max: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from fines.workflow import queries

    monkeypatch.setattr(queries, "FOUND_MAX", found_max)  # both ways of narrowing by the search
    support.login(client, world.user_a)
    notice = client.get(f"/fines/{fines['today']}").get_data(as_text=True)
    number = re.search(r"LST-\d+", notice)
    assert number is not None
    assert _list(client, f"?q={number.group(0)}") == [fines["today"]]
    assert _list(client, "?q=lotte+baert") == [fines["plate"]]
    assert _list(client, "?q=Politiezone") == [fines["overdue"]]


@pytest.mark.parametrize("q", ['"', "'", "%", "_", "\\", "NEAR(", "a OR b", "*", "x" * 200, "é", "🚗"])
def test_odd_search_input_answers_a_page(client: Any, world: Any, fines: dict[str, int], q: str) -> None:
    support.login(client, world.agent)
    response = client.get("/fines/", query_string={"q": q})
    assert response.status_code == 200
    assert client.get("/fines/list.csv", query_string={"q": q}).status_code == 200


def test_a_search_longer_than_200_characters_or_with_control_characters_is_a_400(client: Any, world: Any) -> None:
    support.login(client, world.agent)
    assert client.get("/fines/", query_string={"q": "x" * 201}).status_code == 400
    assert client.get("/fines/", query_string={"q": "a\x00b"}).status_code == 400


# --- filters -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("?state=waiting_info", {"overdue", "today", "client_liable"}),
    ("?state=open", {"plate", "overdue", "today", "client_liable", "operator_liable"}),
    ("?state=closed", {"closed"}),
    ("?urgency=overdue", {"overdue", "client_liable", "operator_liable"}),
    ("?urgency=cutoff_today", {"today"}),
    ("?urgency=later", {"plate"}),
    ("?urgency=this_week", set()),
    ("?liability=client", {"client_liable"}),
    ("?liability=operator", {"operator_liable"}),
    ("?reason=no_contract", {"overdue"}),
    ("?from=2026-11-02&to=2026-11-05", {"plate", "today"}),
    ("?from=2026-11-05", {"today"}),
    ("?to=2026-10-05", {"client_liable", "operator_liable", "closed"}),
    ("?state=open&urgency=overdue&q=politiezone", {"overdue"}),
])
def test_each_filter_keeps_exactly_its_fines(client: Any, world: Any, fines: dict[str, int], query: str,
                                            expected: set[str]) -> None:
    support.login(client, world.user_a)
    assert set(_list(client, query)) == {fines[name] for name in expected}


def test_the_day_range_is_the_brussels_day_the_fine_arrived(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db

    with app.app_context():
        late = _fine(world.client_a, created_at=datetime(2026, 11, 4, 23, 30, tzinfo=UTC))  # 5 Nov, 00:30 local
        db.session.commit()
    support.login(client, world.user_a)
    assert _list(client, "?from=2026-11-05&to=2026-11-05") == [late]
    assert _list(client, "?to=2026-11-04") == []


def test_the_client_filter_is_for_staff_and_a_client_user_never_sees_another_clients_fines(
        app: Any, client: Any, world: Any, fines: dict[str, int]) -> None:
    support.login(client, world.agent)
    assert set(_list(client, f"?client={world.client_b}")) == {fines["beta"], world.fine_b_id}
    client = app.test_client()
    support.login(client, world.user_a)
    page = client.get(f"/fines/?client={world.client_b}").get_data(as_text=True)
    assert fines["beta"] not in _ids(page) and world.fine_b_id not in _ids(page)
    assert set(_ids(page)) == {v for k, v in fines.items() if k != "beta"}
    assert "BETA-SECRET" not in page and "Beta Fleet" not in page
    assert "BETA-SECRET" not in client.get("/fines/list.csv?q=BETA-SECRET").get_data(as_text=True)
    assert _list(client, "?q=BETA-SECRET") == []
    assert 'name="client"' not in page  # no client filter offered to a client user


@pytest.mark.parametrize("query", ["?state=nope", "?urgency=soon", "?liability=both", "?reason=because",
                                   "?sort=colour", "?dir=up", "?page=0", "?page=x", "?from=2026-13-01",
                                   "?to=yesterday", "?from=2026-11-10&to=2026-11-01", "?client=abc",
                                   "?client=99999999999"])
def test_a_bad_value_is_a_400(client: Any, world: Any, query: str) -> None:
    support.login(client, world.agent)
    assert client.get(f"/fines/{query}").status_code == 400
    if "page" not in query:  # the CSV has no pages: it is the whole list
        assert client.get(f"/fines/list.csv{query}").status_code == 400


# --- sort, pages, totals, tabs -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("sort", "key"), [
    ("amount", lambda f: f.amount_cents), ("received", lambda f: f.created_at), ("cutoff", lambda f: f.cutoff),
    # Within a state: the nearest cut-off first.
    ("issuer", lambda f: f.issuer), ("id", lambda f: f.id), ("state", lambda f: (f.state, f.cutoff)),
])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_column_sorts_both_ways(app: Any, client: Any, world: Any, fines: dict[str, int], sort: str,
                                     key: Any, direction: str) -> None:
    from app.extensions import db
    from fines.models import Fine

    support.login(client, world.user_a)
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Fine).where(Fine.client_id == world.client_a,
                                                             Fine.amount_cents.is_not(None),
                                                             Fine.cutoff.is_not(None))))
        expected = [f.id for f in sorted(sorted(rows, key=lambda f: f.id), key=key, reverse=direction == "desc")]
        if direction == "desc":  # ties: the id in the same direction
            expected = [f.id for f in sorted(rows, key=lambda f: (key(f), f.id), reverse=True)]
    shown = [i for i in _list(client, f"?sort={sort}&dir={direction}") if i in set(expected)]
    assert shown == expected
    page = client.get(f"/fines/?sort={sort}&dir={direction}").get_data(as_text=True)
    assert f'aria-sort="{"ascending" if direction == "asc" else "descending"}"' in page


def test_pages_show_their_range_and_the_total_and_links_keep_the_filters(app: Any, client: Any, world: Any,
                                                                         clock: Any) -> None:
    from app.extensions import db

    with app.app_context():
        made = [_fine(world.client_a, state="waiting_info", amount_cents=n * 100) for n in range(1, 121)]
        _fine(world.client_a, state="closed")
        db.session.commit()
    support.login(client, world.user_a)
    first = client.get("/fines/?state=waiting_info&sort=amount&dir=desc").get_data(as_text=True)
    assert "1–50 of 120" in first
    assert _ids(first) == made[::-1][:50]
    third = client.get("/fines/?state=waiting_info&sort=amount&dir=desc&page=3").get_data(as_text=True)
    assert "101–120 of 120" in third and _ids(third) == made[::-1][100:]
    assert 'href="/fines/?state=waiting_info&amp;sort=amount&amp;dir=desc&amp;page=2"' in third
    assert 'rel="next"' not in third
    beyond = client.get("/fines/?state=waiting_info&page=9").get_data(as_text=True)
    assert _ids(beyond) == [] and "120" in beyond


def test_the_tabs_count_under_the_other_filters_and_keep_them(client: Any, world: Any, fines: dict[str, int]) -> None:
    support.login(client, world.user_a)
    page = client.get("/fines/?urgency=overdue").get_data(as_text=True)
    tabs = page[page.index('class="tabs fine-tabs"'):page.index("</nav>", page.index('class="tabs fine-tabs"'))]
    assert re.search(r'state=waiting_info"[^>]*>[^<]*<span class="count">\(2\)', tabs)
    assert re.search(r'state=ready"[^>]*>[^<]*<span class="count">\(1\)', tabs)
    assert "urgency=overdue" in tabs
    assert "The counts on the tabs are those of the filtered list." in page


def test_a_search_through_a_common_issuer_hands_on_its_name_and_finds_exactly_the_matches(
        app: Any, client: Any, world: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """More matches than ``FOUND_MAX`` through an issuer: the issuer's name and the other columns' few
    matches narrow the list; exactly the same fines, and none of another client's."""
    from app.extensions import db
    from fines.workflow import queries

    monkeypatch.setattr(queries, "FOUND_MAX", 2)
    with app.app_context():
        by_issuer = [_fine(world.client_a, issuer="Politiezone Gent", state="waiting_info") for _ in range(3)]
        by_notice = _fine(world.client_a, issuer="Parket Brugge", notice_number="GENT-2026-1", state="ready")
        _fine(world.client_a, issuer="Stad Leuven")
        foreign = _fine(world.client_b, issuer="Politiezone Gent")
        db.session.commit()
        with app.test_request_context():
            flt = queries.with_search_found(queries.FineFilter(q="gent"))
        assert flt.found_issuers == ("Politiezone Gent",)
    support.login(client, world.user_a)
    page = client.get("/fines/?q=gent").get_data(as_text=True)
    assert set(_ids(page)) == {*by_issuer, by_notice} and foreign not in _ids(page)
    assert "1–4 of 4" in page
    assert re.search(r'state=waiting_info"[^>]*>[^<]*<span class="count">\(3\)', page)
    assert set(_list(client, "?q=gent&state=ready")) == {by_notice}


def test_past_the_count_cap_the_list_says_more_than_and_the_tabs_go_uncounted(
        app: Any, client: Any, world: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.extensions import db
    from fines.workflow import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 4)
    with app.app_context():
        waiting = [_fine(world.client_a, state="waiting_info", issuer="Stad Gent", amount_cents=n * 100)
                   for n in range(1, 6)]
        ready = [_fine(world.client_a, state="ready", issuer="Stad Gent") for _ in range(2)]
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/fines/?q=Stad+Gent").get_data(as_text=True)  # 7 match: more than 4
    tabs = page[page.index('class="tabs fine-tabs"'):page.index("</nav>", page.index('class="tabs fine-tabs"'))]
    assert 'class="count"' not in tabs
    assert "1–7 of more than 4" in page
    assert "More than 4 fines match" in page
    assert set(_ids(page)) == set(waiting + ready)
    narrowed = client.get("/fines/?q=Stad+Gent&state=ready").get_data(as_text=True)  # the tab's own 2: exact
    assert "1–2 of 2" in narrowed and set(_ids(narrowed)) == set(ready)
    still = client.get("/fines/?q=Stad+Gent&state=waiting_info").get_data(as_text=True)  # 5: past the cap
    assert "1–5 of more than 4" in still
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    counted = client.get("/fines/?q=Stad+Gent").get_data(as_text=True)
    assert "1–7 of 7" in counted and re.search(r'state=waiting_info"[^>]*>[^<]*<span class="count">\(5\)', counted)


def test_a_list_longer_than_the_count_cap_without_other_filters_shows_its_exact_total(
        app: Any, client: Any, world: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.extensions import db
    from fines.workflow import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 4)
    with app.app_context():
        for _ in range(6):
            _fine(world.client_a, state="closed")
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/fines/?state=closed").get_data(as_text=True)  # the kept counts: exact however many
    assert "1–6 of 6" in page and "more than" not in page


def test_a_deep_page_lists_the_same_fines_as_the_pages_before_it_lead_to(app: Any, client: Any, world: Any,
                                                                        clock: Any) -> None:
    """The page's ids are found first (a deferred join): every sort and direction still pages without gaps."""
    from app.extensions import db

    with app.app_context():
        made = [_fine(world.client_a, state="closed", amount_cents=(n % 7) * 100 if n % 5 else None,
                      issuer=None if n % 4 == 0 else f"Issuer {n % 3}") for n in range(1, 131)]
        db.session.commit()
    support.login(client, world.user_a)
    for sort in ("amount", "issuer", "received"):
        for direction in ("asc", "desc"):
            seen = [i for p in (1, 2, 3) for i in _list(client, f"?state=closed&sort={sort}&dir={direction}&page={p}")]
            assert sorted(seen) == sorted(made), (sort, direction)


def test_an_overdue_fine_is_marked_in_words_not_only_colour(client: Any, world: Any, fines: dict[str, int]) -> None:
    support.login(client, world.user_a)
    page = client.get("/fines/?urgency=overdue").get_data(as_text=True)
    assert 'class="overdue"' in page and "cut-off passed" in page


def test_the_filter_form_keeps_its_values_and_labels_every_field(client: Any, world: Any,
                                                                 fines: dict[str, int]) -> None:
    support.login(client, world.agent)
    page = client.get(f"/fines/?q=gent&client={world.client_a}&from=2026-10-01&to=2026-11-30&urgency=overdue"
                      "&liability=client&reason=no_contract").get_data(as_text=True)
    form = page[page.index('role="search"'):page.index("</form>", page.index('role="search"'))]
    assert 'value="gent"' in form and 'value="2026-10-01"' in form and 'value="2026-11-30"' in form
    for name, value in (("client", world.client_a), ("urgency", "overdue"), ("liability", "client"),
                        ("reason", "no_contract")):
        assert f'<option value="{value}" selected' in form, name
    assert form.count("<label") >= 7


# --- CSV ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?state=open", "?urgency=overdue&sort=amount&dir=desc", "?q=1-xyz-789",
                                   "?liability=operator"])
def test_the_csv_is_exactly_the_filtered_list(client: Any, world: Any, fines: dict[str, int], query: str) -> None:
    support.login(client, world.user_a)
    response = client.get(f"/fines/list.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["id"]) for r in rows] == _list(client, query)
    assert all(r["client"] == "ALPHA" for r in rows)


def test_the_csv_of_the_operator_liable_fine_says_so(client: Any, world: Any, fines: dict[str, int]) -> None:
    support.login(client, world.agent)
    rows = list(csv.DictReader(io.StringIO(client.get("/fines/list.csv?liability=operator").get_data(as_text=True))))
    assert [(int(r["id"]), r["liable"], r["urgency"]) for r in rows] == [(fines["operator_liable"], "operator",
                                                                         "overdue")]


def test_the_csv_streams_more_than_one_batch(app: Any, client: Any, world: Any, clock: Any,
                                             monkeypatch: Any) -> None:
    from app.extensions import db
    from fines.web import views

    monkeypatch.setattr(views, "LIST_CSV_BATCH", 3)
    with app.app_context():
        made = [_fine(world.client_a, amount_cents=n) for n in range(8)]
        db.session.commit()
    support.login(client, world.user_a)
    rows = list(csv.DictReader(io.StringIO(client.get("/fines/list.csv?sort=amount").get_data(as_text=True))))
    assert [int(r["id"]) for r in rows] == made

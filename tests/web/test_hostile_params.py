"""Hostile query strings: every query parameter of every page, with random values, never gives a 5xx.

The parameter names come from the calls of ``app.params`` (the one place ``request.args`` is read);
every GET route of the app gets random values for them (text, huge and negative numbers, unicode,
dates and months far out), as staff and as a client user.
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import support

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "fines", "sla", "backups")
_CALL = re.compile(r"\b(text_arg|int_arg|id_arg|page_arg|choice_arg|month_arg|date_arg|next_arg)\(\s*(?:\"(\w+)\")?")
_DEFAULT_NAME = {"page_arg": "page", "month_arg": "month", "next_arg": "next"}
SKIPPED_ROUTES = {"static"}


def _sources() -> list[Path]:
    return [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]


def parameter_names() -> list[str]:
    """Every query parameter a view reads, from the calls of the ``app.params`` helpers."""
    names: set[str] = set()
    for path in _sources():
        for function, name in _CALL.findall(path.read_text()):
            if path.name != "params.py":
                names.add(name or _DEFAULT_NAME[function])
    return sorted(names)


def test_request_args_is_read_only_through_the_params_helper() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in _sources() if path.name != "params.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if "request.args" in line or "request.values" in line]
    assert offenders == []


def test_the_helper_calls_are_found() -> None:
    assert {"page", "month", "from", "to", "client", "category", "state", "q", "next"} <= set(parameter_names())


def _values() -> st.SearchStrategy[str]:
    dates = st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}")
    months = st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}")
    return st.one_of(
        st.text(max_size=40),
        st.integers().map(str),
        st.integers(min_value=-10**40, max_value=10**40).map(str),
        dates, months,
        st.sampled_from(["9999-12", "0001-01", "0001-01-01", "9999-12-31", "2026-02-30", "-1", "0", "1e9", "NaN",
                         "\x00", "99999999999999999999", "१२", "²", "open", "all", "//evil.test", "/\r\nX: y",
                         "' OR 1=1 --", "%00", "2026-13", "+1", " 1 "]),
    )


def _get_routes(app: Any, world: Any) -> list[tuple[str, str]]:
    ids = {"client_id": world.client_b, "fine_id": world.fine_b_id, "page": 1, "message_id": world.message_b_id,
           "contract_id": world.contract_b_id, "ticket_id": world.ticket_b_id, "user_id": world.admin_id,
           "outage_id": 1}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.rsplit(".", 1)[-1] in SKIPPED_ROUTES:
            continue
        urls.append((rule.endpoint, re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)))
    return sorted(urls)


def _fuzz(client: Any, url: str, names: list[str], examples: int, failures: list[str]) -> None:
    """GET ``url`` with random values for ``names``; a server error is added to ``failures``."""

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names), _values(), min_size=1, max_size=3))
    def check(query: dict[str, str]) -> None:
        response = client.get(url, query_string=query)
        if response.status_code >= 500:
            failures.append(f"{url} {query!r}: {response.status_code}")
        assert response.status_code < 500

    # A failure is collected above, with the smallest example hypothesis found; go on with the next route.
    with contextlib.suppress(AssertionError):
        check()


@pytest.mark.parametrize("who", ["agent", "user_b"])
def test_random_query_parameters_never_give_a_server_error(app: Any, client: Any, world: Any, who: str) -> None:
    from app import params

    assert support.login(client, getattr(world, who)).status_code == 302
    every_name = parameter_names()
    failures: list[str] = []
    fuzzed: set[str] = set()

    for endpoint, url in _get_routes(app, world):
        assert client.get(url).status_code < 500, url  # and the helper learns which parameters it reads
        names = sorted(params.names_read(endpoint)) or every_name  # none: it must ignore them all
        fuzzed.update(params.names_read(endpoint))
        _fuzz(client, url, names, 40 if params.names_read(endpoint) else 3, failures)
    assert failures == []
    assert fuzzed >= {"page", "month", "client", "state"}  # the registry saw the views read them


@pytest.mark.parametrize(("url", "parameter"), [
    ("/support/reports?month=9999-12", "month"),
    ("/support/reports?month=0001-01", "month"),
    ("/uptime/?month=9999-12", "month"),
    ("/uptime/report?month=0001-01", "month"),
    ("/fines/?page=99999999999999999999", "page"),
    ("/support/?category=99999999999999999999", "category"),
    ("/support/?page=-5", "page"),
])
def test_a_bad_parameter_gets_a_400_page_saying_what_is_wrong(client: Any, world: Any, url: str,
                                                              parameter: str) -> None:
    support.login(client, world.agent)
    response = client.get(url)
    assert response.status_code == 400
    assert f"“{parameter}” must be" in response.get_data(as_text=True)


def test_a_bad_parameter_on_a_csv_export_gets_json(client: Any, world: Any) -> None:
    support.login(client, world.agent)
    response = client.get("/fines/recharges.csv?from=0001-01-01")
    assert response.status_code == 400
    assert response.is_json and response.json["parameter"] == "from"
    assert "must be a date" in response.json["message"]


def test_a_bad_parameter_is_explained_in_the_users_language(app: Any, client: Any, world: Any) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == world.user_b).values(locale="nl"))
        db.session.commit()
    support.login(client, world.user_b)
    response = client.get("/support/reports?month=9999-12")
    assert response.status_code == 400
    assert "maand" in response.get_data(as_text=True)


def test_the_pdf_of_an_erased_fine_is_gone_not_an_error(app: Any, client: Any, world: Any) -> None:
    from app.extensions import db
    from fines.models import Fine

    with app.app_context():
        db.session.get(Fine, world.fine_b_id).pdf_path = ""  # what erasure leaves
        db.session.commit()
    support.login(client, world.user_b)
    for url in (f"/fines/{world.fine_b_id}/pdf", f"/fines/{world.fine_b_id}/pages/1.png"):
        response = client.get(url)
        assert response.status_code == 410, url
        assert "erased" in response.get_data(as_text=True)


def test_a_fine_whose_pdf_file_is_missing_answers_404(client: Any, world: Any) -> None:
    support.login(client, world.user_b)
    assert client.get(f"/fines/{world.fine_b_id}/pdf").status_code == 404

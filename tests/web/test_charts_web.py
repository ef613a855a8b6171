"""The charts on the pages: each page embeds its SVG, and the figures behind it are the expected ones."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tests import support

SVG = "{http://www.w3.org/2000/svg}"


def figure(page: str, chart_id: str) -> ET.Element:
    """The chart ``chart_id`` on the page, parsed as XML (it must be well-formed)."""
    found = re.search(rf'<figure class="chart" id="{re.escape(chart_id)}">.*?</figure>', page, re.S)
    assert found is not None, f"no chart {chart_id}"
    element = ET.fromstring(found.group(0))
    svg = element.find(f"{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    return element


def rows(element: ET.Element) -> dict[str, list[str]]:
    """The chart's table of figures: label -> the row's cells."""
    found = {}
    for row in list(element.iter("tr"))[1:]:
        cells = ["".join(cell.itertext()) for cell in row]
        found[cells[0]] = cells[1:]
    return found


def headings(element: ET.Element) -> list[str]:
    return ["".join(th.itertext()) for th in next(element.iter("tr"))][1:]


def bars(element: ET.Element) -> list[ET.Element]:
    return [r for r in element.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]


# -- uptime ---------------------------------------------------------------------------------------------------


def test_uptime_page_draws_each_probes_response_time_per_hour(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.extensions import db
    from sla.uptime import services
    from sla.uptime.probes import ProbeResult

    with app.app_context():  # now: Monday 16 November 2026, 10:00 in Brussels
        services.record_check("web", ProbeResult(True, "200", 100), datetime(2026, 11, 16, 8, 10, tzinfo=UTC), 3)
        services.record_check("web", ProbeResult(True, "200", 200), datetime(2026, 11, 16, 8, 40, tzinfo=UTC), 3)
        services.record_check("web", ProbeResult(False, "timeout"), datetime(2026, 11, 16, 8, 50, tzinfo=UTC), 3)
        services.record_check("web", ProbeResult(True, "200", 700), datetime(2026, 11, 13, 12, 0, tzinfo=UTC), 3)
        services.record_check("api", ProbeResult(True, "200", 40), datetime(2026, 11, 16, 8, 55, tzinfo=UTC), 3)
        db.session.commit()
    support.login(client, world.user_a)
    page = client.get("/uptime/").get_data(as_text=True)
    api, web = figure(page, "response-0"), figure(page, "response-1")
    assert web.findtext(f"{SVG}svg/{SVG}title") == "Response time of web"
    assert headings(web) == ["average", "slowest"]
    table = rows(web)
    assert len(table) == 24
    assert next(iter(table)) == "11:00" and list(table)[-1] == "10:00"  # Belgian hours, the last one running now
    assert table["09:00"] == ["150 ms", "200 ms"]  # the failed check had no answer: not in the times
    assert table["08:00"] == ["—", "—"]
    assert rows(api)["09:00"] == ["40 ms", "40 ms"]
    assert "3 checks, 1 failed" in (web.findtext(f"{SVG}svg/{SVG}desc") or "")

    week = figure(client.get("/uptime/?range=7d").get_data(as_text=True), "response-1")
    table = rows(week)
    assert len(table) == 28
    assert table["Fri 12:00"] == ["700 ms", "700 ms"]  # 13:00 Brussels falls in the 12:00-18:00 stretch
    assert table["Mon 06:00"] == ["150 ms", "200 ms"]
    assert client.get("/uptime/?range=1y").status_code == 400


def test_uptime_page_says_when_no_probe_checked_anything(app: Any, client: Any, world: Any, clock: Any) -> None:
    support.login(client, world.user_a)
    page = client.get("/uptime/").get_data(as_text=True)
    assert "No probe has checked anything yet." in page and '<figure class="chart"' not in page


def test_uptime_report_draws_twelve_months_against_the_98_percent_line(app: Any, client: Any, world: Any,
                                                                       clock: Any) -> None:
    from app.extensions import db
    from app.services import Actor
    from sla.uptime import services

    with app.app_context():  # a morning lost on Thursday 15 October (Belgian time): October falls below 98 %
        start = datetime(2026, 10, 15, 7, 0, tzinfo=UTC)
        services.record_outage(Actor("agent"), started_at=start, ended_at=start + timedelta(hours=4), reason="disk")
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get("/uptime/report").get_data(as_text=True)
    chart = figure(page, "availability-months")
    table = rows(chart)
    assert list(table) == ["Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026",
                           "Jul 2026", "Aug 2026", "Sept 2026", "Oct 2026", "Nov 2026"]
    assert table["Sept 2026"] == ["—"]  # before measuring began: no bar, not a perfect month
    october = float(table["Oct 2026"][0].rstrip("%"))
    assert 90 < october < 98
    assert table["Nov 2026"] == ["100.0%"]
    assert [b.get("fill") for b in bars(chart)] == ["url(#availability-months-p1)", "url(#availability-months-p0)"]
    threshold = next(g for g in chart.iter(f"{SVG}g") if g.get("class") == "chart-threshold")
    assert threshold.findtext(f"{SVG}text") == "target 98.0%"
    assert "target: 98.0%" in "".join(chart.itertext())


# -- the desk's report ----------------------------------------------------------------------------------------


def test_desk_report_draws_compliance_per_category_per_month(app: Any, client: Any, world: Any, clock: Any) -> None:
    from app.clock import work_calendar
    from app.extensions import db
    from app.models import Client
    from app.services import Actor
    from sla.desk import services

    agent, minute = Actor("agent@op.test"), timedelta(minutes=1)
    with app.app_context():
        calendar, beta = work_calendar(), db.session.get(Client, world.client_b)

        def incident(level: int, impact: str, at: datetime, react: timedelta, resolve: timedelta) -> None:
            ticket = services.open_ticket(agent, client=beta, reporter=None, title="t", description="d", level=level,
                                          impact=impact, channel="phone", now=at, calendar=calendar)
            services.act(ticket, "acknowledge", agent, now=at + react, calendar=calendar)
            services.act(ticket, "resolve", agent, now=at + resolve, calendar=calendar)

        incident(4, "all", datetime(2026, 9, 8, 8, 0, tzinfo=UTC), 5 * minute, 30 * minute)  # category 1: met
        incident(4, "all", datetime(2026, 9, 9, 8, 0, tzinfo=UTC), timedelta(days=2), timedelta(days=3))  # missed
        incident(4, "few", datetime(2026, 10, 6, 8, 0, tzinfo=UTC), 5 * minute, 10 * minute)  # category 3: met
        db.session.commit()
    support.login(client, world.agent)
    chart = figure(client.get("/support/reports").get_data(as_text=True), "sla-compliance")
    assert headings(chart)[:4] == ["Category 1", "Category 2", "Category 3", "Category 4"]
    table = rows(chart)
    assert next(iter(table)) == "Dec 2025" and list(table)[-1] == "Nov 2026"
    assert table["Sept 2026"][:4] == ["50%", "—", "—", "—"]
    assert table["Oct 2026"][:4] == ["—", "—", "100%", "—"]
    # A client's user sees their own company's incidents only.
    other = app.test_client()
    support.login(other, world.user_a)
    table = rows(figure(other.get("/support/reports").get_data(as_text=True), "sla-compliance"))
    assert table["Sept 2026"][:4] == ["—", "—", "—", "—"]


# -- fines ----------------------------------------------------------------------------------------------------


def _fine(client_id: int, key: str, state: str, created_at: datetime, **dates: Any) -> Any:
    from fines.models import Fine, IntakeMessage

    message = IntakeMessage(source="upload", message_key=f"<{key}@test>", raw_path="mail/none.eml",
                            raw_sha256="0" * 64, size=0, status="processed", client_id=client_id, recipients=[],
                            refusals=[], replies_sent=[])
    return Fine(message=message, client_id=client_id, message_key=message.message_key, pdf_path="pdf/none.pdf",
                pdf_sha256="1" * 64, size=0, state=state, issuer="Politiezone Gent", notice_number=key,
                plate="1ABC123", plate_country="BE", confidence={}, problems=[], created_at=created_at, **dates)


def test_fines_overview_draws_fines_per_month_by_state_and_liability(app: Any, client: Any, world: Any,
                                                                     clock: Any) -> None:
    from app.extensions import db

    def at(day: int, hour: int = 10) -> datetime:
        return datetime(2026, 9, day, hour, 0, tzinfo=UTC)

    cutoff, deadline = date(2026, 9, 12), date(2026, 9, 20)
    with app.app_context():
        b = world.client_b
        db.session.add_all([
            # incomplete at the cut-off and never processed: the client answers for the missed deadline
            _fine(b, "X", "waiting_info", at(10), cutoff=cutoff, deadline=deadline),
            # complete in time, processed after the deadline: the operator answers
            _fine(b, "Y", "processed", at(3), cutoff=cutoff, deadline=deadline, complete_at=at(5), processed_at=at(25)),
            # processed in time: nobody answers
            _fine(b, "Z", "processed", at(4), cutoff=cutoff, deadline=deadline, complete_at=at(5), processed_at=at(10)),
            # 31 August 22:30 UTC is 1 September 00:30 in Brussels: a September fine
            _fine(b, "W", "closed", datetime(2026, 8, 31, 22, 30, tzinfo=UTC)),
            # cancelled: counted by state, never for liability
            _fine(b, "V", "cancelled", at(2), cutoff=cutoff, deadline=deadline),
        ])
        db.session.commit()
    support.login(client, world.user_b)
    page = client.get("/fines/overview").get_data(as_text=True)
    states = figure(page, "fines-states")
    table = rows(states)
    assert next(iter(table)) == "Dec 2025" and list(table)[-1] == "Nov 2026"
    by_state = dict(zip(headings(states), table["Sept 2026"], strict=True))
    assert {k: v for k, v in by_state.items() if v != "0"} == {
        "waiting for information": "1", "processed": "2", "closed": "1", "cancelled": "1"}
    assert table["Aug 2026"] == ["0"] * len(headings(states))
    assert sum(int(v) for v in table["Nov 2026"]) == 1  # the world's fine, read today
    liability = figure(page, "fines-liability")
    assert headings(liability) == ["Client late", "Service provider late"]
    assert rows(liability)["Sept 2026"] == ["1", "1"]
    assert rows(liability)["Oct 2026"] == ["0", "0"]
    # Another client's user sees none of it.
    other = app.test_client()
    support.login(other, world.user_a)
    page = other.get("/fines/overview").get_data(as_text=True)
    assert all(v == "0" for cells in rows(figure(page, "fines-states")).values() for v in cells)
    assert rows(figure(page, "fines-liability"))["Sept 2026"] == ["0", "0"]
    with app.app_context():
        from fines.models import Fine
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Fine)) == 6

"""Every link and every form, for every demo role, answers without a server error.

The demo data (every feature's demo loader) goes into the test database; the crawler logs in as
the admin, the agent and both client users, follows each same-site link it finds and submits each
form once with plausible values and the page's real CSRF token (see ``tests.crawl``).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import crawl


@pytest.fixture()
def backups_aside(app: Any, tmp_path: Path) -> Iterator[None]:
    """The backups the admin's "Run now" starts go to a folder of the test's, not the suite's data directory
    (where a later test looking for a person's traces would find them in a database copy)."""
    app.config.update(BACKUP_SERVER_DIR=str(tmp_path / "server"), BACKUP_DATACENTER_DIR=str(tmp_path / "dc"))
    yield
    app.config.update(BACKUP_SERVER_DIR=None, BACKUP_DATACENTER_DIR=None)


def test_every_link_and_form_answers_without_a_server_error_for_every_demo_role(app: Any, backups_aside: None) -> None:
    crawl.load_demo(app)
    failures: list[str] = []
    summary: list[str] = []
    for role, email in (*crawl.DEMO_ROLES, crawl.ANONYMOUS):
        crawler = crawl.Crawler(app, role, email, client_code=crawl.client_code_of(role))
        crawler.crawl(start="/" if email else crawl.PUBLIC_START)
        if not email:  # without a login: the status page in every language and its JSON
            assert {"/status", "/status?lang=nl", "/status?lang=fr", "/status.json"} <= crawler.seen_paths
        summary.append(f"{role}: {crawler.requests} requests, {len(crawler.visits)} pages, "
                       f"{len(crawler.submitted)} forms")
        failures.extend(f"[{role}] {failure}" for failure in crawler.failures)
        assert len(crawler.visits) > 3, f"{role} reached almost nothing: {summary[-1]}"
    from backups import tasks

    assert tasks.drain(app)  # the backups the admin's "Run now" and "Verify now" started end within the test
    assert not failures, "\n\n".join(["server errors while crawling (" + "; ".join(summary) + "):", *failures])


def test_the_crawler_reads_links_forms_and_buttons() -> None:
    html = """<a href="/fines/3">x</a><a href="https://elsewhere.test/">y</a><a href="/logout">z</a>
    <form method="post" action="/support/4/act"><input type="hidden" name="csrf_token" value="t">
    <input type="hidden" name="action" value="resolve"><textarea name="body"></textarea>
    <select name="level"><option value="">-</option><option value="2">2</option></select>
    <input type="checkbox" name="active" value="y" checked><button type="submit">resolve</button></form>"""
    links, forms = crawl.parse_page(html)
    paths = [crawl.same_site_path("http://localhost/", href) for href in links]
    assert paths == ["/fines/3", None, None]
    (form,) = forms
    data = crawl.Filler().submission(form, form.buttons()[0])
    assert data["action"] == "resolve" and data["level"] == "2" and data["active"] == ["y"]
    assert data["body"].startswith("Written by the crawler")
    assert crawl.shape("/fines/12/pages/1.png?x=1&a=2") == "/fines/{id}/pages/{id}.png?a&x"

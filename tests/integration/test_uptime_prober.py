"""The prober against a real local HTTP server that goes down and up again."""
from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa


class _Flaky(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok" if type(self).status == 200 else b"down")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def flaky_server() -> Iterator[tuple[str, type[_Flaky]]]:
    handler = type("Handler", (_Flaky,), {"status": 200})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/healthz", handler
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_an_outage_starts_after_three_failures_and_ends_at_the_first_success(app: Any, flaky_server: Any) -> None:
    from app.extensions import db
    from sla.uptime import jobs as uptime_jobs
    from sla.uptime.models import Outage, ProbeState

    url, handler = flaky_server
    app.config.update(PROBE_TARGETS=f'[{{"name": "web", "url": "{url}", "timeout": 2}}]', PROBE_FAILURES_FOR_OUTAGE=3)
    try:
        with app.app_context():
            moments = []
            def probe() -> None:
                moments.append(datetime.now(UTC))
                uptime_jobs.probe_all(moments[-1])
                time.sleep(0.05)

            probe()                      # up
            handler.status = 503
            for _ in range(2):
                probe()                  # two failures: not yet an outage
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Outage)) == 0
            probe()                      # the third failure opens it, back-dated to the first failure
            outage = db.session.scalar(sa.select(Outage))
            assert outage is not None and outage.ended_at is None and moments[1] <= outage.started_at < moments[2]
            assert db.session.get(ProbeState, "web").up is False
            handler.status = 200
            probe()                      # the first success ends it
            db.session.refresh(outage)
            assert outage.ended_at is not None and outage.ended_at >= moments[3]
            assert db.session.get(ProbeState, "web").up is True
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Outage)) == 1
    finally:
        app.config.update(PROBE_TARGETS="[]", PROBE_FAILURES_FOR_OUTAGE=3)


def test_an_unreachable_target_counts_as_down(app: Any) -> None:
    from sla.uptime import probes
    from tests import support

    result = probes.check(probes.ProbeTarget("gone", f"http://127.0.0.1:{support.free_port()}/healthz", timeout=1))
    assert result.ok is False and result.detail

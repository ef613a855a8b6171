"""Each probe check is kept as a sample, pruned after 90 days, and summed up per bucket by the database."""
from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import FrozenClock

AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class _Answering(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def healthz() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answering)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/healthz"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_prober_keeps_every_check_with_its_response_time(app: Any, healthz: str, clock: FrozenClock) -> None:
    from app.extensions import db
    from sla.uptime import jobs as uptime_jobs
    from sla.uptime.models import ProbeSample, ProbeState

    refused = f"http://127.0.0.1:{_closed_port()}/healthz"
    app.config.update(PROBE_TARGETS=f'[{{"name": "web", "url": "{healthz}", "timeout": 2}},'
                                    f' {{"name": "api", "url": "{refused}", "timeout": 2}}]')
    try:
        with app.app_context():
            assert uptime_jobs.probe_all(clock()) == 2
            clock.advance(timedelta(minutes=1))
            uptime_jobs.probe_all(clock())
            samples = db.session.scalars(sa.select(ProbeSample).order_by(ProbeSample.at, ProbeSample.target)).all()
            assert [(s.target, s.at, s.ok) for s in samples] == [
                ("api", AT, False), ("web", AT, True),
                ("api", AT + timedelta(minutes=1), False), ("web", AT + timedelta(minutes=1), True)]
            assert [s.response_ms for s in samples if s.target == "api"] == [None, None]
            assert all(s.response_ms is not None and 0 <= s.response_ms < 2000 for s in samples if s.target == "web")
            assert db.session.get(ProbeState, "api").failures == 2  # type: ignore[union-attr]
    finally:
        app.config.pop("PROBE_TARGETS", None)


def test_a_sample_is_written_in_the_same_unit_of_work_as_the_state(app: Any) -> None:
    from app.extensions import db
    from sla.uptime import services
    from sla.uptime.models import ProbeSample, ProbeState
    from sla.uptime.probes import ProbeResult

    with app.app_context():
        services.record_check("web", ProbeResult(True, "200", 12), AT, 3)
        db.session.rollback()  # the unit of work fails: neither the state nor the sample stays
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProbeSample)) == 0
        assert db.session.get(ProbeState, "web") is None


def test_samples_older_than_90_days_are_pruned_in_batches(app: Any) -> None:
    from app.database import bulk_insert
    from app.extensions import db
    from sla.uptime import jobs as uptime_jobs
    from sla.uptime import services
    from sla.uptime.models import ProbeSample

    with app.app_context():
        rows = [{"target": "web", "at": AT - timedelta(days=91, minutes=n), "ok": True, "response_ms": 10}
                for n in range(25)]
        rows += [{"target": "web", "at": AT - timedelta(days=89, minutes=n), "ok": True, "response_ms": 10}
                 for n in range(5)]
        bulk_insert(db.session, ProbeSample.__table__, rows)
        db.session.commit()
        assert services.prune_samples(AT, batch=10) == 10  # one batch at a time
        db.session.commit()
        app.config["CLOCK"] = lambda: AT
        try:
            assert uptime_jobs.prune_samples(AT) == 15
        finally:
            app.config.pop("CLOCK", None)
        left = db.session.scalars(sa.select(ProbeSample.at)).all()
        assert len(left) == 5 and min(left) > AT - timedelta(days=90)


def test_response_buckets_are_summed_up_by_the_database(app: Any) -> None:
    from app.extensions import db
    from sla.uptime import services
    from sla.uptime.models import ProbeSample

    start = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
    with app.app_context():
        rows = [
            # bucket 0: three checks, one failed without an answer
            {"target": "web", "at": start, "ok": True, "response_ms": 100},
            {"target": "web", "at": start + timedelta(minutes=59, seconds=59, microseconds=999_000), "ok": True,
             "response_ms": 300},
            {"target": "web", "at": start + timedelta(minutes=30), "ok": False, "response_ms": None},
            # bucket 2: a slow failed answer (503 after 2 s)
            {"target": "web", "at": start + timedelta(hours=2, minutes=5), "ok": False, "response_ms": 2000},
            # outside the range, and another target: not counted
            {"target": "web", "at": start - timedelta(seconds=1), "ok": True, "response_ms": 9999},
            {"target": "web", "at": start + timedelta(hours=3), "ok": True, "response_ms": 9999},
            {"target": "api", "at": start + timedelta(minutes=1), "ok": True, "response_ms": 9999},
        ]
        db.session.add_all([ProbeSample(**row) for row in rows])
        db.session.commit()
        buckets = services.response_buckets("web", start, timedelta(hours=1), 3)
    assert [(b.start, b.checks, b.failures, b.avg_ms, b.max_ms) for b in buckets] == [
        (start, 3, 1, 200.0, 300),
        (start + timedelta(hours=1), 0, 0, None, None),
        (start + timedelta(hours=2), 1, 1, 2000.0, 2000),
    ]

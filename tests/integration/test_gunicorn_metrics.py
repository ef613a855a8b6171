"""Under gunicorn with four workers, /metrics adds every worker up and passes ``promtool check metrics``."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests import support
from tests.integration import live

ROOT = Path(__file__).resolve().parents[2]


def test_metrics_under_four_gunicorn_workers_are_complete_and_valid(tmp_path: Path) -> None:
    promtool = support.require_binary("promtool")
    from app import create_app

    with support.fresh_database(support.DATABASE_KIND, str(tmp_path)) as url:
        support.migrate_to_head(create_app(support.test_config(url, str(tmp_path))))
        port = support.free_port()
        env = {**os.environ, "FLEETDESK_DATABASE_URL": url, "FLEETDESK_DATA_DIR": str(tmp_path),
               "FLEETDESK_SECRET_KEY": "k" * 48, "FLEETDESK_BIND": f"127.0.0.1:{port}", "FLEETDESK_WORKERS": "4",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
        base = f"http://127.0.0.1:{port}"
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT),
                    "wsgi:app"]
        log_path = tmp_path / "gunicorn.log"
        with log_path.open("w") as log, live.process(gunicorn, env, base + "/healthz", log=log):
            try:
                # Counted on the login page, which nothing else asks for: the readiness poll's
                # /healthz requests may still be answered late, after a slow start.
                before = _login_page_count(base)
                for _ in range(80):
                    with urllib.request.urlopen(base + "/login", timeout=5) as response:
                        assert response.status == 200
                # Whichever worker answers the scrape, it reports all workers' requests.
                counts = {_login_page_count(base) for _ in range(12)}
                assert counts == {before + 80}
                with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
                    exposition = response.read()
            except Exception as exc:
                raise AssertionError(f"{exc}\n--- gunicorn log ---\n{log_path.read_text()[-6000:]}") from exc
        server_log = log_path.read_text()
        # The scrape answering is not enough: a worker that logged a traceback is a failure.
        assert not re.search(r"Traceback|\bERROR\b|\bCRITICAL\b", server_log), \
            "gunicorn logged an error:\n" + server_log[-6000:]
    check = subprocess.run([promtool, "check", "metrics"], input=exposition, capture_output=True, check=False)
    findings = [line for line in (check.stdout + check.stderr).decode().splitlines() if line.strip()]
    # promtool's unit heuristic reads the "hours" of "business hours" in the gauge the uptime issue
    # names (fleetdesk_business_hours_open, a 0/1 flag) as a duration unit; that one finding is known.
    known = 'fleetdesk_business_hours_open use base unit "seconds" instead of "hours"'
    problems = [line for line in findings if line != known]
    assert not problems, "\n".join(problems)
    assert check.returncode in (0, 3), check.returncode  # 3: lint findings only, no parse error


def _login_page_count(base: str) -> int:
    with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search(r'fleetdesk_http_requests_total\{endpoint="auth.login",method="GET",status="200"\} (\S+)', text)
    return int(float(match.group(1))) if match else 0

"""``fleetdesk demo`` builds the embedded database, prints logins and serves a page one can log into."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from tests import support
from tests.integration import live


def test_demo_serves_an_app_one_can_log_into(tmp_path: Path) -> None:
    port = support.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETDESK_")}
    env["FLEETDESK_DATA_DIR"] = str(tmp_path)
    script = str(Path(sys.executable).parent / "fleetdesk")
    base = f"http://127.0.0.1:{port}"
    with live.process([script, "demo", "--port", str(port)], env, base + "/login") as proc:
        web = live.Browserless(base)
        from app.demo import DEMO_PASSWORD

        status, page = web.login("fleet@acme-lease.test", DEMO_PASSWORD)
        assert status == 200 and "ACME Lease NV" in page and "acme@" in page
        status, page = web.get("/clients/2")
        assert status == 404  # BRAFL's page is not ACME's to see
    out = proc.stdout.read() if proc.stdout else ""
    assert re.search(r"admin@fleetdesk.test\s+admin", out), out
    assert (tmp_path / "fleetdesk.db").exists()

"""HTTP probes: is a target answering with the status it should, within its timeout?"""
from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProbeTarget:
    """One thing the prober checks."""

    name: str
    url: str
    expected_status: int = 200
    timeout: float = 5.0


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str  # "200", "503", "timeout", "connection refused", ...
    #: Milliseconds until the answer (any status) came; None when none came.
    response_ms: int | None = None


def configured_targets(config: Any) -> list[ProbeTarget]:
    """``FLEETDESK_PROBE_TARGETS`` (JSON), or the product's own ``/healthz`` at ``FLEETDESK_BASE_URL``."""
    raw = config.get("PROBE_TARGETS") or "[]"
    entries = json.loads(raw) if isinstance(raw, str) else raw
    if not entries:
        return [ProbeTarget("fleetdesk", config["BASE_URL"].rstrip("/") + "/healthz")]
    return [ProbeTarget(**entry) for entry in entries]


def check(target: ProbeTarget) -> ProbeResult:
    """One request; any answer other than the expected status, or none in time, is a failure."""
    request = urllib.request.Request(target.url, method="GET", headers={"User-Agent": "FleetDesk-prober"})
    started = time.perf_counter()  # a duration, not a moment: the app's clock has no say in it
    try:
        with urllib.request.urlopen(request, timeout=target.timeout, context=ssl.create_default_context()) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return ProbeResult(False, str(reason)[:200] or type(exc).__name__)
    elapsed = round((time.perf_counter() - started) * 1000)
    return ProbeResult(status == target.expected_status, str(status), elapsed)

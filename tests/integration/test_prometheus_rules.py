"""The Prometheus rules in deploy/prometheus are valid and their promtool unit tests pass."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import require_binary

pytestmark = pytest.mark.services

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES = RULES_DIR / "fleetdesk.rules.yml"
RULES_TEST = RULES_DIR / "fleetdesk.rules.test.yml"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = require_binary("promtool")
    # The test file names its rule files relative to itself: run from its directory.
    return subprocess.run([promtool, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=120, check=False)


def test_promtool_check_rules_accepts_the_rules_file() -> None:
    result = _promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    result = _promtool("test", "rules", RULES_TEST.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    "alert",
    ["FleetDeskDownInBusinessHours", "FleetDeskErrorBudgetLow", "FleetDeskAvailabilityBelowTarget",
     "FleetDeskSlaBreach", "FleetDeskCategory1Open"],
)
def test_every_alert_is_defined_and_exercised_by_the_unit_tests(alert: str) -> None:
    assert f"alert: {alert}\n" in RULES.read_text()
    assert f"alertname: {alert}\n" in RULES_TEST.read_text()

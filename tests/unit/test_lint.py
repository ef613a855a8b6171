"""The code passes ruff with the rules in pyproject.toml (style, bugs, complexity), with no exclusions."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from tests import support

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("app", "fines", "sla", "backups", "assistance", "tests", "bench", "migrations")


def test_ruff_finds_nothing() -> None:
    support.require("ruff", importlib.util.find_spec("ruff") is not None,
                    "the ruff package is not installed (it is part of the test extras)")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"), "--no-cache",
         "--output-format", "concise", *CHECKED],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, "ruff findings:\n" + result.stdout + result.stderr

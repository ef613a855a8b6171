"""The import direction of STYLE.md, checked mechanically by import-linter."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is part of the test extras"
    result = subprocess.run([lint, "--config", str(ROOT / "setup.cfg")], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout.lower()


#: The only modules that may end a transaction themselves (STYLE.md rule 4: one commit boundary).
TRANSACTION_ENDERS = {
    "app/uow.py": "the unit of work: the one place that commits and rolls back",
    "app/web.py": "the 500 error handler rolls back what the failed request left before rendering the error page",
}
SOURCE_PACKAGES = ("app", "fines", "sla", "backups", "assistance")


def _transaction_ends(path: Path) -> list[tuple[int, str]]:
    """Every ``<something>.commit()`` or ``<something>.rollback()`` call in ``path``: (line, method)."""
    return [(node.lineno, node.func.attr) for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")]


def test_only_the_unit_of_work_commits_or_rolls_back() -> None:
    found = {str(path.relative_to(ROOT)): ends for package in SOURCE_PACKAGES
             for path in sorted((ROOT / package).rglob("*.py")) if (ends := _transaction_ends(path))}
    stray = {path: ends for path, ends in found.items() if path not in TRANSACTION_ENDERS}
    assert not stray, ("commit or roll back through app.uow (unit_of_work, job_unit_of_work, "
                       f"command_unit_of_work), not by hand: {stray}")
    assert set(TRANSACTION_ENDERS) <= set(found), "an allowed module no longer ends transactions: shorten the list"

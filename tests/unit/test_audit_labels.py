"""Every audit action code the code base records has a label, so the audit log reads in words."""
from __future__ import annotations

import ast
from pathlib import Path

from app.audit_labels import ACTION_LABELS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "fines", "sla", "backups", "assistance")


def _recorded_codes() -> tuple[set[str], set[str]]:
    """Literal codes passed to ``record(actor, CODE, ...)``, and the prefixes of f-string codes."""
    codes: set[str] = set()
    prefixes: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "record"
                        and len(node.args) >= 2):
                    continue
                code = node.args[1]
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    codes.add(code.value)
                elif isinstance(code, ast.JoinedStr) and code.values and isinstance(code.values[0], ast.Constant):
                    prefixes.add(str(code.values[0].value))
    return codes, prefixes


def test_every_recorded_audit_action_has_a_label() -> None:
    codes, prefixes = _recorded_codes()
    assert len(codes) > 15, "the scan found too few record(...) calls"
    missing = sorted(code for code in codes if code not in ACTION_LABELS)
    assert not missing, f"audit actions without a label in app/audit_labels.py: {missing}"
    for prefix in prefixes:  # fines.{source}: every source has its own label
        assert any(code.startswith(prefix) for code in ACTION_LABELS), prefix


def test_every_label_belongs_to_a_recorded_action() -> None:
    codes, prefixes = _recorded_codes()
    stale = sorted(code for code in ACTION_LABELS if code not in codes and not code.startswith(tuple(prefixes)))
    assert not stale, f"labels for actions nothing records any more: {stale}"

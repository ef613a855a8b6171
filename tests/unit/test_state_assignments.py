"""One way to change a fine's state: no code outside the state machine assigns ``state``.

An AST scan of ``fines/`` and ``app/``. A stored fine's state changes only in
``fines.workflow.services.transition`` (checked against ``fines.workflow.states``' table, with its
event); the set-based batch matcher writes the moves it checked against the same table in
``fines.workflow.batch._match_batches``; intake creates a fine ``received``.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("fines", "app")
#: (module path, function) where a state may be written.
ALLOWED = {("fines/workflow/services.py", "transition"), ("fines/workflow/batch.py", "_match_batches"),
           # a privacy request's own state (app.privacy), not a fine's
           ("app/privacy/services.py", "extend"), ("app/privacy/services.py", "answer")}
INITIAL_STATE = "received"


def _is_fine_call(node: ast.Call) -> bool:
    func = node.func
    return ((isinstance(func, ast.Name) and func.id == "Fine")
            or (isinstance(func, ast.Attribute) and func.attr == "Fine"))


def _targets(node: ast.AST) -> Iterator[ast.expr]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _flatten(target)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        yield from _flatten(node.target)


def _flatten(target: ast.expr) -> Iterator[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _flatten(element)
    else:
        yield target


def _writes_state(node: ast.AST) -> str | None:
    """Say how ``node`` writes a state (None when it does not)."""
    if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in _targets(node)):
        return "assigns .state"
    return _call_writes_state(node) if isinstance(node, ast.Call) else None


def _call_writes_state(node: ast.Call) -> str | None:
    """Say how the call ``node`` writes a state (None when it does not)."""
    func = node.func
    if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2 \
            and isinstance(node.args[1], ast.Constant) and node.args[1].value == "state":
        return 'setattr(..., "state", ...)'
    if _is_fine_call(node):
        for keyword in node.keywords:
            if keyword.arg == "state" and not (isinstance(keyword.value, ast.Constant)
                                               and keyword.value.value == INITIAL_STATE):
                return "Fine(state=...) other than received"
    if isinstance(func, ast.Attribute) and func.attr == "values" and (
            any(k.arg == "state" for k in node.keywords) or any(
                isinstance(a, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "state" for k in a.keys)
                for a in node.args)):
        return "UPDATE ... SET state"
    if isinstance(func, ast.Name) and func.id == "bulk_update" and "Fine" in ast.unparse(node):
        return "bulk update of fines"
    return None


def state_writes(source: str, path: str) -> list[str]:
    """Return ``path:line function: how`` for every write of a state outside the allowed places."""
    found: list[str] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            how = _writes_state(child)
            if how is not None and (path, name) not in ALLOWED:
                found.append(f"{path}:{child.lineno} {name}: {how}")
            visit(child, name)

    visit(ast.parse(source), "<module>")
    return found


def test_no_code_outside_the_state_machine_writes_a_fines_state() -> None:
    found = []
    for package in SCANNED:
        for file in sorted((ROOT / package).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            found += state_writes(file.read_text(encoding="utf-8"), path)
    assert found == [], "a state changes only through fines.workflow.services.transition:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'fine.state = "read"',
    'f.state, f.duplicate_of_id = "duplicate", 1',
    'setattr(fine, "state", "ready")',
    'Fine(client_id=1, state="ready")',
    'models.Fine(state=target)',
    'db.session.execute(sa.update(Fine).values(state="cancelled"))',
    'db.session.execute(sa.update(Fine).values({"state": "cancelled"}))',
    'bulk_update(db.session, Fine.__table__, rows)',
    'def correct(fine):\n    fine.state = "read"',
], ids=lambda s: s.split("(")[0][:30])
def test_the_scan_finds_every_way_of_writing_a_state(source: str) -> None:
    assert state_writes(source, "fines/intake/services.py")


@pytest.mark.parametrize(("source", "path"), [
    ('Fine(client_id=1, state="received")', "fines/intake/services.py"),
    ('if fine.state == "read":\n    pass', "fines/intake/services.py"),
    ('def transition(fine, target):\n    fine.state = target', "fines/workflow/services.py"),
    ('def _match_batches():\n    bulk_update(db.session, Fine.__table__, updates)', "fines/workflow/batch.py"),
])
def test_the_scan_allows_the_state_machine_and_the_initial_state(source: str, path: str) -> None:
    assert state_writes(source, path) == []

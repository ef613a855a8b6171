"""``fleetdesk assistance check``: the real console script on JSON files, its output keys and its refusals."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).parent / "fleetdesk"

#: A breakdown near Lyon under Optimco (seed 002), repairable within 3 workdays.
LYON: dict[str, Any] = {
    "cover": {"product": "optimco", "formula": None, "upgrade": False, "start": "2026-01-01",
              "premium_paid": "2025-12-20", "signed": "2025-12-01"},
    "vehicle": {"plate": "1-ABC-123", "registered": "BE", "max_mass_kg": 1850, "body": "car"},
    "case": {"cause": "breakdown", "at": "2026-03-13T16:30:00+01:00", "country": "FR",
             "assistance_called_at_once": True, "police_tow": False,
             "helper_arrived_at": "2026-03-13T17:15:00+01:00", "immobilised_until": "2026-03-17T12:00:00+01:00",
             "repairable_within_3_workdays": True, "exclusions": []},
}

#: A theft in Ghent under AG Top Mobility (seed 003), upgrade option, a van.
GHENT: dict[str, Any] = {
    "cover": {"product": "ag-top-mobility", "formula": "two-vehicles", "upgrade": True, "start": "2026-01-01",
              "premium_paid": "2025-12-30", "signed": "2025-12-15", "end": "2027-01-01"},
    "vehicle": {"plate": "2-XYZ-789", "registered": "BE", "max_mass_kg": 3200, "body": "van"},
    "case": {"cause": "theft", "at": "2026-05-04T22:10:00+02:00", "country": "BE",
             "assistance_called_at_once": True, "police_tow": False, "helper_arrived_at": None,
             "immobilised_until": None, "repairable_within_3_workdays": None, "exclusions": []},
}


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FLEETDESK_DATA_DIR": str(tmp_path)}
    return subprocess.run([str(SCRIPT), "assistance", *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def write(tmp_path: Path, data: object, name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_check_prints_the_verdict_with_the_contracts_keys(tmp_path: Path) -> None:
    result = run(tmp_path, "check", write(tmp_path, LYON))
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert set(verdict) == {"covered", "reasons", "replacement_vehicle", "caps", "alternatives", "deadlines"}
    assert verdict["covered"] is True
    assert all(set(r) == {"code", "ref", "text", "effect", "params"} for r in verdict["reasons"])
    assert [r["code"] for r in verdict["reasons"]] == ["covered", "replacement"]
    assert verdict["reasons"][1]["text"] == ("Replacement vehicle: category B for at most 3 workdays, to be returned "
                                             "by 17 March 2026.")
    # 002 6.4 c: Friday 13, Monday 16, Tuesday 17 March
    assert verdict["replacement_vehicle"] == {"category": "B", "max_days": 3, "unit": "workdays",
                                              "return_by": "2026-03-17", "ref": "002 6.4 c"}
    assert {c["item"]: c["max_cents"] for c in verdict["alternatives"]} == {
        "hotel": 10000, "hotel_total": 80000, "continue_trip": 35000}
    assert all(set(c) == {"item", "max_cents", "max_count", "per", "ref"} for c in verdict["caps"])
    assert {"item": "towing", "max_cents": 25000, "max_count": None, "per": "case", "ref": "002 6.1"} in verdict["caps"]
    assert verdict["deadlines"] == [{"code": "return_replacement", "due": "2026-03-17T23:00:00+00:00",
                                     "ref": "002 6.4 c"}]


def test_check_reads_stdin_and_gives_theft_deadlines(tmp_path: Path) -> None:
    result = run(tmp_path, "check", "-", stdin=json.dumps(GHENT))
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["covered"] is True
    # 003 IV.2 a with the upgrade option: a van of the same volume, 15 consecutive days from 4 May
    assert verdict["replacement_vehicle"] == {"category": "van-20m3", "max_days": 15, "unit": "days",
                                              "return_by": "2026-05-18", "ref": "003 IV.2 a"}
    deadlines = {d["code"]: d["due"] for d in verdict["deadlines"]}
    assert deadlines["return_replacement"] == "2026-05-18T22:00:00+00:00"
    assert deadlines["police_report_receipt"] == "2026-05-05T20:10:00+00:00"  # 003 IV.3 b: 24 h
    assert deadlines["proof_of_costs"] == "2026-08-04T20:10:00+00:00"  # 003 XIII.5.1 B: 3 months


def test_check_says_why_a_case_is_not_covered(tmp_path: Path) -> None:
    data = json.loads(json.dumps(LYON))
    data["case"]["country"] = "ES-CN"
    data["case"]["exclusions"] = ["alcohol", "race"]
    result = run(tmp_path, "check", write(tmp_path, data))
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["covered"] is False
    assert [(r["code"], r["ref"], r["effect"]) for r in verdict["reasons"]] == [
        ("territory_excluded_region", "002 1.2 5°", "excludes"),
        ("exclusion_race", "002 7.1.2", "excludes"),
        ("exclusion_alcohol", "002 7.1.24", "excludes"),
    ]
    assert verdict["reasons"][0]["text"] == "The Canary Islands (ES-CN) is outside the cover's territory."
    assert verdict["replacement_vehicle"] is None and verdict["caps"] == [] and verdict["deadlines"] == []


def _broken(path: list[str], value: object) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(LYON))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


REFUSALS = [
    (_broken(["case", "at"], "2026-03-13T16:30:00"), "naive_time", "case.at"),
    (_broken(["case", "at"], KeyError), "missing", "case.at"),
    (_broken(["cover", "start"], "13/03/2026"), "bad_date", "cover.start"),
    (_broken(["case", "country"], "France"), "unknown_country", "case.country"),
    (_broken(["vehicle", "registered"], "ES-CN"), "unknown_country", "vehicle.registered"),
    (_broken(["case", "cause"], "flat tyre"), "unknown_value", "case.cause"),
    (_broken(["vehicle", "body"], "truck"), "unknown_value", "vehicle.body"),
    (_broken(["case", "exclusions"], ["drugs"]), "unknown_value", "case.exclusions"),
    (_broken(["cover", "product"], "touring"), "unknown_value", "cover.product"),
    (_broken(["cover", "premium_payed"], "2026-01-01"), "unknown_key", "cover.premium_payed"),
    (_broken(["vehicle", "max_mass_kg"], "3.5 t"), "bad_number", "vehicle.max_mass_kg"),
    (_broken(["case", "police_tow"], None), "bad_type", "case.police_tow"),
    (_broken(["case", "immobilised_until"], "2026-03-12T12:00:00+01:00"), "out_of_order", "case.immobilised_until"),
    (_broken(["cover", "premium_paid"], "9999-12-31"), "out_of_range", "cover.premium_paid"),
    ([1, 2, 3], "not_an_object", ""),
]


@pytest.mark.parametrize(("data", "code", "field"), REFUSALS, ids=[f"{r[1]}:{r[2]}" for r in REFUSALS])
def test_bad_input_is_refused_with_exit_2_and_a_json_error(tmp_path: Path, data: object, code: str,
                                                           field: str) -> None:
    result = run(tmp_path, "check", "-", stdin=json.dumps(data))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    error = json.loads(result.stderr)["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"] and "%(" not in error["message"]


@pytest.mark.parametrize(("stdin", "args", "code"), [
    ("{not json", ["-"], "bad_json"),
    (None, ["/nonexistent/case.json"], "unreadable"),
])
def test_unreadable_input_is_refused_the_same_way(tmp_path: Path, stdin: str | None, args: list[str],
                                                  code: str) -> None:
    result = run(tmp_path, "check", *args, stdin=stdin)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert json.loads(result.stderr)["error"]["code"] == code


def test_help_documents_the_output_keys(tmp_path: Path) -> None:
    result = run(tmp_path, "check", "--help")
    assert result.returncode == 0
    for key in ("covered", "reasons", "replacement_vehicle", "caps", "alternatives", "deadlines", "return_by"):
        assert key in result.stdout, key

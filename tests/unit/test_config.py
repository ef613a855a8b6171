"""Configuration from FLEETDESK_ variables; production refuses to start without a secret."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import config


def test_production_without_secret_key_stops_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigurationError, match="FLEETDESK_SECRET_KEY is not set"):
        config.load(str(tmp_path), environ={"FLEETDESK_ENV": "production"})


def test_create_app_refuses_production_without_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app import create_app

    monkeypatch.setenv("FLEETDESK_ENV", "production")
    monkeypatch.delenv("FLEETDESK_SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigurationError):
        create_app({"DATA_DIR": str(tmp_path)})


def test_development_generates_and_keeps_a_secret_per_data_dir(tmp_path: Path) -> None:
    first = config.load(str(tmp_path), environ={})["SECRET_KEY"]
    second = config.load(str(tmp_path), environ={})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_embedded_default_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    cfg = config.load(str(tmp_path), environ={"FLEETDESK_DATA_DIR": str(tmp_path / "data")})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'data' / 'fleetdesk.db'}"


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"])
def test_postgresql_urls_use_psycopg_3(tmp_path: Path, url: str) -> None:
    cfg = config.load(str(tmp_path), environ={"FLEETDESK_DATABASE_URL": url})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_numbers_and_flags_are_converted(tmp_path: Path) -> None:
    cfg = config.load(str(tmp_path), environ={"FLEETDESK_MAX_CONTENT_LENGTH": "1024", "FLEETDESK_HSTS": "yes"})
    assert cfg["MAX_CONTENT_LENGTH"] == 1024 and cfg["HSTS"] is True


def test_a_bad_number_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigurationError, match="FLEETDESK_SMTP_PORT"):
        config.load(str(tmp_path), environ={"FLEETDESK_SMTP_PORT": "twenty-five"})


def test_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigurationError, match="FLEETDESK_ENV"):
        config.load(str(tmp_path), environ={"FLEETDESK_ENV": "staging-ish"})

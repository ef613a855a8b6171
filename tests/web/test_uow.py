"""The unit of work: one commit per request, job or command; a service error undone and answered."""
from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import click
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException


def _add_client(code: str) -> Any:
    from app import services

    return services.add_client(services.Actor("test"), code, f"{code} NV", "fines.fleetdesk.test")


def _clients(app: Any) -> list[str]:
    from app.extensions import db
    from app.models import Client

    with app.app_context():
        return list(db.session.scalars(sa.select(Client.code).order_by(Client.code)))


def _refuse(field: str | None = "code") -> None:
    from app.services import ServiceError

    raise ServiceError("refused", field)


class _Form:
    """A form's error-carrying shape, as ``apply_service_error`` sees it."""

    def __init__(self) -> None:
        self.code = type("Field", (), {"errors": ()})()


def test_work_is_committed_once_on_success(app: Any) -> None:
    from app.uow import unit_of_work

    with app.test_request_context():
        with unit_of_work() as work:
            _add_client("ALPHA")
        assert work.ok and work.error is None
    assert _clients(app) == ["ALPHA"]


def test_a_service_error_is_rolled_back_and_shown_on_the_form(app: Any) -> None:
    from app.uow import unit_of_work

    form = _Form()
    with app.test_request_context():
        with unit_of_work(form) as work:
            _add_client("ALPHA")
            _refuse("code")
        assert not work.ok and work.error is not None and work.error.field == "code"
    assert form.code.errors == ["refused"] and getattr(form, "refused", False)
    assert _clients(app) == []


@pytest.mark.parametrize("status", [400, 409, 422])
def test_a_service_error_becomes_the_status_asked_for(app: Any, status: int) -> None:
    from app.uow import unit_of_work

    with app.test_request_context(), pytest.raises(HTTPException) as raised, unit_of_work(status=status):
        _add_client("ALPHA")
        _refuse()
    assert raised.value.code == status and _clients(app) == []


def test_a_service_error_goes_to_the_views_own_handler_or_is_flashed(app: Any) -> None:
    from flask import get_flashed_messages

    from app.uow import unit_of_work

    seen: list[str] = []
    with app.test_request_context():
        with unit_of_work(on_error=lambda exc: seen.append(exc.message)):
            _refuse()
        assert seen == ["refused"] and get_flashed_messages() == []
    with app.test_request_context():
        with unit_of_work():
            _refuse(None)
        assert get_flashed_messages(with_categories=True) == [("error", "refused")]


def test_any_other_exception_is_rolled_back_and_raised(app: Any) -> None:
    from app.uow import unit_of_work

    with app.test_request_context(), pytest.raises(ZeroDivisionError), unit_of_work():
        _add_client("ALPHA")
        _ = 1 / 0
    assert _clients(app) == []


def test_mail_leaves_only_when_the_unit_of_work_commits(app: Any, smtp_sink: Any) -> None:
    from app.mail import send_after_commit
    from app.uow import unit_of_work

    def mail(subject: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "noreply@fleetdesk.test", "anna@alpha.test", subject
        msg.set_content("body\n")
        return msg

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    try:
        with app.test_request_context():
            with unit_of_work():
                _add_client("ALPHA")
                send_after_commit(mail("refused"), what="test mail")
                _refuse()
            with unit_of_work():
                _add_client("BETA")
                send_after_commit(mail("saved"), what="test mail")
    finally:
        app.config.update(SMTP_PORT=25)
    assert [str(m["Subject"]) for m in smtp_sink.messages] == ["saved"]


def test_a_job_commits_its_work_or_rolls_it_back(app: Any) -> None:
    from app.services import ServiceError
    from app.uow import job_unit_of_work

    with app.app_context():
        with job_unit_of_work():
            _add_client("ALPHA")
        with pytest.raises(ServiceError), job_unit_of_work():
            _add_client("BETA")
            _refuse()
    assert _clients(app) == ["ALPHA"]


def test_a_command_turns_a_service_error_into_its_error_message(app: Any) -> None:
    from app.uow import command_unit_of_work

    with app.app_context(), pytest.raises(click.ClickException, match="refused"), command_unit_of_work():
        _add_client("ALPHA")
        _refuse()
    assert _clients(app) == []

"""The commit boundary: one unit of work per request, job or command (services flush, this commits).

A view wraps its service calls in ``unit_of_work``; a scheduler job, task or CLI command in
``job_unit_of_work`` or ``command_unit_of_work``. Mail queued with ``app.mail.send_after_commit`` leaves after it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
from flask import abort, flash

from app.extensions import db
from app.forms import apply_service_error
from app.services import ServiceError


@dataclass
class Work:
    """The outcome of a unit of work: ``error`` is the ``ServiceError`` that undid it, if any."""

    error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the work was committed."""
        return self.error is None


@contextmanager
def unit_of_work(form: Any = None, *, status: int | None = None,
                 on_error: Callable[[ServiceError], None] | None = None) -> Iterator[Work]:
    """Commit the request's work once on success; roll it back on any exception.

    A ``ServiceError`` is rolled back and answered, in this order of preference: ``abort(status)``
    when a status is given (e.g. 409, 422), ``on_error(exc)`` when given (a message of the view's own),
    the error shown on ``form`` (``apply_service_error``: the view then answers 422), or else the
    error's message flashed. Any other exception is rolled back and raised::

        with unit_of_work(form) as work:
            client = services.add_client(actor(), form.code.data, ...)
        if work.ok:
            flash(_("Client %(code)s created.", code=client.code), "info")
            return redirect(url_for("web.client_detail", client_id=client.id))
        return render_template("admin/client_form.html", form=form), 422
    """
    work = Work()
    try:
        yield work
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        work.error = exc
        if status is not None:
            abort(status)
        if on_error is not None:
            on_error(exc)
        elif form is not None:
            apply_service_error(form, exc)
        else:
            flash(str(exc.message), "error")
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def job_unit_of_work() -> Iterator[None]:
    """Commit a scheduler job's or task's work once on success; roll it back and raise on any exception::

        with app.app_context(), job_unit_of_work():
            result = spec.func(utcnow())
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def command_unit_of_work() -> Iterator[None]:
    """Commit a CLI command's work once; a ``ServiceError`` is rolled back and becomes the command's error::

        with command_unit_of_work():
            client = services.add_client(cli_actor(), code, name, domain)
        click.echo(f"client {client.code} created")
    """
    try:
        with job_unit_of_work():
            yield
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc

"""Web forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


LANGUAGE_CHOICES = tuple(LANGUAGE_NAMES.items())


class ClientForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    intake_address = EmailField(_l("Fine-intake address"), validators=[Optional(), Length(max=254)],
                                description=_l("Leave empty for code@intake domain."))
    # A client without a language (None) shows, and is posted back, as the empty choice.
    locale = SelectField(_l("Language of e-mails"), choices=[("", _l("Default language")), *LANGUAGE_CHOICES],
                         filters=[lambda value: value or ""], default="",
                         description=_l("For its users who have not chosen a language themselves."))
    active = BooleanField(_l("Active"), default=True)


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[("client", _l("Client user")), ("agent", _l("Agent")),
                                           ("admin", _l("Administrator"))])
    client_id = SelectField(_l("Client"), coerce=int, choices=[])
    locale = SelectField(_l("Language"), choices=[("", _l("Browser's choice")), *LANGUAGE_CHOICES])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1024)],
                             description=_l("At least 12 characters. Leave empty to keep the current one."))
    can_report_incidents = BooleanField(_l("Authorised to report incidents (client users)"))
    active = BooleanField(_l("Active"), default=True)


class AccountForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[("", _l("Browser's choice")), *LANGUAGE_CHOICES])
    current_password = PasswordField(_l("Current password"), validators=[Optional(), Length(max=1024)])
    new_password = PasswordField(_l("New password"), validators=[Optional(), Length(max=1024)])


def apply_service_error(form: Any, exc: Any) -> None:
    """Show a ``ServiceError`` on the form field it concerns (``client`` → ``client_id``), or as a message."""
    form.refused = True
    name = exc.field or ""
    field = getattr(form, name, None) or getattr(form, f"{name}_id", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "error")

"""The register's forms (Flask-WTF, CSRF on every one)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.privacy.labels import KINDS


class RequestForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    kind = SelectField(_l("Kind of request"), choices=list(KINDS.items()))
    person = StringField(_l("Person"), validators=[DataRequired(), Length(max=200)],
                         description=_l("As the person named themselves."))
    contract_number = StringField(_l("Lease contract of the driver"), validators=[Optional(), Length(max=64)],
                                  description=_l("Optional: links the request to the driver's data."))
    received_on = DateField(_l("Received on"), validators=[DataRequired()])


class IdentityForm(FlaskForm):
    method = StringField(_l("How the identity was checked"), validators=[DataRequired(), Length(max=500)])


class ExtendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the extension"), validators=[DataRequired(), Length(max=2000)])


class AnswerForm(FlaskForm):
    outcome = TextAreaField(_l("Answer given"), validators=[DataRequired(), Length(max=4000)])
    refused = BooleanField(_l("The request is refused"))


class ActionForm(FlaskForm):
    """A button only (restrict, lift, erase): the CSRF token."""

"""Support desk forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

LEVEL_CHOICES = [
    ("4", _l("4 — users cannot work")),
    ("3", _l("3 — users cannot perform certain important functions")),
    ("2", _l("2 — users cannot perform certain less important functions")),
    ("1", _l("1 — something is wrong, but users can still work")),
]
IMPACT_CHOICES = [
    ("all", _l("All users")),
    ("substantial", _l("A substantial part: 20 percent of the staff or more")),
    ("few", _l("One or a few users")),
]


class TicketForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    channel = SelectField(_l("Received by"), choices=[("phone", _l("Phone")), ("web", _l("Web"))], default="phone",
                          validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What happens, since when, for whom"), validators=[DataRequired(),
                                                                                      Length(max=20000)])
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES, default="2")
    impact = SelectField(_l("Impact"), choices=IMPACT_CHOICES, default="few")


class ActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=20000)])


class CorrectForm(FlaskForm):
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES)
    impact = SelectField(_l("Impact"), choices=IMPACT_CHOICES)
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class FlagsForm(FlaskForm):
    assigned_to_id = SelectField(_l("Agent"), coerce=int, choices=[], validate_choice=False)
    chargeable = BooleanField(_l("Caused by the client's own misuse (chargeable)"))
    reason = StringField(_l("Why"), validators=[Optional(), Length(max=500)])


class MaintenanceForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts (Belgian time)"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField(_l("Ends (Belgian time)"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    description = StringField(_l("What is done"), validators=[DataRequired(), Length(max=500)])


class OutageForm(FlaskForm):
    started_at = DateTimeLocalField(_l("Down from (Belgian time)"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    ended_at = DateTimeLocalField(_l("Up again (Belgian time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    ticket_id = IntegerField(_l("Support ticket"), validators=[Optional()])

"""Uptime forms: planning maintenance, recording an outage by hand."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional


class MaintenanceForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts (Belgian time)"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField(_l("Ends (Belgian time)"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    description = StringField(_l("What is done"), validators=[DataRequired(), Length(max=500)])


class OutageForm(FlaskForm):
    started_at = DateTimeLocalField(_l("Down from (Belgian time)"), validators=[DataRequired()],
                                    format="%Y-%m-%dT%H:%M")
    ended_at = DateTimeLocalField(_l("Up again (Belgian time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    ticket_id = IntegerField(_l("Support ticket"), validators=[Optional()])

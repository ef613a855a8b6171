"""Support desk forms: reporting an incident, the ticket page's actions, corrections and flags."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from sla.desk.labels import LABELS

# The words of each level and impact are the desk's catalogue's (sla.desk.labels), in the SLA's order.
LEVEL_CHOICES = list(LABELS["level"].items())
IMPACT_CHOICES = list(LABELS["impact"].items())
KIND_CHOICES = list(LABELS["kind"].items())
RESTORE_WHAT_CHOICES = list(LABELS["restore_what"].items())


class TicketForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    channel = SelectField(_l("Received via"), choices=[("phone", _l("Phone")), ("web", _l("Web"))], default="phone",
                          validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What happens, since when, for whom"), validators=[DataRequired(),
                                                                                      Length(max=20000)])
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES, default="2")
    impact = SelectField(_l("Impact"), choices=IMPACT_CHOICES, default="few")
    # A restore request (SLA 7.6): which data, as it was at which moment.
    kind = SelectField(_l("What you report"), choices=KIND_CHOICES, default="incident")
    restore_what = SelectField(_l("Data to restore"), choices=RESTORE_WHAT_CHOICES, default="fines")
    restore_point = DateTimeLocalField(_l("Restore the data as it was at (Belgian time)"), validators=[Optional()],
                                       format="%Y-%m-%dT%H:%M")


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


class RestoreForm(FlaskForm):
    """The desk chooses the backup to restore from, or records the restore done from it."""

    backup = SelectField(_l("Backup"), choices=[], validate_choice=False, validators=[DataRequired()])


class AttachForm(FlaskForm):
    """A file attached to a ticket (with a comment, or alone)."""

    file = FileField(_l("File (screenshot PNG or JPEG, PDF, or plain text)"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=20000)])
    internal = BooleanField(_l("Internal (agents only; the client does not see it)"))


class BulkAssignForm(FlaskForm):
    """Several tickets of the list given to one agent (or to nobody) at once."""

    tickets = SelectMultipleField(_l("Incidents"), coerce=int, choices=[], validate_choice=False)
    agent = SelectField(_l("Assign the chosen incidents to"), choices=[], validate_choice=False,
                        validators=[DataRequired()])


class AssignMeForm(FlaskForm):
    """An agent takes a ticket (the button says it all)."""

"""Fine forms: upload, correction, triage assignment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

KINDS = ("immediate_collection", "driver_identification", "parking", "lez", "settlement", "payment_order",
         "foreign", "other")


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("PDF files"), validators=[DataRequired()])
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)


class CorrectionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k, k) for k in KINDS])
    language = SelectField(_l("Language"), choices=[("nl", "nl"), ("fr", "fr"), ("de", "de"), ("en", "en")])
    issuer = StringField(_l("Issuer"), validators=[Optional(), Length(max=200)])
    notice_number = StringField(_l("Notice number"), validators=[Optional(), Length(max=64)])
    plate = StringField(_l("Plate"), validators=[Optional(), Length(max=16)])
    plate_country = StringField(_l("Plate country"), validators=[Optional(), Length(min=2, max=2)])
    offence_at = DateTimeLocalField(_l("Offence (Belgian time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    letter_date = DateField(_l("Letter date"), validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    amount_cents = IntegerField(_l("Amount (cents)"), validators=[Optional(), NumberRange(min=0)])
    currency = StringField(_l("Currency"), validators=[Optional(), Length(min=3, max=3)])
    payment_reference = StringField(_l("Payment reference"), validators=[Optional(), Length(max=32)])
    addressee = StringField(_l("Addressee"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Why this correction"), validators=[DataRequired(), Length(max=500)])


class AssignForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[])

"""Fine forms: upload, correction, triage assignment."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.formatting import number
from fines.money import parse_euros
from fines.web.labels import LABELS

KINDS = ("immediate_collection", "driver_identification", "parking", "lez", "settlement", "payment_order",
         "foreign", "other")
LANGUAGES = ("nl", "fr", "de", "en")


class EuroField(StringField):
    """An amount typed in euros, or the letter's currency (``58,00`` or ``58.00``); its data is in cents."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return number(self.data / 100, 2) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.raw_data = valuelist
        if not text:
            self.data = None
            return
        try:
            self.data = parse_euros(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter the amount in euros, for example 58,00.")) from None


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("PDF files or photos"), validators=[DataRequired()])
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)


class CorrectionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k, LABELS["kind"][k]) for k in KINDS])
    language = SelectField(_l("Language"), choices=[(code, LABELS["language"][code]) for code in LANGUAGES])
    issuer = StringField(_l("Issuing authority"), validators=[Optional(), Length(max=200)])
    notice_number = StringField(_l("Report number"), validators=[Optional(), Length(max=64)])
    plate = StringField(_l("Plate"), validators=[Optional(), Length(max=16)])
    plate_country = StringField(_l("Country of registration"), validators=[Optional(), Length(min=2, max=2)])
    offence_at = DateTimeLocalField(_l("Offence (Belgian time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    letter_date = DateField(_l("Letter date"), validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    amount = EuroField(_l("Amount"), validators=[Optional()],
                       description=_l("In euros (or the letter's currency), for example 58,00; not in cents."))
    currency = StringField(_l("Currency"), validators=[Optional(), Length(min=3, max=3)])
    payment_reference = StringField(_l("Structured reference"), validators=[Optional(), Length(max=32)])
    keep_reference = BooleanField(_l("Keep this reference exactly as printed, although its check digits fail"))
    addressee = StringField(_l("Addressee"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Why this correction"), validators=[DataRequired(), Length(max=500)])


class AssignForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[])


class RetryForm(FlaskForm):
    """Read a refused e-mail again (the CSRF token is its only field)."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class ProcessForm(FlaskForm):
    """Processing a ready fine; a restricted driver is designated only with the override ticked and a reason."""

    override = BooleanField(_l("Override the privacy restriction"))
    override_reason = TextAreaField(_l("Reason for the override"), validators=[Optional(), Length(max=1000)])

"""Assistance forms (Flask-WTF, CSRF on every one): covers and their import, cases, providers, the agent's steps."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from assistance import labels
from assistance.invoices import ITEMS
from assistance.screen_labels import FORMULAS, ISSUERS, PRODUCTS, PROVIDER_EVENTS

MOMENT = "%Y-%m-%dT%H:%M"
CAUSE_CHOICES = list(labels.CAUSES.items())
BODY_CHOICES = list(labels.BODIES.items())
EXCLUSION_CHOICES = list(labels.EXCLUSIONS.items())
ITEM_CHOICES = [(item, labels.ITEMS[item]) for item in ITEMS] + [("other", _l("other"))]
TRISTATE = [("", _l("not known")), ("yes", _l("yes")), ("no", _l("no"))]


class CoverForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    policy_number = StringField(_l("Policy number"), validators=[DataRequired(), Length(max=64)])
    product = SelectField(_l("Product"), choices=list(PRODUCTS.items()))
    formula = SelectField(_l("Formula"), choices=list(FORMULAS.items()), validators=[Optional()])
    upgrade = BooleanField(_l("Option: upgrade of the replacement vehicle"))
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    premium_paid_on = DateField(_l("Premium paid on"), validators=[Optional()])
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()], description=_l("Leave empty for open-ended."))
    plates = TextAreaField(_l("Plates covered"), validators=[Optional(), Length(max=20000)],
                           description=_l("One per line, or separated by commas."))
    contracts = TextAreaField(_l("Lease contracts covered"), validators=[Optional(), Length(max=20000)],
                              description=_l("Contract numbers, one per line: the cover follows their plate."))


class ImportForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    file = FileField(_l("CSV file"), validators=[DataRequired()])


class CaseForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    plate = StringField(_l("Plate"), validators=[DataRequired(), Length(max=16)])
    registered = StringField(_l("Country of registration"), default="BE", validators=[DataRequired(), Length(max=2)])
    at = DateTimeLocalField(_l("Moment of the breakdown or event (Belgian time)"), validators=[DataRequired()],
                            format=MOMENT)
    country = StringField(_l("Country where it happened"), default="BE", validators=[DataRequired(), Length(max=6)],
                          description=_l("Two-letter code (BE, FR, ES...); for a region, its ISO code (ES-CN)."))
    cause = SelectField(_l("Cause"), choices=CAUSE_CHOICES)
    assistance_called_at_once = BooleanField(_l("Assistance was called at the moment of the immobilisation"),
                                             default=True)
    police_tow = BooleanField(_l("The police ordered the towing"))
    helper_arrived_at = DateTimeLocalField(_l("Roadside assistance arrived (Belgian time)"), validators=[Optional()],
                                           format=MOMENT)
    immobilised_until = DateTimeLocalField(_l("Immobilised until, or expected end of repair (Belgian time)"),
                                           validators=[Optional()], format=MOMENT)
    repairable_within_3_workdays = SelectField(_l("Abroad: repairable within 3 workdays"), choices=TRISTATE,
                                               validators=[Optional()])
    exclusions = SelectMultipleField(_l("Exclusion facts"), choices=EXCLUSION_CHOICES, validators=[Optional()])
    trip_started = DateField(_l("Stay abroad began on"), validators=[Optional()])
    max_mass_kg = IntegerField(_l("Maximum authorised mass (kg)"),
                               validators=[Optional(), NumberRange(min=100, max=60000)])
    body = SelectField(_l("Body"), choices=BODY_CHOICES)
    passengers = IntegerField(_l("Passengers"), default=1, validators=[Optional(), NumberRange(min=1, max=99)])


class ProviderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("Active"), default=True)


class AssignForm(FlaskForm):
    provider_id = SelectField(_l("Provider"), coerce=int, choices=[], validate_choice=False)
    accepted_at = DateTimeLocalField(_l("Accepted at (Belgian time)"), validators=[DataRequired()], format=MOMENT)
    customer_proposed_at = DateTimeLocalField(_l("Appointment the customer proposed (Belgian time)"),
                                              validators=[Optional()], format=MOMENT)


class ProviderEventForm(FlaskForm):
    assignment_id = IntegerField(validators=[DataRequired()])
    event = SelectField(_l("Step"), choices=list(PROVIDER_EVENTS.items()))
    at = DateTimeLocalField(_l("When (Belgian time)"), validators=[Optional()], format=MOMENT,
                           description=_l("For contact, appointment and the customer's proposal."))


class ReplacementForm(FlaskForm):
    replacement_start = DateField(_l("Replacement vehicle taken on"), validators=[Optional()])
    replacement_returned = DateField(_l("Replacement vehicle returned on"), validators=[Optional()])


class DeadlineForm(FlaskForm):
    deadline_id = IntegerField(validators=[DataRequired()])


class CloseForm(FlaskForm):
    pass


class LineForm(Form):
    item = SelectField(_l("Cost item"), choices=ITEM_CHOICES, validate_choice=False)
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[Optional(), NumberRange(min=1, max=999)])
    amount = StringField(_l("Amount (EUR)"), validators=[Optional(), Length(max=20)])


class InvoiceForm(FlaskForm):
    issuer_kind = SelectField(_l("Invoice from"), choices=list(ISSUERS.items()))
    number = StringField(_l("Invoice number"), validators=[Optional(), Length(max=64)])
    lines = FieldList(FormField(LineForm), min_entries=4, max_entries=20)


class InvoicePdfForm(FlaskForm):
    issuer_kind = SelectField(_l("Invoice from"), choices=list(ISSUERS.items()))
    number = StringField(_l("Invoice number"), validators=[Optional(), Length(max=64)])
    file = FileField(_l("Invoice (PDF)"), validators=[DataRequired()])

"""Lease contract forms: one contract, and a CSV file to import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ContractForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False)
    contract_number = StringField(_l("Contract number"), validators=[DataRequired(), Length(max=64)])
    plate = StringField(_l("Plate"), validators=[DataRequired(), Length(max=16)])
    plate_country = SelectField(_l("Country of registration"),
                                choices=[("BE", "BE"), ("NL", "NL"), ("FR", "FR"), ("DE", "DE"), ("LU", "LU")])
    driver_name = StringField(_l("Driver / lessee"), validators=[Optional(), Length(max=200)])
    driver_email = StringField(_l("Driver's e-mail"), validators=[Optional(), Length(max=254)])
    driver_address = TextAreaField(_l("Driver's postal address"), validators=[Optional(), Length(max=500)])
    vehicle = StringField(_l("Vehicle"), validators=[Optional(), Length(max=200)])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()], description=_l("Leave empty for open-ended."))
    instruction = SelectField(_l("Instruction"), choices=[("redirect", _l("Redirect: designate the driver")),
                                                          ("recharge", _l("Recharge: pay and invoice on"))])


class ImportForm(FlaskForm):
    # Staff only: the client the file is for (then no client_code column is needed); 0 is "as the file says".
    client_id = SelectField(_l("Client"), coerce=int, choices=[], validate_choice=False, validators=[Optional()],
                            description=_l("Leave on “as the file says” to import for the clients of its"
                                           " client_code column."))
    file = FileField(_l("CSV file"), validators=[DataRequired()])

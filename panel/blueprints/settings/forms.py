from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...i18n import LANGUAGE_NAMES
from ...forms import choices

READER_CHOICES = [
    ("auto", _l("Automatic: decimal or hex, either byte order (recommended)")),
    ("dec10_le", _l("10-digit decimal, little-endian (most USB readers)")),
    ("dec10_be", _l("10-digit decimal, big-endian")),
    ("hex_fwd", _l("Hexadecimal, as read")),
    ("hex_rev", _l("Hexadecimal, reversed byte order")),
    ("exact", _l("Exact: match codes exactly as typed (barcodes only)")),
]


class TenantForm(FlaskForm):
    name = StringField(_l("Restaurant name"), validators=[DataRequired(_l("Enter the restaurant's name.")), Length(max=200)])
    locale = SelectField(_l("Default language"), choices=choices(LANGUAGE_NAMES.items()))
    reader_format = SelectField(_l("Card reader format"), choices=choices(READER_CHOICES))


class TokenForm(FlaskForm):
    name = StringField(_l("Device name"), validators=[DataRequired(_l("Name the device, e.g. \"Bar till 1\".")), Length(max=100)])

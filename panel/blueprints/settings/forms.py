from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...forms import choices
from ...i18n import LANGUAGE_NAMES

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
    # The scopes (services/tokens.SCOPES); the service refuses a token with neither.
    scope_pos = BooleanField(_l("POS: card scans and customers"), default=True)
    scope_manage = BooleanField(_l("Management: configuration through the API"), default=False)

    def scopes(self) -> list[str]:
        return [scope for scope in ("pos", "manage") if getattr(self, f"scope_{scope}").data]


class PointsForm(FlaskForm):
    """The points rule (services/points.update_settings checks the values and says what is wrong)."""

    enabled = BooleanField(_l("Customers collect points"))
    per_unit = StringField(_l("Points per 1 unit of currency paid"))
    redeem_points = StringField(_l("Points"))
    redeem_value = StringField(_l("are worth"))
    earn_receipt = BooleanField(_l("Receipts earn points"), default=True)
    earn_invoice = BooleanField(_l("Invoices earn points"), default=True)
    expiry_months = StringField(_l("Points expire after (months)"))

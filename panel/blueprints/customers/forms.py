"""The customer form: fields, labels and the country list. The rules live in services/customers/;
the form only carries typed values (kept on every error) and the CSRF token."""
from __future__ import annotations

from babel import Locale
from flask import g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.widgets import DateInput

from ...extensions import db
from ...models import Customer, CustomerGroup
from ...services.customers.validation import EDITABLE_FIELDS

# The neighbours and the usual guests first; every other country follows alphabetically.
FIRST_COUNTRIES = ("PL", "CZ", "SK", "DE", "AT", "HU", "LT", "UA")


def country_choices() -> list[tuple[str, str]]:
    """ISO country codes with names in the user's language, the tenant's own country first."""
    names = Locale.parse(str(get_locale() or "en")).territories
    codes = [c for c in names if len(c) == 2 and c.isalpha() and c not in ("ZZ", "EU", "EZ", "UN", "QO")]
    first = [g.tenant.country] + [c for c in FIRST_COUNTRIES if c != g.tenant.country]
    rest = sorted((c for c in codes if c not in first), key=lambda c: names[c])
    return [("", "—")] + [(c, names.get(c, c)) for c in first + rest]


def group_choices() -> list[tuple[str, str]]:
    """The tenant's groups by name, after "no group"."""
    groups = db.session.execute(select(CustomerGroup.id, CustomerGroup.name).order_by(CustomerGroup.name_key))
    return [("", _("— no group —"))] + [(str(gid), name) for gid, name in groups]


class CustomerForm(FlaskForm):
    first_name = StringField(_l("First name"), render_kw={"autocomplete": "off", "maxlength": 100})
    last_name = StringField(_l("Last name"), render_kw={"autocomplete": "off", "maxlength": 100})
    company_name = StringField(_l("Company"), render_kw={"autocomplete": "off", "maxlength": 250})
    nip = StringField(_l("NIP (PL)"), render_kw={"autocomplete": "off", "inputmode": "numeric", "maxlength": 20})
    regon = StringField(_l("REGON (PL)"), render_kw={"autocomplete": "off", "inputmode": "numeric", "maxlength": 20})
    ico = StringField(_l("IČO (CZ)"), render_kw={"autocomplete": "off", "inputmode": "numeric", "maxlength": 20})
    dic = StringField(_l("DIČ (CZ)"), render_kw={"autocomplete": "off", "maxlength": 20})
    email = EmailField(_l("E-mail"), render_kw={"autocomplete": "off", "maxlength": 254})
    phone = TelField(_l("Phone"), render_kw={"autocomplete": "off", "maxlength": 40})
    street = StringField(_l("Street"), render_kw={"autocomplete": "off", "maxlength": 200})
    building = StringField(_l("Building no."), render_kw={"autocomplete": "off", "maxlength": 20})
    flat = StringField(_l("Flat no."), render_kw={"autocomplete": "off", "maxlength": 20})
    postcode = StringField(_l("Postcode"), render_kw={"autocomplete": "off", "maxlength": 12})
    city = StringField(_l("City"), render_kw={"autocomplete": "off", "maxlength": 100})
    country = SelectField(_l("Country"), validate_choice=False)
    # A plain string, parsed by the service, so a typed "31.05.1990" gets our message, not WTForms'.
    birthday = StringField(_l("Birthday"), widget=DateInput())
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 4, "maxlength": 5000})
    marketing_consent = BooleanField(_l("Agrees to receive marketing"))
    is_staff = BooleanField(_l("Staff member (works here)"))
    # "Należy do grupy": at most one; the service checks the id is one of the tenant's groups.
    group_id = SelectField(_lp("customer form", "Group"), validate_choice=False)

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        if customer is not None and "formdata" not in kwargs:
            kwargs.setdefault("data", form_data_of(customer))
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self.group_id.choices = group_choices()
        if customer is None and not self.is_submitted():
            self.country.data = g.tenant.country

    def service_data(self) -> dict:
        """The typed values as the customer service takes them."""
        return {name: getattr(self, name).data for name in EDITABLE_FIELDS}

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            getattr(self, name, self.first_name).errors = list(getattr(self, name, self.first_name).errors) + [message]


def form_data_of(c: Customer) -> dict:
    data = {name: getattr(c, name) for name in EDITABLE_FIELDS}
    data["birthday"] = c.birthday.isoformat() if c.birthday else ""
    data["group_id"] = str(c.group_id) if c.group_id else ""
    return data

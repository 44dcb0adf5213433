"""The product and category forms: typed values (kept on every error), parsed here into what the
catalog service takes; a price as people type money, a VAT rate as an exact percent."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from ...i18n import format_locale, locale_code
from ...models.catalog import EXTERNAL_ID_LENGTH
from ...money import InvalidAmount, format_plain, parse_amount
from ...services import ServiceError
from ...services.catalog import tree
from ...services.catalog.items import NAME_LENGTH
from ...services.catalog.items import vat_rate as checked_vat_rate

AMOUNT_MESSAGES = {
    InvalidAmount.FORMAT: _l("Type a price such as 12,50."),
    InvalidAmount.PRECISION: _l("A price has at most two decimals (grosze)."),
    InvalidAmount.TOO_LARGE: _l("This price is too large."),
}


def category_choices(exclude_id: int | None = None) -> list[tuple[str, str]]:
    """Live categories as a tree for a select ("— Beer" under "Drinks"); none first."""
    out = [("", _("— none —"))]
    for node in tree.nodes():
        if node.category.id != exclude_id:
            out.append((str(node.category.id), "\u2003" * node.depth + node.category.name))
    return out


class ProductForm(FlaskForm):
    external_id = StringField(_l("POS id"), render_kw={"autocomplete": "off", "maxlength": EXTERNAL_ID_LENGTH})
    name = StringField(_l("Name"), render_kw={"autocomplete": "off", "maxlength": NAME_LENGTH})
    category_id = SelectField(_l("Category"), validate_choice=False)
    price = StringField(_l("Price (gross)"), render_kw={"autocomplete": "off", "inputmode": "decimal",
                                                        "maxlength": 20})
    vat_rate = StringField(_l("VAT rate (%)"), render_kw={"autocomplete": "off", "inputmode": "decimal",
                                                          "maxlength": 8})
    discountable = BooleanField(_l("Discountable"), default=True)
    earns_points = BooleanField(_l("Earns points"), default=True)

    def __init__(self, *args, product=None, current_category=None, **kwargs):
        if product is not None and "formdata" not in kwargs:
            kwargs.setdefault("data", {
                "external_id": product.external_id, "name": product.name,
                "category_id": str(product.category_id or ""),
                "price": format_plain(product.price, g.tenant.currency, locale_code()) if product.price is not None else "",
                "vat_rate": vat_text(product.vat_rate),
                "discountable": product.discountable, "earns_points": product.earns_points})
        super().__init__(*args, **kwargs)
        self.category_id.choices = category_choices()
        if current_category is not None and current_category.archived_at is not None:
            # An archived category stays selectable for the product already in it.
            self.category_id.choices.append((str(current_category.id), current_category.name))

    def parsed(self) -> tuple[dict, dict[str, str]]:
        """(values for the service, field -> message for what cannot be read)."""
        errors, values = {}, {"external_id": self.external_id.data or "", "name": self.name.data or "",
                              "discountable": bool(self.discountable.data),
                              "earns_points": bool(self.earns_points.data)}
        if not values["name"].strip():
            errors["name"] = _("Name the product.")
        price_text = (self.price.data or "").strip()
        values["price"] = None
        if price_text:
            try:
                values["price"] = parse_amount(price_text, g.tenant.currency)
            except InvalidAmount as e:
                errors["price"] = str(AMOUNT_MESSAGES.get(e.code, AMOUNT_MESSAGES[InvalidAmount.FORMAT]))
            else:
                if values["price"] < 0:
                    errors["price"] = _("A price cannot be negative.")
        values["vat_rate"] = None
        if (self.vat_rate.data or "").strip():
            try:
                values["vat_rate"] = checked_vat_rate(self.vat_rate.data.strip(), "vat_rate")
            except ServiceError:
                errors["vat_rate"] = _("Type a rate from 0 to 100, e.g. 23 or 5,5.")
        return values, errors


class CategoryForm(FlaskForm):
    external_id = StringField(_l("POS id"), render_kw={"autocomplete": "off", "maxlength": EXTERNAL_ID_LENGTH})
    name = StringField(_l("Name"), render_kw={"autocomplete": "off", "maxlength": NAME_LENGTH})
    parent_id = SelectField(_l("Parent category"), validate_choice=False)

    def __init__(self, *args, category=None, **kwargs):
        if category is not None and "formdata" not in kwargs:
            kwargs.setdefault("data", {"external_id": category.external_id, "name": category.name,
                                       "parent_id": str(category.parent_id or "")})
        super().__init__(*args, **kwargs)
        self.parent_id.choices = category_choices(exclude_id=category.id if category is not None else None)


def vat_text(value: Decimal | None) -> str:
    """A VAT rate as the user's language writes it (pl "5,5"), no trailing zeros."""
    return "" if value is None else format_decimal(value, format="#,##0.##", locale=format_locale())

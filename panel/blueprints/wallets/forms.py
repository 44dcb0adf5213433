"""Reading the wallet forms: amounts typed as people type them ("200", "200,00", "1 234,50")."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from ...money import InvalidAmount, parse_amount

AMOUNT_MESSAGES = {
    InvalidAmount.EMPTY: lambda: _("Enter the amount."),
    InvalidAmount.FORMAT: lambda: _("Enter an amount such as 200 or 1 234,50."),
    InvalidAmount.PRECISION: lambda: _("Use at most two decimal places."),
    InvalidAmount.TOO_LARGE: lambda: _("This amount is too large."),
}


def amount(text: str, errors: dict, field: str = "amount", signed: bool = False) -> int | None:
    """`text` as minor units of the tenant's currency, or None with the message in `errors`."""
    try:
        value = parse_amount(text or "", g.tenant.currency)
    except InvalidAmount as e:
        errors[field] = AMOUNT_MESSAGES[e.code]()
        return None
    if value == 0 or (value < 0 and not signed):
        errors[field] = _("Enter an amount greater than zero.")
        return None
    return value

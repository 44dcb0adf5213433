"""Discounts: percent or amount, on the bill, categories or products, hidden or on the terminal."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from ...registry import audit_labels, nav_items

bp = Blueprint("discounts", __name__, url_prefix="/discounts")

nav_items.register("discounts.index", _l("Discounts"), role="manager", order=52)
audit_labels.register(
    actions={
        "discount.created": _l("added a discount"),
        "discount.updated": _l("edited a discount"),
        "discount.archived": _l("archived a discount"),
        "discount.restored": _l("restored a discount"),
        "discount.deleted": _l("deleted a discount"),
    },
    groups={"discount": _l("Discounts")},
    records={"discount": lazy_pgettext("discount", "Discount")},  # the entry's summary names which
)

from . import views  # noqa: E402,F401  (routes register on import)

"""Price lists: products at a fixed price, categories at a percent off."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, nav_items

bp = Blueprint("price_lists", __name__, url_prefix="/price-lists")

nav_items.register("price_lists.index", _l("Price lists"), role="manager", order=54)

audit_labels.register(
    actions={
        "price_list.created": _l("created a price list"),
        "price_list.updated": _l("changed a price list"),
        "price_list.archived": _l("archived a price list"),
        "price_list.deleted": _l("deleted a price list"),
        "price_list.entries_replaced": _l("replaced a price list's prices"),
        "price_list.entry_added": _l("added a price to a price list"),
        "price_list.entry_updated": _l("changed a price on a price list"),
        "price_list.entry_removed": _l("removed a price from a price list"),
        "price_list.imported": _l("imported prices into a price list"),
    },
    groups={"price_list": _l("Price lists")},
)

from . import imports, views  # noqa: E402,F401  (routes register on import)

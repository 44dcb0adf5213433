"""Customer groups: who gets which discounts and price lists, and their members.

Managers run the area (what a group grants is a commercial decision); staff see a customer's
group on the customer page and may set it in the customer form, as a waiter does at the till.
"""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, nav_items

bp = Blueprint("groups", __name__, url_prefix="/groups")

nav_items.register("groups.index", _l("Groups"), role="manager", order=50)
audit_labels.register(
    actions={
        "group.created": _l("created a customer group"),
        "group.updated": _l("edited a customer group"),
        "group.deleted": _l("deleted a customer group"),
        "group.members_moved": _l("moved customers to a group"),
    },
    groups={"group": _l("Customer groups")},
)

from . import views  # noqa: E402,F401  (routes register on import)

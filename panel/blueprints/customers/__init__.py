from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, customer_tabs, nav_items
from ...services import customers

bp = Blueprint("customers", __name__, url_prefix="/customers")

nav_items.register("customers.index", _l("Customers"), role="staff", order=30)
audit_labels.register(
    actions={
        "customer.created": _l("added a customer"),
        "customer.updated": _l("edited a customer"),
        "customer.archived": _l("archived a customer"),
        "customer.restored": _l("restored a customer"),
        "customer.erased": _l("erased a customer's personal data"),
        "customer.merged": _l("merged two customers"),
        "customer.exported": _l("exported a customer's data"),
    },
    groups={"customer": _l("Customers"), "customers": _l("Customer imports and exports")},
)
customer_tabs.register("details", _l("Details"), "customers/tabs/details.html", order=10)
customer_tabs.register("history", _l("History"), "customers/tabs/history.html", order=90,
                       load=lambda c: {"entries": customers.history(c)})

from . import views  # noqa: E402,F401  (routes register on import)

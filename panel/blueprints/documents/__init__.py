"""Sales documents in the panel: the list (filters, flagged, CSV), one document, and the
customer's Documents and Points tabs with the manager's points adjustment."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, customer_tabs, nav_items

bp = Blueprint("documents", __name__, url_prefix="/documents")

nav_items.register("documents.index", _l("Documents"), role="manager", order=65)
audit_labels.register(
    actions={"points.adjusted": _l("adjusted points"), "points.settings_changed": _l("changed the points rule")},
    groups={"points": _l("Points")},
)

from . import views  # noqa: E402  (routes register on import)

customer_tabs.register("documents", _l("Documents"), "documents/_customer_documents.html", order=40,
                       load=views.customer_documents, badge=views.count_documents)
customer_tabs.register("points", _l("Points"), "documents/_customer_points.html", order=45,
                       load=views.customer_points)

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, nav_items

bp = Blueprint("settings", __name__, url_prefix="/settings")

nav_items.register("settings.index", _l("Settings"), role="manager", order=100)
audit_labels.register(
    actions={
        "tenant.updated": _l("changed the settings"),
        "token.created": _l("created an API token"),
        "token.revoked": _l("revoked an API token"),
    },
    groups={"tenant": _l("Restaurant settings"), "token": _l("API tokens")},
    records={"tenant": _l("Restaurant"), "api_token": _l("API token")},
)

from . import views  # noqa: E402,F401  (routes register on import)

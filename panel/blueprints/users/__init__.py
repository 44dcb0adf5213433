from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, nav_items

bp = Blueprint("users", __name__, url_prefix="/users")

nav_items.register("users.index", _l("Users"), role="owner", order=80)
audit_labels.register(
    actions={
        "user.added": _l("added a user"),
        "user.invited": _l("invited a user"),
        "user.joined": _l("joined"),
        "user.role_changed": _l("changed a role"),
        "user.deactivated": _l("deactivated a user"),
        "user.reactivated": _l("reactivated a user"),
    },
    groups={"user": _l("Users and sign-ins")},
    records={"membership": _l("User"), "user": _l("User"), "invite": _l("Invitation")},
)

from . import views  # noqa: E402,F401  (routes register on import)

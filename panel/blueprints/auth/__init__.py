from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels

bp = Blueprint("auth", __name__)

audit_labels.register(actions={
    "tenant.created": _l("created the account"),
    "user.signed_in": _l("signed in"),
    "user.password_changed": _l("changed their password"),
    "user.password_reset": _l("set a new password by e-mail link"),
})

from . import views  # noqa: E402,F401  (routes register on import)

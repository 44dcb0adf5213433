from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, job_titles, nav_items

bp = Blueprint("audit", __name__, url_prefix="/audit")

nav_items.register("audit.index", _l("Audit log"), role="owner", order=90)
audit_labels.register(actions={"audit.exported": _l("exported the audit log")},
                      groups={"audit": _l("Audit log exports")})
job_titles.register({"audit_export": _l("Audit log export")})

from . import views  # noqa: E402,F401  (routes register on import)

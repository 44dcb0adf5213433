from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, job_titles

bp = Blueprint("exports", __name__, url_prefix="/exports")

audit_labels.register(actions={"customers.exported": _l("exported the customer list")})
job_titles.register({"customer_export": _l("Customer export")})

from . import views  # noqa: E402,F401  (routes register on import)

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, job_titles

bp = Blueprint("imports", __name__, url_prefix="/customers/import")

audit_labels.register(actions={"customers.imported": _l("imported customers")})
job_titles.register({"customer_import": _l("Customer import")})

from . import views  # noqa: E402,F401  (routes register on import)

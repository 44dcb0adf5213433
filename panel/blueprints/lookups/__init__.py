from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import job_titles

bp = Blueprint("lookups", __name__, url_prefix="/lookups")

job_titles.register({"company_lookup": _l("Company lookup")})

from . import views  # noqa: E402,F401  (routes register on import)

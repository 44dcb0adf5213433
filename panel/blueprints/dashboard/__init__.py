from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("dashboard", __name__)

nav_items.register("dashboard.index", _l("Dashboard"), role="staff", order=10)

from . import views  # noqa: E402,F401  (routes register on import)

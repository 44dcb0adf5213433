from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("terminal", __name__, url_prefix="/terminal")

nav_items.register("terminal.index", _l("Terminal"), role="staff", order=20)

from . import views  # noqa: E402,F401  (routes register on import)

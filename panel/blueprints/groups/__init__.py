"""Customer groups: who gets which discounts and price lists, and their members."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("groups", __name__, url_prefix="/groups")

nav_items.register("groups.index", _l("Groups"), role="manager", order=50)

from . import views  # noqa: E402,F401  (routes register on import)

"""Price lists: products at a fixed price, categories at a percent off."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("price_lists", __name__, url_prefix="/price-lists")

nav_items.register("price_lists.index", _l("Price lists"), role="manager", order=54)

from . import views  # noqa: E402,F401  (routes register on import)

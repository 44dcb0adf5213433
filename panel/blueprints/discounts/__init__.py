"""Discounts: percent or amount, on the bill, categories or products, hidden or on the terminal."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("discounts", __name__, url_prefix="/discounts")

nav_items.register("discounts.index", _l("Discounts"), role="manager", order=52)

from . import views  # noqa: E402,F401  (routes register on import)

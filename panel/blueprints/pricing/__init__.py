"""Pricing in the panel: "try a bill" (the quote, with why each line costs what it does)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("pricing", __name__, url_prefix="/pricing")

nav_items.register("pricing.try_bill", _l("Try a bill"), role="manager", order=58)

from . import views  # noqa: E402,F401  (routes register on import)

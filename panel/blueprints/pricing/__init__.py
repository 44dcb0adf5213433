"""Pricing in the panel: "try a bill" (the quote, with why each line costs what it does)."""
from flask import Blueprint

# No navigation item: the group and discount pages link here with ?group_id= / ?discount_id=.
bp = Blueprint("pricing", __name__, url_prefix="/pricing")

from . import views  # noqa: E402,F401  (routes register on import)

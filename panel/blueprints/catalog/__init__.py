"""The catalog: categories and products as the POS sells them."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import nav_items

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

nav_items.register("catalog.index", _l("Catalog"), role="manager", order=56)

from . import views  # noqa: E402,F401  (routes register on import)

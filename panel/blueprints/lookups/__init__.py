from flask import Blueprint

bp = Blueprint("lookups", __name__, url_prefix="/lookups")

from . import views  # noqa: E402,F401  (routes register on import)

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

from . import views  # noqa: E402,F401  (routes register on import)

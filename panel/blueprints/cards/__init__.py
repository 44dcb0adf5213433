from flask import Blueprint

bp = Blueprint("cards", __name__, url_prefix="/cards")

from . import views  # noqa: E402,F401  (routes register on import)

from flask import Blueprint

bp = Blueprint("terminal", __name__, url_prefix="/terminal")

from . import views  # noqa: E402,F401  (routes register on import)

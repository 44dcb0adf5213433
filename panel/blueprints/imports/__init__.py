from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/customers/import")

from . import views  # noqa: E402,F401  (routes register on import)

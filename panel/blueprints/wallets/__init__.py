"""Prepaid wallets: top-ups, payments and the ledger behind each balance."""
from flask import Blueprint

bp = Blueprint("wallets", __name__, url_prefix="/wallets")


from . import views  # noqa: E402,F401  (routes register on import)

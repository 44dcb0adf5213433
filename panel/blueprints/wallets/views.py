"""Prepaid wallets: top-ups, payments and the ledger behind each balance."""
from . import bp  # noqa: F401

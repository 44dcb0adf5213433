"""Discounts: percent or amount, on the bill, categories or products, hidden or on the terminal."""
from . import bp  # noqa: F401

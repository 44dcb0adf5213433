"""The catalog: categories and products as the POS sells them."""
from . import bp  # noqa: F401

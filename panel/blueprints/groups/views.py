"""Customer groups: who gets which discounts and price lists, and their members."""
from . import bp  # noqa: F401

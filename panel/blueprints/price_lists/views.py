"""Price lists: products at a fixed price, categories at a percent off."""
from . import bp  # noqa: F401

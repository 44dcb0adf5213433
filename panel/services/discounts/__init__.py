"""Discounts: a percent or a fixed amount on the bill, some categories or some products.

The rules of a discount's fields live in validation.py, its saving in records.py, reading it
back in listing.py, and the sentence that says it in words.py. The rule that applies discounts
to a bill is panel/pricing.
"""
from .listing import (
    Loaded,
    categories_matching,
    granted_by,
    load,
    plain_fields,
    products_matching,
    search,
    selectable_discounts,
    used,
)
from .records import archive, create, delete, unarchive, update
from .validation import DiscountInvalid, Values, validate

__all__ = [
    "DiscountInvalid", "Loaded", "Values", "archive", "categories_matching", "create", "delete", "granted_by",
    "load", "plain_fields", "products_matching", "search", "selectable_discounts", "unarchive", "update",
    "used", "validate",
]

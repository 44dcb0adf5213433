"""Price lists (iKelp "ceník"): a product at a fixed unit price or a category at a percent off,
with a validity, granted to customer groups (and tiers). The pricing engine (panel/pricing)
lets the lowest proposal win; lists never stack.

rules.py holds what an entry must be (pure), lists.py a list's life, entries.py its entries
(set-based for the big replacements), listing.py the reads, importing.py entries from a file.
Every change touches the list (lists.touch): the quote caches lists by (id, updated_at).
"""
from flask_babel import gettext as _

from .. import ServiceError, conflicts
from .entries import add_entry, already_listed, merge_entries, remove_entry, replace_entries, update_entry
from .lists import create, granted, remove, touch, update
from .rules import MAX_ENTRIES, EntryInput, check_entries, parse_percent, parse_price


def _raced_name() -> ServiceError:
    return ServiceError(_("A price list with this name was created at the same moment. Choose another name."),
                        field="name", code="conflict")


def _raced_product() -> ServiceError:
    return already_listed(product=True)


def _raced_category() -> ServiceError:
    return already_listed(product=False)


conflicts.register("uq_price_lists_tenant_name_key", _raced_name)
conflicts.register("uq_price_list_entries_product", _raced_product)
conflicts.register("uq_price_list_entries_category", _raced_category)

__all__ = ["MAX_ENTRIES", "EntryInput", "add_entry", "check_entries", "create", "granted", "merge_entries",
           "parse_percent", "parse_price", "remove", "remove_entry", "replace_entries", "touch", "update",
           "update_entry"]

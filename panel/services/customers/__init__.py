"""Customers: validation, derived columns, duplicates, merge, archive, erase, export.

Every rule about a customer lives in this package; views and jobs (import, CSV export, API)
call these functions and never write Customer columns themselves, so the derived columns
(sort_name, search_text, phone_digits) can be trusted by the list's indexes.

One module per concern: validation (fields, folding, phones, derived columns), records (create,
update, archive, restore, history), duplicates, merging (MERGE_MOVES) and gdpr (erase with its
ERASE_STEPS, export). The names below are the service's interface (`customers.create(...)`);
the list (filters, search, paging) is services/customer_list.py. Services flush and never
commit; the caller commits once.
"""
from .duplicates import find_duplicates, shared_text
from .gdpr import ERASE_STEPS, EraseStep, erase, export_data, forget_history, register_erase_step
from .merging import MERGE_GROUPS, MERGE_MOVES, MergeMove, merge, merge_plan, register_merge_move
from .records import add_validated, archive, create, history, record_created, restore, update
from .validation import (
                         EDITABLE_FIELDS,
                         CustomerInvalid,
                         InvalidPhone,
                         build_search_text,
                         build_sort_name,
                         fold,
                         phone_digits,
                         query_digits,
                         single_line,
                         validate,
)

__all__ = [
    "EDITABLE_FIELDS", "ERASE_STEPS", "MERGE_GROUPS", "MERGE_MOVES", "CustomerInvalid", "EraseStep", "InvalidPhone",
    "MergeMove", "add_validated", "archive", "build_search_text", "build_sort_name", "create", "erase",
    "export_data", "find_duplicates", "fold", "forget_history", "history", "merge", "merge_plan", "phone_digits",
    "query_digits", "record_created", "register_erase_step", "register_merge_move", "restore", "shared_text",
    "single_line", "update", "validate",
]

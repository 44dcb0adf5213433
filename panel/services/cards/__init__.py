"""Cards: codes and canonical keys, finding a card, its life, and the cards list.

- lookup.py: the tenant's reader format, canonical keys, finding a card by any reader's code
  (and the till's one-statement scan), the live code check;
- rows.py: a card as typed (CardRow) and the checks before it is saved;
- lifecycle.py: adding cards (customer form, terminal, API, import), block, lost, unblock,
  replace, each card write in a savepoint that turns a lost race into "card_taken";
- listing.py: the cards list's filters, sorts and count;
- customer_life.py: the cards' part of a customer's merge and GDPR erasure (registered on import).

Callers import this package (`from panel.services import cards`); the names below are its API.
"""
from .customer_life import erase_cards
from .lifecycle import add_checked, apply_card_rows, assign, block, record_added, replace, report_lost, unblock
from .listing import SORTS, STATES, default_sort, list_count, list_filters, list_query, month_end
from .lookup import (
    MAX_NUMBER_LENGTH,
    MAX_ROWS,
    CodeCheck,
    PosCard,
    PosCustomer,
    PosGroup,
    change_reader_format,
    check_code,
    find_card,
    holder_of,
    key_for,
    pos_scan,
    pos_state,
    reader_format,
    taken_message,
)
from .rows import CardRow, parse_expiry, validate_card_rows

__all__ = [
    "MAX_NUMBER_LENGTH", "MAX_ROWS", "SORTS", "STATES", "CardRow", "CodeCheck", "PosCard", "PosCustomer", "PosGroup",
    "add_checked", "apply_card_rows", "assign", "block", "change_reader_format", "check_code",
    "default_sort", "erase_cards", "find_card", "holder_of", "key_for", "list_count", "list_filters", "list_query",
    "month_end", "parse_expiry", "pos_scan", "pos_state", "reader_format", "record_added", "replace",
    "report_lost", "taken_message", "unblock", "validate_card_rows",
]

"""Pricing a bill for a customer: the rules that reach it, loaded and handed to the engine.

The engine (panel/pricing) is pure; this service finds whose bill it is (a card scan or an id,
services/pricing/customer.py), matches the lines to the catalog (bill.py), loads what the
customer's group grants and the staff's picks (rules.py, price lists cached by their
updated_at), and calls `panel.pricing.quote`. The POS's quote endpoint, "try a bill" and the
terminal all come through here, so they cannot disagree. Nothing is written.

A quote costs a fixed handful of queries whatever the bill's size: the customer with their
group, the discounts (granted or picked), their targets and windows, the group's price lists
(entries only when a list changed), the products with their category chains.
"""
from .bill import LineIn, LinesInvalid, parse_lines
from .customer import NOBODY, Who, by_card, by_id
from .quoting import Priced, moment, quote
from .rules import PRICE_LIST_CACHE, GroupRef, TierRef, group_ref

__all__ = ["LineIn", "LinesInvalid", "parse_lines", "NOBODY", "Who", "by_card", "by_id", "Priced", "moment",
           "quote", "PRICE_LIST_CACHE", "GroupRef", "TierRef", "group_ref"]

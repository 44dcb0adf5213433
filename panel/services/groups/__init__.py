"""Customer groups: a group's own record and its grants (records.py), who is in it
(membership.py), the list with member counts and grants in words (listing.py), and what a
customer merge does with the group (customer_life.py).

A customer belongs to at most one group (customers.group_id). A group grants discounts and
price lists (ours, by integer id); the pricing engine applies them to its members' bills.
Services flush and never commit; the caller commits once.
"""
from . import customer_life  # noqa: F401  (registers the merge move)
from .listing import Grant, Listed, grants_of, listed, member_counts
from .membership import MAX_BULK, members, move, set_group
from .records import PALETTE, GroupInvalid, create, delete, get, update

__all__ = ["MAX_BULK", "PALETTE", "Grant", "GroupInvalid", "Listed", "create", "delete", "get", "grants_of",
           "listed", "member_counts", "members", "move", "set_group", "update"]
